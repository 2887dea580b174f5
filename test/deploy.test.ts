// Deploys through the whole bot (gateway + worker on the real Redis), with the stand-in helmfile/helm
// first on PATH and a real deployment-charts git checkout. The chat network is the test's own adapter;
// test/deploy.e2e.test.ts does the same over the real ircd.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { JobLog, DeployStore } from '../src/deploy/store.js';
import { OPS_CHANNEL, REQUEST_CHANNEL, startDeployHarness, type Harness } from './support/deploy-harness.js';
import { REDIS_URL } from './support/redis.js';

let h: Harness;
let redis: Redis;
const S = 'helmfile.d/dse-k8s-services';

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  h = await startDeployHarness();
});
afterAll(async () => {
  await h?.stop();
  redis?.disconnect();
});
beforeEach(() => {
  h.tools.reset();
  h.chat.clear();
});

const argvs = () => h.tools.calls().map((c) => [c.tool, ...c.argv].join(' '));

it('deploys staging: diff then apply in the environment directory, as the requester, announced', async () => {
  h.chat.say('alice', '!superset deploy staging');
  const done = await h.chat.waitFor(/^alice: deployed superset staging/);
  expect(done.target).toBe(REQUEST_CHANNEL);
  expect(done.line).toMatch(/^alice: deployed superset staging in \d+(\.\d)?(ms|s): release staging → revision 43 \(full log: !job \d+\)$/);

  const calls = h.tools.calls();
  expect(calls.map((c) => [c.tool, ...c.argv])).toEqual([
    ['helmfile', '-e', 'dse-k8s-eqiad', 'diff', '--suppress-secrets', '--detailed-exitcode'],
    ['helmfile', '-e', 'dse-k8s-eqiad', 'apply', '--suppress-secrets', '--skip-diff-on-install'],
  ]);
  for (const c of calls) {
    expect(c.cwd).toBe(`${h.repo.dir}/${S}/superset-next`);
    expect(c.env.LOG_USER).toBe('alice');
    expect(c.env.HOSTNAME).toBeTruthy();
    expect(c.env.PATH?.startsWith(h.tools.bin)).toBe(true);
    // the bot's own secrets never reach helmfile's environment
    expect(Object.keys(c.env).filter((k) => /PASSWORD|TOKEN|SECRET/.test(k))).toEqual([]);
  }
  // start and end on the other announce channel; the request channel gets the same as progress/replies
  const ops = h.chat.lines(OPS_CHANNEL);
  expect(ops[0]).toMatch(
    /^superset staging: deploy started by alice \(job \d+\): 1 release \(staging\): 3 resources \(Deployment staging-deployment, ConfigMap staging-config, Secret staging-secret-config\), \+\d+\/-\d+ lines; keys: replicas, image, SUPERSET_WEBSERVER_TIMEOUT/,
  );
  expect(ops[1]).toMatch(/^superset staging: deploy by alice done in \S+: release staging → revision 43$/);
  expect(h.chat.lines(REQUEST_CHANNEL).some((l) => l === 'superset staging: applying release staging, waiting for the rollout')).toBe(true);
  // the lock is gone
  expect(await new DeployStore({ connection: redis, prefix: h.prefix }).holder('superset', 'staging')).toBeUndefined();
});

it('says "nothing to deploy" and does not apply when the diff is empty', async () => {
  h.tools.control({ diffExit: 0 });
  h.chat.say('alice', '!superset deploy staging');
  const r = await h.chat.waitFor(/^alice: /);
  expect(r.line).toBe('alice: nothing to deploy: superset staging already matches the checkout');
  expect(argvs()).toEqual(['helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode']);
  expect(h.chat.lines(OPS_CHANNEL)).toEqual([]);
});

it("stops at a failing diff with helmfile's error", async () => {
  h.tools.control({ diffExit: 1 });
  h.chat.say('alice', '!superset deploy staging');
  const r = await h.chat.waitFor(/^alice: /);
  expect(r.line).toMatch(
    /^alice: deploy of superset staging FAILED at the diff after \S+: helmfile exited 1: in \.\/helmfile\.yaml: .*Kubernetes cluster unreachable.*\(full log: !job \d+\)$/,
  );
  expect(h.tools.calls()).toHaveLength(1);
});

it('diff summarises what would change, without the secret', async () => {
  h.chat.say('bob', '!superset diff production', { account: 'alice' });
  const r = await h.chat.waitFor(/^bob: superset production: /);
  expect(r.line).toMatch(
    /^bob: superset production: 1 release \(production\): 3 resources .*\+\d+\/-\d+ lines; keys: replicas, image, SUPERSET_WEBSERVER_TIMEOUT/,
  );
  await h.chat.waitFor(/^full log: !job \d+$/);
  expect(argvs()).toEqual(['helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode']);
  const shown = h.chat.lines(REQUEST_CHANNEL);
  expect(shown).toContain('- replicas: 4');
  expect(shown).toContain('+ replicas: 6');
  expect(shown.join('\n')).not.toContain(h.tools.secret);
});

it('asks for a confirmation on production; only the requester or someone with the same rights may give it', async () => {
  h.chat.say('alice', '!superset deploy production');
  const ask = await h.chat.waitFor(/^to go ahead, say within 5m00s: !confirm [a-z]{6} \(or !cancel [a-z]{6}\)$/);
  const code = /!confirm ([a-z]{6})/.exec(ask.line)![1]!;
  expect(h.chat.lines(REQUEST_CHANNEL)[0]).toMatch(/^alice: superset production: changes to deploy — 1 release \(production\)/);
  expect(argvs()).toEqual(['helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode']);

  // mallory (no groups) and bob (wmf, nda) may not; the confirmation stays
  h.chat.say('mallory', `!confirm ${code}`);
  expect((await h.chat.waitFor(/^mallory: /)).line).toBe(
    `mallory: only alice or someone allowed to deploy superset production may confirm this: deploy superset production needs one of superset-admins, ops (you: no groups)`,
  );
  h.chat.say('bob', `!confirm ${code}`);
  expect((await h.chat.waitFor(/^bob: /)).line).toMatch(
    /^bob: only alice or someone allowed to deploy superset production may confirm this: .*\(you: nda, wmf\)$/,
  );
  h.chat.say('eve', `!confirm ${code}`, { account: null });
  expect((await h.chat.waitFor(/^eve: /)).line).toMatch(/^eve: only alice .* needs a services account/);
  expect(h.tools.calls()).toHaveLength(1);

  // carol (ops) has the same rights: she may confirm alice's deploy; SAL still shows alice
  h.chat.say('carol', `!confirm ${code}`);
  const done = await h.chat.waitFor(/^carol: deployed superset production/);
  expect(done.line).toMatch(/^carol: deployed superset production in \S+: release production → revision 43 \(full log: !job \d+\)$/);
  const calls = h.tools.calls();
  expect(calls.map((c) => [c.tool, ...c.argv].join(' '))).toEqual([
    'helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode',
    'helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode', // the diff is still the one confirmed
    'helmfile -e dse-k8s-eqiad apply --suppress-secrets --skip-diff-on-install',
  ]);
  expect(calls[2]!.env.LOG_USER).toBe('alice');
  expect(h.chat.lines(OPS_CHANNEL)[0]).toMatch(/^superset production: deploy started by alice, confirmed by carol \(job \d+\)/);

  // a code works once
  h.chat.say('alice', `!confirm ${code}`);
  expect((await h.chat.waitFor(/^alice: nothing is waiting/)).line).toBe(
    `alice: nothing is waiting for confirmation code ${code} (already confirmed or cancelled, or mistyped)`,
  );
});

it('asks again when the diff changed between the question and the confirmation', async () => {
  h.chat.say('alice', '!superset deploy production');
  const code = /!confirm ([a-z]{6})/.exec((await h.chat.waitFor(/!confirm/)).line)![1]!;
  h.tools.control({ diffVariant: ' # changed meanwhile' });
  h.chat.clear();
  h.chat.say('alice', `!confirm ${code}`);
  expect((await h.chat.waitFor(/^alice: /)).line).toMatch(/^alice: superset production: the changes are not the ones confirmed, now: 1 release/);
  const again = await h.chat.waitFor(/!confirm/);
  expect(again.line).not.toContain(code);
  expect(h.tools.calls().filter((c) => c.sub === 'apply')).toEqual([]);
});

it('lets a confirmation expire, and cancel drop one', async () => {
  h.config.deploy.confirmMinutes = 0.01; // 600 ms
  try {
    h.chat.say('alice', '!superset deploy production');
    const code = /!confirm ([a-z]{6})/.exec((await h.chat.waitFor(/!confirm/)).line)![1]!;
    await new Promise((r) => setTimeout(r, 800));
    h.chat.say('alice', `!confirm ${code}`);
    expect((await h.chat.waitFor(/^alice: cannot confirm/)).line).toMatch(
      new RegExp(
        `^alice: cannot confirm: confirmation ${code} for the deploy of superset production expired at \\d\\d:\\d\\d UTC \\(after 600ms\\); nothing was done\\. Ask again: !superset deploy production$`,
      ),
    );
  } finally {
    h.config.deploy.confirmMinutes = 5;
  }
  h.chat.clear();
  h.chat.say('alice', '!superset deploy production');
  const code2 = /!confirm ([a-z]{6})/.exec((await h.chat.waitFor(/!confirm/)).line)![1]!;
  h.chat.say('alice', `!cancel ${code2}`);
  expect((await h.chat.waitFor(/^alice: cancelled/)).line).toBe(
    `alice: cancelled: the deploy of superset production asked by alice will not run (code ${code2})`,
  );
  h.chat.say('alice', `!confirm ${code2}`);
  await h.chat.waitFor(/^alice: nothing is waiting/);
  expect(h.tools.calls().filter((c) => c.sub === 'apply')).toEqual([]);
});

it('runs exactly one of two deploys at once and tells the other who holds the lock', async () => {
  h.tools.control({ applySleep: 1.5 });
  h.chat.say('alice', '!superset deploy staging');
  h.chat.say('carol', '!superset deploy staging');
  const busy = await h.chat.waitFor(/is busy/);
  expect(busy.line).toMatch(
    /^(alice|carol): superset staging is busy: deploy by (alice|carol) \(job \d+\) since \d\d:\d\d UTC \(\d+s ago\); try again when it is done$/,
  );
  await h.chat.waitFor(/: deployed superset staging/);
  expect(h.tools.calls().filter((c) => c.sub === 'apply')).toHaveLength(1);
  expect(h.tools.calls().filter((c) => c.sub === 'diff')).toHaveLength(1);
});

it('freezes deploys with lock, says who and why, and lifts it with unlock', async () => {
  h.chat.say('alice', '!superset lock staging DB migration, back at 15:00');
  expect((await h.chat.waitFor(/^alice: /)).line).toBe(
    'alice: superset staging: deploys locked by alice: DB migration, back at 15:00 (lift with !superset unlock staging)',
  );
  expect(h.chat.lines(OPS_CHANNEL)).toEqual(['superset staging: deploys locked by alice: DB migration, back at 15:00 (lift with !superset unlock staging)']);
  h.chat.say('carol', '!superset deploy staging');
  expect((await h.chat.waitFor(/^carol: /)).line).toMatch(
    /^carol: superset staging is locked by alice since \d\d:\d\d UTC: DB migration, back at 15:00 \(lift it with: superset unlock staging\)$/,
  );
  h.chat.say('carol', '!superset restart staging');
  await h.chat.waitFor(/^carol: superset staging is locked by alice/, 5000, h.chat.sent.length);
  expect(h.tools.calls()).toEqual([]);
  // production is not frozen
  h.chat.say('mallory', '!superset lock production nope');
  expect((await h.chat.waitFor(/^mallory: /)).line).toBe('mallory: lock superset needs one of superset-admins, ops (you: no groups)');

  h.chat.say('carol', '!superset unlock staging');
  expect((await h.chat.waitFor(/^carol: superset: deploys unlocked/)).line).toMatch(
    /^carol: superset: deploys unlocked by carol: staging \(locked by alice since \d\d:\d\d UTC: DB migration, back at 15:00\)$/,
  );
  h.chat.say('carol', '!superset deploy staging');
  await h.chat.waitFor(/^carol: deployed superset staging/);
  h.chat.say('carol', '!superset unlock');
  expect((await h.chat.waitFor(/not locked/)).line).toBe('carol: superset production, staging: not locked, nothing to lift');
  h.chat.say('alice', '!superset lock');
  expect((await h.chat.waitFor(/say why/)).line).toBe('alice: say why: superset lock [env] <reason>');
});

it('restarts with roll_restart=1, and refuses while changes are not deployed', async () => {
  h.tools.control({ diffExit: 0 });
  h.chat.say('alice', '!superset restart staging');
  expect((await h.chat.waitFor(/^alice: /)).line).toMatch(/^alice: restarted superset staging in \S+: release staging → revision 43/);
  expect(argvs()).toEqual([
    'helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode',
    'helmfile -e dse-k8s-eqiad --state-values-set roll_restart=1 apply --suppress-secrets --skip-diff-on-install',
  ]);
  expect(h.chat.lines(OPS_CHANNEL)[0]).toMatch(/^superset staging: restart \(roll_restart=1\) started by alice \(job \d+\)$/);

  h.tools.reset();
  h.chat.clear();
  h.chat.say('alice', '!superset restart staging');
  expect((await h.chat.waitFor(/^alice: /)).line).toMatch(
    /^alice: refused: superset staging has changes not deployed yet \(1 release \(staging\).*\); a restart would deploy them too\. Deploy them first: !superset deploy staging$/,
  );
  expect(h.tools.calls().filter((c) => c.sub === 'apply')).toEqual([]);

  h.config.services.paws!.permissions.restart = ['ops'];
  h.chat.say('carol', '!paws restart production');
  expect((await h.chat.waitFor(/^carol: /)).line).toBe("carol: paws production is deployed with plain helm: restart works with helmfile's roll_restart only");
});

it('asks before restarting production, then restarts as the requester', async () => {
  h.tools.control({ diffExit: 0 });
  h.chat.say('alice', '!superset restart production');
  expect((await h.chat.waitFor(/^alice: /)).line).toBe('alice: superset production: restart recreates every pod (no changes pending)');
  const code = /!confirm ([a-z]{6})/.exec((await h.chat.waitFor(/!confirm/)).line)![1]!;
  h.chat.say('alice', `!confirm ${code}`);
  await h.chat.waitFor(/^alice: restarted superset production/);
  expect(argvs()).toEqual([
    'helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode',
    'helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode',
    'helmfile -e dse-k8s-eqiad --state-values-set roll_restart=1 apply --suppress-secrets --skip-diff-on-install',
  ]);
});

it('deploys PAWS with plain helm from the checkout root, and never shows its secrets file', async () => {
  const { writePawsSecrets } = await import('./support/charts-repo.js');
  writePawsSecrets(h.repo, 'paws-oauth-FAKE-client-secret-77');
  h.chat.say('carol', '!paws deploy');
  const done = await h.chat.waitFor(/^carol: deployed paws production/);
  expect(done.line).toMatch(/release paws → revision 43/);
  const calls = h.tools.calls();
  expect(calls.map((c) => [c.tool, ...c.argv])).toEqual([
    ['helm', 'diff', 'upgrade', 'paws', '--namespace', 'prod', './paws', '-f', 'paws/secrets.yaml', '--suppress-secrets', '--detailed-exitcode'],
    ['helm', 'upgrade', 'paws', '--namespace', 'prod', './paws', '-f', 'paws/secrets.yaml'],
  ]);
  expect(calls.every((c) => c.cwd === h.repo.dir && c.env.LOG_USER === 'carol')).toBe(true);
});

it('cancels a running deploy: the process group is stopped and the lock freed', async () => {
  h.tools.control({ applySleep: 30, spawnChild: true });
  h.chat.say('alice', '!superset deploy staging');
  await h.chat.waitFor(/^superset staging: applying release staging/);
  const running = await waitForValue(() => h.tools.calls().find((c) => c.sub === 'apply' && c.childPid));
  const jobId = /job (\d+)/.exec(h.chat.lines(OPS_CHANNEL)[0]!)![1]!;
  h.chat.say('mallory', `!cancel ${jobId}`);
  expect((await h.chat.waitFor(/^mallory: /)).line).toMatch(/^mallory: only alice or someone allowed to deploy superset staging may cancel this/);
  h.chat.say('carol', `!cancel ${jobId}`);
  expect((await h.chat.waitFor(/^carol: cancelling/)).line).toBe(
    `carol: cancelling job ${jobId} (deploy of superset staging by alice): stopping helmfile/helm (helm rolls back an --atomic upgrade); the job will say when it stopped`,
  );
  const end = await h.chat.waitFor(/^alice: deploy of superset staging FAILED/);
  expect(end.line).toMatch(
    /^alice: deploy of superset staging FAILED after \S+ by carol: cancelled: helmfile and everything it started were stopped \(full log: !job \d+\)$/,
  );
  expect(alive(running.pid)).toBe(false);
  expect(alive(running.childPid!)).toBe(false);
  expect(await new DeployStore({ connection: redis, prefix: h.prefix }).holder('superset', 'staging')).toBeUndefined();
  expect(h.chat.lines(OPS_CHANNEL).at(-1)).toMatch(/^superset staging: deploy by alice FAILED after \S+: cancelled/);
});

it("keeps the full redacted log under the job's logRef", async () => {
  h.chat.say('alice', '!superset deploy staging');
  const done = await h.chat.waitFor(/^alice: deployed superset staging/);
  const jobId = /!job (\d+)/.exec(done.line)![1]!;
  const log = await JobLog.read(new DeployStore({ connection: redis, prefix: h.prefix }), JobLog.refFor(jobId));
  expect(log[0]).toBe(`$ cd ${h.repo.dir}/${S}/superset-next && LOG_USER=alice helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode`);
  expect(log).toContain('REVISION: 43');
  expect(log).toContain('+     SECRET_KEY = [redacted]');
  expect(log).toContain('+       [redacted]');
  const all = log.join('\n');
  for (const s of [h.tools.secret, h.tools.pemLine, h.tools.base64Blob]) expect(all).not.toContain(s);
});

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

async function waitForValue<T>(f: () => T | undefined, ms = 10000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
