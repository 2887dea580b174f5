import { UnknownServiceError, UnknownVerbError, UsageError, UserError } from '../core/errors.js';
import type { ServiceRegistry } from '../core/registry.js';
import { oneLine, quoteBack } from '../core/sanitize.js';
import { closest } from '../core/suggest.js';
import type { Command } from '../core/types.js';
import type { VerbSpec } from '../core/verb.js';
import { splitSchedule } from './when.js';

export const MAX_COMMAND_CHARS = 400;

export type ParseResult<S extends VerbSpec = VerbSpec> = { ok: true; command: Command; spec: S } | { ok: false; error: UserError };

/**
 * The one grammar for every network: `<service> <verb> [env] [args…]` or `<global verb> [args…]`.
 * Text arrives without the network's prefix (`!` on IRC, the slash command on Slack).
 * Never throws: every problem is a typed error carrying one line for the asker.
 */
export function parseCommand<S extends VerbSpec>(text: string, verbs: readonly S[], registry: ServiceRegistry, requestId: string): ParseResult<S> {
  try {
    return parse(text, verbs, registry, requestId);
  } catch (e) {
    if (e instanceof UserError) return { ok: false, error: e };
    return { ok: false, error: new UsageError('could not read that command') };
  }
}

function parse<S extends VerbSpec>(text: string, verbs: readonly S[], registry: ServiceRegistry, requestId: string): ParseResult<S> {
  const chars = [...text].length;
  if (chars > MAX_COMMAND_CHARS) {
    return { ok: false, error: new UsageError(`command too long (${chars} characters; the limit is ${MAX_COMMAND_CHARS})`) };
  }
  const tokens = oneLine(text).trim().split(/\s+/).filter(Boolean);
  const first = tokens[0]?.toLowerCase();
  if (!first) return { ok: false, error: new UsageError('empty command: try help') };

  const globals = verbs.filter((v) => v.scope === 'global');
  const global = globals.find((v) => v.verb === first);
  if (global) {
    return { ok: true, spec: global, command: { service: '', verb: global.verb, args: tokens.slice(1), requestId } };
  }

  // a service verb said alone (`status`, `deploy staging`): which service?
  const bare = verbs.find((v) => v.scope === 'service' && v.verb === first);
  if (bare && !registry.has(first)) {
    const names = registry.names();
    const example = [names[0], first, ...tokens.slice(1)].join(' ');
    return { ok: false, error: new UsageError(`${first} which service? ${names.join(', ')} (say: ${quoteBack(example)})`) };
  }

  if (!registry.has(first)) {
    const choices = [...registry.names(), ...globals.map((v) => v.verb)];
    return { ok: false, error: new UnknownServiceError(quoteBack(tokens[0]!), closest(first, choices)) };
  }
  const service = first;
  const serviceVerbs = verbs.filter((v) => v.scope === 'service');
  const verbName = tokens[1]?.toLowerCase() ?? 'status';
  const spec = serviceVerbs.find((v) => v.verb === verbName);
  if (!spec) {
    return {
      ok: false,
      error: new UnknownVerbError(
        quoteBack(tokens[1]!),
        closest(
          verbName,
          serviceVerbs.map((v) => v.verb),
        ),
      ),
    };
  }

  // a scheduled change's time comes off the end first, so it is never read as the environment (`flag X on staging in 2h`)
  const { words, schedule } = spec.schedulable ? splitSchedule(tokens.slice(2)) : { words: tokens.slice(2) };
  const { environment, args } = environmentOf(spec, service, words, registry);
  return { ok: true, spec, command: { service, verb: spec.verb, ...(environment ? { environment } : {}), args, requestId, ...(schedule ? { schedule } : {}) } };
}

/**
 * The environment a command acts on, from where the verb takes it (first or last word, or `--env NAME`
 * anywhere), so the permission check always sees the environment the command will change.
 */
/** `--lines`, `--lines=5` and the short forms (`-c envoy`); not `-5` or a lone `-`. */
const isOption = (w: string): boolean => /^--?[A-Za-z]/.test(w);

function environmentOf(spec: VerbSpec, service: string, words: string[], registry: ServiceRegistry): { environment?: string; args: string[] } {
  if (spec.environment === 'none') return { args: words };
  const envs = registry.environments(service);
  const flag = words.findIndex((w) => w.toLowerCase() === '--env' || w.toLowerCase().startsWith('--env='));
  if (flag >= 0) {
    const w = words[flag]!;
    const value = w.includes('=') ? w.slice(w.indexOf('=') + 1) : words[flag + 1];
    if (!value) throw new UsageError(`--env needs an environment (${envs.join(', ')})`);
    registry.environment(service, value.toLowerCase()); // throws UnknownEnvironmentError with suggestions
    return { environment: value.toLowerCase(), args: words.filter((_, i) => i !== flag && (w.includes('=') || i !== flag + 1)) };
  }
  const last = spec.environmentAt === 'last';
  // last: the last word that is not an option (`flag X on staging --shared`), nor the value of one
  // (`logs webserver staging --lines 50`) unless it is an environment's name (`logs web --previous staging`)
  let at = 0;
  if (last) {
    const optionValue = (i: number): boolean => i > 0 && isOption(words[i - 1]!) && !words[i - 1]!.includes('=') && !envs.includes(words[i]!.toLowerCase());
    for (at = words.length - 1; at > 0 && (isOption(words[at]!) || optionValue(at)); at--);
  }
  const candidate = words[at];
  if (candidate !== undefined && !isOption(candidate)) {
    // a verb taking its environment last reads `flag X on` (no environment) as well: only a known name counts
    if (!last || envs.includes(candidate.toLowerCase())) {
      registry.environment(service, candidate.toLowerCase()); // first position: an unknown name gets suggestions
      return { environment: candidate.toLowerCase(), args: words.filter((_, i) => i !== at) };
    }
  }
  if (spec.environment === 'required') {
    if (envs.length === 1) return { environment: envs[0]!, args: words };
    throw new UsageError(`${spec.usage.replace('<service>', service)}: which environment? (${envs.join(', ')})`);
  }
  return { args: words };
}
