// The fuzzed command path (the test: test/faults/fuzz-commands.test.ts; the figures: npm run bench -- faults).
// Fuzzing the command path up to the enqueue: the one parser, then the verb's own argument reading
// (what the gateway runs before it queues a job), with generated lines — random bytes, any Unicode,
// very long lines, near-misses of real commands, and look-alikes of flags, environments, versions and
// times, sprinkled with CR/LF/NUL/C1/bidi characters. What a person would see is checked: every
// refusal is one IRC line of at most 400 bytes with no control character, and nothing crashes
// (a crash would surface as the parser's catch-all "could not read that command", or as a non-user
// error from a verb). What passes carries no control character into the job either.
import fc from 'fast-check';
import { IRC_CAPABILITIES } from '../../../src/bot/irc.js';
import { renderFor } from '../../../src/bot/render.js';
import { parseCommand } from '../../../src/commands/parse.js';
import { toUserParts, UserError } from '../../../src/core/errors.js';
import { ServiceRegistry } from '../../../src/core/registry.js';
import { replyLines } from '../../../src/core/reply.js';
import { hasControl } from '../../../src/core/sanitize.js';
import { allVerbs, findVerb } from '../../../src/handlers/index.js';
import { exampleConfig } from '../../support/config.js';

const config = exampleConfig();
const registry = new ServiceRegistry(config);
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const to = { network: 'irc', target: '#wikimedia-analytics', nick: 'alice' };

export interface Outcome {
  crashes: string[];
  refused: number;
  accepted: number;
  /** The longest refusal as IRC bytes. */
  maxReplyBytes: number;
}

/** Every string inside a value (keys too). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
  return [];
}

/** One line through the command path, as the gateway takes it up to the enqueue. */
function take(text: string, out: Outcome): void {
  const parsed = parseCommand(text, allVerbs, registry, 'fuzz');
  let error: UserError | undefined;
  if (!parsed.ok) {
    error = parsed.error;
    if (error.message === 'could not read that command') out.crashes.push(`parser: ${JSON.stringify(text.slice(0, 120))}`);
  } else {
    const verb = findVerb(allVerbs, parsed.command.verb, parsed.spec.scope)!;
    try {
      const args: unknown = verb.parse({ command: parsed.command, config, registry, now: NOW });
      if (strings({ command: parsed.command, args }).some(hasControl)) out.crashes.push(`control character into a job: ${JSON.stringify(text.slice(0, 120))}`);
      out.accepted++;
      return;
    } catch (e) {
      if (!(e instanceof UserError)) {
        out.crashes.push(`${parsed.command.verb}: ${(e as Error).stack?.split('\n').slice(0, 2).join(' ')} on ${JSON.stringify(text.slice(0, 120))}`);
        return;
      }
      error = e;
    }
  }
  out.refused++;
  const lines = renderFor(replyLines(to, [toUserParts(error)], true), IRC_CAPABILITIES).lines;
  out.maxReplyBytes = Math.max(out.maxReplyBytes, ...lines.map((l) => Buffer.byteLength(l)));
  const bad = lines.length !== 1 || Buffer.byteLength(lines[0]!) > 400 || hasControl(lines[0]!);
  if (bad) out.crashes.push(`reply ${JSON.stringify(lines).slice(0, 300)} for ${JSON.stringify(text.slice(0, 120))}`);
}

// ── generators ────────────────────────────────────────────────────────────────────────────────
const services = registry.names();
const environments = [...new Set(services.flatMap((s) => registry.environments(s)))];
const verbNames = allVerbs.map((v) => v.verb);
const NASTY = ['\r\n', '\n', '\r', '\u0000', '\u0085', '\u009b', '\u202e', '\u2066', '\u200b', '\ufeff', '\u0007', '\u001b[31m', '\t', '\u2028'];
const LOOKALIKES = [
  '--env',
  '--env=production',
  '--all',
  '--lines',
  '--lines=0',
  '--lines=99999999999999999999',
  '-c',
  '--container',
  '--previous',
  '--shared',
  '--during-maintenance',
  '--kubeconfig=/etc/passwd',
  '-f',
  '/etc/passwd',
  '--',
  '-',
  'on',
  'off',
  'true',
  'yes',
  'null',
  '~',
  '1.2.3',
  'v6.0.0',
  '6.0.0-rc1',
  '2026-02-16-150514-b1a59e3a',
  'latest',
  '../../etc',
  'at',
  '14:00',
  'UTC',
  'in',
  '2h',
  '-5m',
  'tomorrow',
  '09:30',
  '2099-01-01',
  '1970-01-01T00:00:00Z',
  'for',
  '90m',
  'reason',
  'FEATURE_FLAG',
  'ENABLE_TEMPLATE_PROCESSING',
  'a.b.c',
  'x: y',
  '&anchor',
  '*alias',
  '!!python/object',
  '{a: 1}',
  '[1, 2]',
  '"quoted"',
  "'single'",
  '$(reboot)',
  '`id`',
  '; rm -rf /',
  '|',
  '*)(uid=*',
  '\\',
  '%s%n',
  '\u{1F680}',
  'ü',
  '𝔰𝔲𝔭𝔢𝔯𝔰𝔢𝔱',
];
const near = (w: string) =>
  fc.oneof(
    fc.constant(w),
    fc.constant(w.toUpperCase()),
    fc.nat({ max: Math.max(0, w.length - 1) }).map((i) => w.slice(0, i) + w.slice(i + 1)), // a letter dropped
    fc.tuple(fc.nat({ max: w.length }), fc.constantFrom(...'aeiou-_.0x')).map(([i, c]) => w.slice(0, i) + c + w.slice(i)), // one added
    fc.constantFrom(...NASTY).map((n) => w + n),
  );
const word = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...services).chain(near) },
  { weight: 4, arbitrary: fc.constantFrom(...verbNames).chain(near) },
  { weight: 3, arbitrary: fc.constantFrom(...environments).chain(near) },
  { weight: 5, arbitrary: fc.constantFrom(...LOOKALIKES) },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.nat({ max: 1000 }).map((n) => 'x'.repeat(n)) },
);
const separator = fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\u00a0', '\u3000', ' \u200b ');
/** A near-miss of a real command: service, verb, environment and arguments, mutated. */
export const nearCommand = fc
  .tuple(fc.array(word, { minLength: 1, maxLength: 9 }), fc.array(separator, { minLength: 9, maxLength: 9 }))
  .map(([words, seps]) => words.map((w, i) => (i ? seps[i]! : '') + w).join(''));
/** A real command with one thing wrong. */
export const realish = fc
  .tuple(
    fc.constantFrom(...services),
    fc.constantFrom(...verbNames),
    fc.constantFrom(...environments, ''),
    fc.array(fc.constantFrom(...LOOKALIKES), { maxLength: 4 }),
  )
  .map(([s, v, e, rest]) => [s, v, e, ...rest].filter(Boolean).join(' '));
const randomBytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString(Math.random() < 0.5 ? 'utf8' : 'latin1'));
const veryLong = fc
  .tuple(nearCommand, fc.nat({ max: 20_000 }), fc.constantFrom('a', 'ü', '🚀', ' ', '\u202e', 'superset '))
  .map(([c, n, w]) => c + w.repeat(n));

export function run(arb: fc.Arbitrary<string>, numRuns: number): Outcome {
  const out: Outcome = { crashes: [], refused: 0, accepted: 0, maxReplyBytes: 0 };
  fc.assert(
    fc.property(arb, (text) => {
      take(text, out);
    }),
    { numRuns },
  );
  return out;
}

/** The generated families and how many lines of each: 104,000 in all. */
export const FAMILIES: [string, fc.Arbitrary<string>, number][] = [
  ['near-misses of real commands', nearCommand, 50_000],
  ['real commands with look-alike arguments', realish, 30_000],
  ['random bytes', randomBytes, 12_000],
  ['any Unicode', fc.string({ unit: 'binary', maxLength: 400 }), 10_000],
  ['very long lines', veryLong, 2_000],
];

/** The figures for the benchmark: every family once. */
export function fuzzScenario(): Record<string, unknown> {
  const t0 = performance.now();
  const outs = FAMILIES.map(([, arb, n]) => run(arb, n));
  return {
    lines: FAMILIES.reduce((n, [, , k]) => n + k, 0),
    crashes: outs.reduce((n, o) => n + o.crashes.length, 0),
    refused: outs.reduce((n, o) => n + o.refused, 0),
    accepted: outs.reduce((n, o) => n + o.accepted, 0),
    maxReplyBytes: Math.max(...outs.map((o) => o.maxReplyBytes)),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
