// V8 tuned for memory over speed, per role (figures: bench/RESULTS.md, rssMbByRole). Read by main.ts
// before anything else is compiled; node: built-ins only.
//
// --optimize-for-size (smaller heap steps, less inlining), every role: ~4 MB less; the worker does
// ~17 % fewer status jobs a second (2,900 → 2,400 here; the goal is 1,000), bigStatus 3 → 4 ms.
// A gateway only relays chat lines to the queue and back, so it also goes without the optimising
// compilers (TurboFan, Maglev): ~17 MB less, and no slower through a gateway (statusLatency).
const GATEWAY = ['--no-opt', '--no-maglev', '--optimize-for-size'];
const OTHERS = ['--optimize-for-size'];
/** Flags an operator may give node themselves; any of them and the profile is left out. */
const OWN_CHOICE = /^--(no-)?(opt|turbofan|maglev|optimize-for-size|jitless)(=|$)/;

/** The V8 flags for a `deckhand [options] [role]` command line, given node's own flags. */
export function v8FlagsFor(args: readonly string[], execArgv: readonly string[]): string[] {
  if (execArgv.some((f) => OWN_CHOICE.test(f))) return [];
  return roleOf(args) === 'gateway' ? GATEWAY : OTHERS;
}

/** The role word as src/cli.ts reads it: the first argument that is neither an option nor the file after -c. */
function roleOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c' || args[i] === '--config') i++;
    else if (!args[i]!.startsWith('-')) return args[i];
  }
  return undefined;
}
