import { UnknownServiceError, UnknownVerbError, UsageError, UserError } from '../core/errors.js';
import type { ServiceRegistry } from '../core/registry.js';
import { oneLine, quoteBack } from '../core/sanitize.js';
import { closest } from '../core/suggest.js';
import type { Command } from '../core/types.js';
import type { VerbSpec } from '../handlers/types.js';

export const MAX_COMMAND_CHARS = 400;

export type ParseResult = { ok: true; command: Command; spec: VerbSpec } | { ok: false; error: UserError };

/**
 * The one grammar for every network: `<service> <verb> [env] [args…]` or `<global verb> [args…]`.
 * Text arrives without the network's prefix (`!` on IRC, the slash command on Slack).
 * Never throws: every problem is a typed error carrying one line for the asker.
 */
export function parseCommand(text: string, verbs: readonly VerbSpec[], registry: ServiceRegistry, requestId: string): ParseResult {
  try {
    return parse(text, verbs, registry, requestId);
  } catch (e) {
    if (e instanceof UserError) return { ok: false, error: e };
    return { ok: false, error: new UsageError('could not read that command') };
  }
}

function parse(text: string, verbs: readonly VerbSpec[], registry: ServiceRegistry, requestId: string): ParseResult {
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

  if (!registry.has(first)) {
    const choices = [...registry.names(), ...globals.map((v) => v.verb)];
    return { ok: false, error: new UnknownServiceError(quoteBack(tokens[0]!), closest(first, choices)) };
  }
  const service = first;
  const serviceVerbs = verbs.filter((v) => v.scope === 'service');
  const verbName = tokens[1]?.toLowerCase() ?? 'status';
  const spec = serviceVerbs.find((v) => v.verb === verbName);
  if (!spec) {
    return { ok: false, error: new UnknownVerbError(quoteBack(tokens[1]!), closest(verbName, serviceVerbs.map((v) => v.verb))) };
  }

  let args = tokens.slice(2);
  let environment: string | undefined;
  if (spec.environment !== 'none') {
    const envs = registry.environments(service);
    const candidate = args[0];
    if (candidate !== undefined && !candidate.startsWith('--')) {
      registry.environment(service, candidate.toLowerCase()); // throws UnknownEnvironmentError with suggestions
      environment = candidate.toLowerCase();
      args = args.slice(1);
    } else if (spec.environment === 'required') {
      if (envs.length === 1) environment = envs[0];
      else throw new UsageError(`${spec.usage.replace('<service>', service)}: which environment? (${envs.join(', ')})`);
    }
  }
  return { ok: true, spec, command: { service, verb: spec.verb, ...(environment ? { environment } : {}), args, requestId } };
}
