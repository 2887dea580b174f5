// Runs one fault scenario and prints its figures as JSON (the last line on stdout), for bench/faults.ts:
//   node --experimental-transform-types --import ./test/support/ts-loader.mjs test/faults/scenarios/run.ts <name>
// Each scenario runs in a process of its own (the deploy harness puts the stand-in tools on this
// process's PATH; a killed worker's clean-up runs here).
import { dependenciesScenario, slackOutageScenario } from './dependencies.js';
import { fuzzScenario } from './fuzz.js';
import { ircRestartScenario } from './irc-restart.js';
import { redisRestartScenario } from './redis-restart.js';
import { workerKillScenario, type KillPoint } from './worker-kill.js';

const scenarios: Record<string, () => Promise<unknown>> = {
  ircRestart: () => ircRestartScenario({ queued: 5, outageMs: 12_000, maxReconnectMs: 8000 }),
  redisRestart: () => redisRestartScenario({ askers: 5, each: 100 }),
  dependencies: () => dependenciesScenario(),
  fuzz: async () => fuzzScenario(),
  slack5xx: () => slackOutageScenario({ failures: 6 }),
  ...Object.fromEntries(
    (['deploy', 'flag', 'flag-push', 'flag-push-landed', 'rollback'] as KillPoint[]).map((p) => [`workerKill:${p}`, () => workerKillScenario(p)]),
  ),
};

const name = process.argv[2] ?? '';
const run = scenarios[name];
if (!run) {
  process.stderr.write(`unknown scenario "${name}"; one of: ${Object.keys(scenarios).join(', ')}\n`);
  process.exit(2);
}
const figures = await run();
process.stdout.write(`${JSON.stringify(figures)}\n`);
process.exit(0);
