// The README's sandbox tour, run as a newcomer runs it: the real `deckhand` console on a machine with
// no kube context, commands typed into it one after another. What changed is checked from outside:
// the pods with the real kubectl against the sandbox cluster, the flag's commit with git log in the
// sandbox deployment-charts checkout, the maintenance announcement on the console itself.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { kubeConfigForUrl, kubeConfigYaml } from '../src/kube/client.js';
import { buildIfStale, root, startCli, type CliSession } from './support/cli-session.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';

const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'deckhand-tour-'));
const prefix = freshPrefix('tour');
let cli: CliSession;
let checkout: string;

interface Pod {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { containers: { image: string }[] };
  status: { phase: string; containerStatuses?: { ready: boolean }[] };
}

async function kubectl(...args: string[]): Promise<string> {
  return (await run('kubectl', ['--kubeconfig', join(home, 'kubeconfig'), '--cache-dir', join(home, 'kcache'), ...args], { timeout: 20_000 })).stdout;
}
const stagingPods = async (): Promise<Pod[]> => (JSON.parse(await kubectl('get', 'pods', '-n', 'superset-next', '-o', 'json')) as { items: Pod[] }).items;
const git = async (...args: string[]) => (await run('git', ['-C', checkout, ...args])).stdout;

beforeAll(async () => {
  await buildIfStale();
  // the shipped example, on a Redis prefix of this test's own
  const config = parse(readFileSync(join(root, 'config/example.yaml'), 'utf8')) as { redis: { prefix: string } };
  config.redis.prefix = prefix;
  writeFileSync(join(home, 'deckhand.yaml'), stringify(config));
  cli = startCli(
    ['--config', join(home, 'deckhand.yaml')],
    { HOME: home, KUBECONFIG: '', XDG_STATE_HOME: '', USER: 'newcomer', REDIS_URL, LOG_LEVEL: 'warn' },
    home,
  );
  const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec((await cli.waitFor(/SANDBOX cluster/, { stream: 'stderr' })).line)![1]!;
  checkout = /checkout: (\S+)/.exec((await cli.waitFor(/deployment-charts checkout/, { stream: 'stderr' })).line)![1]!;
  writeFileSync(join(home, 'kubeconfig'), kubeConfigYaml(kubeConfigForUrl(url)));
  await cli.waitFor(/SANDBOX console/);
}, 180_000);

afterAll(async () => {
  cli?.kill();
  await cli?.exited;
  await dropPrefix(prefix);
  rmSync(home, { recursive: true, force: true });
});

test('the console user is the sandbox operator (whoami), help lists every verb, a bare verb asks which service', async () => {
  const from = cli.stdout().length;
  cli.type('whoami');
  expect((await cli.waitFor(/→ groups/, { from })).line).toBe(
    '[sandbox] console newcomer (account newcomer) → directory user newcomer → groups sandbox-operators',
  );
  cli.type('help');
  expect((await cli.waitFor(/you may run/, { from })).line).toMatch(
    /superset: status help deploy diff restart flags flag upgrade .*rollback stop start;.* and help, whoami, confirm, .*maint$/,
  );
  cli.type('status');
  expect((await cli.waitFor(/which service/, { from })).line).toMatch(/^\[sandbox\] status which service\? superset, airflow-search, airflow-test-k8s, paws/);
});

test('deploy staging rolls out new pods (seen with kubectl), and status shows them', async () => {
  const before = await stagingPods();
  expect(before).toHaveLength(2);
  expect(before.some((p) => p.status.containerStatuses?.some((c) => !c.ready))).toBe(true); // the seeded CrashLoopBackOff pod

  const from = cli.stdout().length;
  cli.type('superset deploy staging');
  await cli.waitFor(/^\[sandbox\] deployed superset staging in .*revision 2/, { from, timeoutMs: 30_000 });
  const after = await stagingPods();
  expect(after).toHaveLength(2);
  expect(after.map((p) => p.metadata.name).filter((n) => before.some((b) => b.metadata.name === n))).toEqual([]);
  expect(after.every((p) => p.status.phase === 'Running' && p.status.containerStatuses!.every((c) => c.ready))).toBe(true);

  cli.type('superset status staging');
  expect((await cli.waitFor(/superset staging: \d\/\d ready/, { from })).line).toMatch(/^\[sandbox\] superset staging: 2\/2 ready, .*0 restarts, up \ds/);
}, 60_000);

test('flag X on staging is a commit in the sandbox repository (git log), then deployed: the new pods carry the flag', async () => {
  const from = cli.stdout().length;
  cli.type('superset flag ALERT_REPORTS on staging');
  await cli.waitFor(/^\[sandbox\] deployed superset staging in .*revision 3/, { from, timeoutMs: 30_000 });
  expect((await git('log', '-1', '--format=%an <%ae>|%s')).trim()).toMatch(
    /^newcomer \(sandbox operator\) <newcomer@sandbox\.invalid>\|superset-next: enable ALERT_REPORTS \(via deckhand, job \d+\)$/,
  );
  expect(await git('show', 'HEAD', '--format=', '--', 'helmfile.d/dse-k8s-services/superset-next/values-staging.yaml')).toMatch(/^\+.*ALERT_REPORTS/m);
  const pods = await stagingPods();
  expect(pods).toHaveLength(2);
  for (const p of pods) expect(p.metadata.annotations?.['deckhand.sandbox/feature-flags']?.split(',')).toContain('ALERT_REPORTS');
}, 60_000);

test('upgrade of staging (--shared) commits the version to the shared values file, and the new pods run it', async () => {
  const version = '2026-07-01-101010-0123456789abcdef0123456789abcdef01234567';
  const from = cli.stdout().length;
  cli.type(`superset upgrade ${version} staging --shared`);
  await cli.waitFor(/^\[sandbox\] deployed superset staging in .*revision 4/, { from, timeoutMs: 30_000 });
  expect((await git('log', '-1', '--format=%s')).trim()).toMatch(/^_superset_common_: upgrade to 2026-07-01-101010-0123456789ab \(via deckhand, job \d+\)$/);
  const pods = await stagingPods();
  expect(pods.map((p) => p.spec.containers[0]!.image)).toEqual([0, 1].map(() => `docker-registry.discovery.wmnet/repos/data-engineering/superset:${version}`));
}, 60_000);

test('a maintenance window is announced on the console', async () => {
  const from = cli.stdout().length;
  cli.type('maint superset in 10m 30m DB upgrade');
  expect((await cli.waitFor(/MAINTENANCE/, { from })).line).toMatch(
    /^\[sandbox\] announced: \[MAINTENANCE\] superset: .*\(30m, in 10m\): DB upgrade — newcomer/,
  );
  expect((await cli.waitFor(/maintenance #\d+ scheduled/, { from })).line).toMatch(/announced on the console/);
});

test('every line the console printed is marked as the sandbox', () => {
  const lines = cli.stdout().filter((l) => l.trim() !== '');
  const banner = lines.filter((l) => !l.startsWith('[sandbox] '));
  expect(banner).toEqual([expect.stringMatching(/^Deckhand SANDBOX console/), expect.stringMatching(/^Try: /)]);
  expect(lines.length).toBeGreaterThan(10);
});

test('quit leaves the console', async () => {
  cli.type('quit');
  expect(await cli.exited).toBe(0);
}, 20_000);
