// V8 tuned for memory over speed, per role (figures: bench/RESULTS.md, rssMbByRole). Read by main.ts
// before anything else is compiled; node: built-ins only.
//
// --optimize-for-size (smaller heap steps, less inlining), every role: `all` 121.5 → ~114 MB; a status
// answer ~1 ms slower at the median, a worker ~17 % fewer status jobs a second (2,900 → 2,400 here).
// A gateway only relays chat lines to the queue and back, so it also goes without the optimising
// compilers (TurboFan, Maglev): 103 → ~85 MB, 0.2–0.7 ms more through a gateway and a worker.
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
