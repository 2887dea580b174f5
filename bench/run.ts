// `npm run bench`: every figure measured in one run on this machine, written to
// bench/results/latest.json and summarised in bench/RESULTS.md.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchBigStatus, benchJobsPerSecond, benchStatus } from './status.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const out = `${ROOT}bench/results/latest.json`;

type Section = () => Promise<Record<string, unknown>> | Record<string, unknown>;
const sections: [string, Section][] = [
  ['bigStatus', benchBigStatus],
  ['statusJobsPerSecond', () => benchJobsPerSecond()],
  ['statusLatency', () => benchStatus()],
  ['jobsQueryMs', async () => (await import('./history.js')).benchHistory()],
  ['downtimeDetect', async () => (await import('./monitor.js')).benchMonitor()],
  ['slack', async () => (await import('./slack.js')).benchSlack()],
  ['deployOverhead', async () => (await import('./deploy.js')).benchDeploy()],
  ['healthProbes', async () => (await import('./health.js')).benchHealth()],
  // minutes each (a line a second under InspIRCd's default class): `npm run bench -- ircFlood fairness`
  ['ircFlood', async () => (await import('./irc.js')).benchIrcFlood()],
  ['fairness', async () => (await import('./irc.js')).benchFairness()],
  // issue 18's load case (faults.load), ~17 minutes: `npm run bench -- ircLoad`
  ['ircLoad', async () => (await import('./irc.js')).benchIrcLoad()],
  // fault scenarios (issue 18: worker killed, Redis and ircd restarted, dependencies down), ~3 minutes: `npm run bench -- faults`
  ['faults', async () => (await import('./faults.js')).benchFaults()],
  ['faultChecks', async () => (await import('./faults.js')).benchFaultChecks()],
  // high availability (issue 16): `npm run bench -- failover sentinel clusterJobsPerSecond`
  ['failover', async () => (await import('./failover.js')).benchFailover()],
  ['sentinel', async () => (await import('./failover.js')).benchSentinel()],
  ['clusterJobsPerSecond', async () => (await import('./failover.js')).benchClusterJobs()],
];

const only = process.argv.slice(2);
const previous = existsSync(out) ? ((JSON.parse(readFileSync(out, 'utf8')) as { results?: Record<string, unknown> }).results ?? {}) : {};
const results: Record<string, unknown> = only.length ? { ...previous } : {};
for (const [name, run] of sections) {
  if (only.length && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  // `faults` holds one entry per fault case, written by more than one section: merged, not replaced
  for (const [k, v] of Object.entries(await run())) results[k] = k === 'faults' ? { ...(results.faults as object | undefined), ...(v as object) } : v;
}

const doc = {
  measuredAt: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  results,
};
mkdirSync(`${ROOT}bench/results`, { recursive: true });
writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');

const r = results as Record<string, Record<string, unknown>>;
const row = (name: string, value: string, goal: unknown) => `| ${name} | ${value} | ${goal ?? ''} |`;
const md = [
  '# Benchmark results',
  '',
  `Measured ${doc.measuredAt} on ${doc.machine.cpus} × ${doc.machine.model}, Node ${doc.machine.node}. Written by \`npm run bench\`; raw figures in \`results/latest.json\`.`,
  '',
  '| figure | measured | goal |',
  '|---|---|---|',
  r.statusLatency &&
    row(
      'statusLatency p50 / p99',
      `${r.statusLatency.p50Ms} / ${r.statusLatency.p99Ms} ms (floor ${r.statusLatency.floorP50Ms} / ${r.statusLatency.floorP99Ms}; over floor ${r.statusLatency.overP50Ms} / ${r.statusLatency.overP99Ms})`,
      r.statusLatency.goal,
    ),
  r.statusJobsPerSecond && row('statusJobsPerSecond', `${r.statusJobsPerSecond.perSecond}/s`, r.statusJobsPerSecond.goal),
  r.bigStatusMs && row('bigStatusMs (5,000 pods)', `${r.bigStatusMs.p50Ms} ms, ${r.bigStatusMs.lines} lines`, r.bigStatusMs.goal),
  r.rssMb && !r.rssMbByRole && row('rssMb idle / after latency run', `${r.rssMb.idle} / ${r.rssMb.afterLatencyRun} MB`, r.rssMb.goal),
  ...Object.entries((r.rssMbByRole ?? {}) as Record<string, { idle: number; idleSettled?: number; afterLatencyRun: number; goal?: string }>)
    .filter(([role]) => role !== 'note')
    .map(([role, v]) =>
      v.idleSettled === undefined
        ? row(`rssMb ${role} role idle / after latency run`, `${v.idle} / ${v.afterLatencyRun} MB`, v.goal)
        : row(`rssMb ${role} role idle / settled 10 s / after latency run`, `${v.idle} / ${v.idleSettled} / ${v.afterLatencyRun} MB`, v.goal),
    ),
  ...Object.entries(r)
    .filter(([k]) => !['statusLatency', 'statusJobsPerSecond', 'bigStatusMs', 'rssMb', 'faults', 'rssMbByRole'].includes(k))
    .map(([k, v]) => row(k, JSON.stringify(Object.fromEntries(Object.entries(v).filter(([kk]) => kk !== 'goal' && kk !== 'note'))), v.goal)),
  ...Object.entries((r.faults ?? {}) as Record<string, Record<string, unknown>>).map(([k, v]) =>
    row(`faults.${k}`, JSON.stringify(Object.fromEntries(Object.entries(v).filter(([kk]) => kk !== 'goal' && kk !== 'note'))), v.goal),
  ),
  '',
  ...Object.entries(r)
    .filter(([, v]) => v.note)
    .map(([k, v]) => `- ${k}: ${v.note}`),
  ...Object.entries((r.faults ?? {}) as Record<string, Record<string, unknown>>)
    .filter(([, v]) => v.note)
    .map(([k, v]) => `- faults.${k}: ${v.note}`),
  '',
].filter((l): l is string => typeof l === 'string');
writeFileSync(`${ROOT}bench/RESULTS.md`, md.join('\n'));
process.stdout.write(md.join('\n') + '\n');
process.exit(0);
