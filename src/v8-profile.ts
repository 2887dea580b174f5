// V8 tuned for memory over speed in the gateway (figures: bench/RESULTS.md, rssMbByRole). Read by
// main.ts before anything else is compiled; node: built-ins only.
//
// A gateway only relays chat lines to the queue and back, so it runs on V8's interpreter alone (no
// Sparkplug, Maglev or TurboFan code), favours size (smaller heap steps, memory given back when idle) and
// drops the bytecode of functions not run in 3 full GCs instead of 6 (what ran once at start goes
// sooner; a function run again is compiled again). Measured here: ~20 MB less without the optimising
// compilers and with size favoured, ~1.5 MB more without Sparkplug, ~1.5 MB more for the bytecode age
// (settled and after a run); a status answer through a gateway and a worker took 0.2–0.7 ms longer
// without the optimising compilers, and no longer that stood out of the noise without Sparkplug. The
// other roles run the verbs' jobs and keep V8 as it is: --optimize-for-size made a status answer in the
// `all` role ~1 ms slower at the median and a worker do ~17 % fewer status jobs a second.
const GATEWAY = ['--no-opt', '--no-maglev', '--no-sparkplug', '--optimize-for-size', '--bytecode-old-age=3'];
/** Flags an operator may give node themselves; any of them and the profile is left out. */
const OWN_CHOICE = /^--(no-)?(opt|turbofan|maglev|sparkplug|optimize-for-size|jitless|bytecode-old-age)(=|$)/;

/** The V8 flags for a `deckhand [options] [role]` command line, given node's own flags. */
export function v8FlagsFor(args: readonly string[], execArgv: readonly string[]): string[] {
  if (execArgv.some((f) => OWN_CHOICE.test(f))) return [];
  return roleOf(args) === 'gateway' ? GATEWAY : [];
}

/** The role word as src/cli.ts reads it: the first argument that is neither an option nor the file after -c. */
function roleOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c' || args[i] === '--config') i++;
    else if (!args[i]!.startsWith('-')) return args[i];
  }
  return undefined;
}
