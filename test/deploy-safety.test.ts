// Roll-outs, timeouts, injection and redaction, through the whole bot on the real Redis with the
// stand-in helmfile/helm and a real deployment-charts git checkout.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { Redis } from 'ioredis';
import { DeployStore } from '../src/deploy/store.js';
import { OPS_CHANNEL, startDeployHarness, type Harness } from './support/deploy-harness.js';
import { REDIS_URL } from './support/redis.js';

let h: Harness;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  h = await startDeployHarness({
    edit(c) {
      c.rollouts = { airflow: ['airflow-test-k8s', 'airflow-search', 'airflow-analytics-test'] };
      const base = c.services['airflow-test-k8s']!;
      c.services['airflow-analytics-test'] = {
        ...base,
        permissions: { deploy: ['ops'] },
        environments: {
          production: {
            ...base.environments.production!,
            namespace: 'airflow-analytics-test',
            deploy: { tool: 'helmfile', dir: 'helmfile.d/dse-k8s-services/airflow-analytics-test', environment: 'dse-k8s-eqiad' },
          },
        },
      };
    },
  });
});
afterAll(async () => {
  await h?.stop();
  redis?.disconnect();
});
beforeEach(() => {
  h.tools.reset();
  h.chat.clear();
});

const dirOf = (cwd: string) => cwd.split('/').at(-1);

it('rolls out one environment after another and stops at the first failure, saying where', async () => {
  h.tools.control({ failIn: ['airflow-search'] });
  h.chat.say('carol', '!rollout airflow');
  expect((await h.chat.waitFor(/^carol: rollout airflow: 3/)).line).toBe(
    'carol: rollout airflow: 3 environments one after another: airflow-test-k8s production, then airflow-search production, then airflow-analytics-test production; stops at the first failure',
  );
  await h.chat.waitFor(/^carol: deployed airflow-test-k8s production/);
  await h.chat.waitFor(/^rollout airflow: 1\/3 done, next: airflow-search production$/);
  const failed = await h.chat.waitFor(/^carol: deploy of airflow-search production FAILED/);
  expect(failed.line).toMatch(
    /^carol: deploy of airflow-search production FAILED after \S+: helmfile exited 1: Error: UPGRADE FAILED: release production failed, and has been rolled back due to atomic being set: timed out waiting for the condition \(full log: !job \d+\)$/,
  );
  await h.chat.waitFor(/^rollout airflow stopped at airflow-search production \(step 2\/3\); not started: airflow-analytics-test production$/);
  await new Promise((r) => setTimeout(r, 300)); // nothing more comes
  expect(h.tools.calls().map((c) => `${dirOf(c.cwd)} ${c.sub}`)).toEqual([
    'airflow-test-k8s diff',
    'airflow-test-k8s apply',
    'airflow-search diff',
    'airflow-search apply',
  ]);
  expect(h.chat.lines(OPS_CHANNEL).filter((l) => /airflow-search production: deploy by carol FAILED/.test(l))).toHaveLength(1);
});

it('rolls out the whole group when every step succeeds (an unchanged step counts as done)', async () => {
  h.tools.control({ noChangesIn: ['airflow-search'] });
  h.chat.say('carol', '!rollout airflow');
  await h.chat.waitFor(/^rollout airflow done: 3\/3 environments deployed$/);
  expect(h.chat.lines()).toContain('carol: nothing to deploy: airflow-search production already matches the checkout');
  expect(h.tools.calls().map((c) => `${dirOf(c.cwd)} ${c.sub}`)).toEqual([
    'airflow-test-k8s diff',
    'airflow-test-k8s apply',
    'airflow-search diff',
    'airflow-analytics-test diff',
    'airflow-analytics-test apply',
  ]);
});

it('refuses a roll-out to someone who may not deploy every step', async () => {
  h.chat.say('alice', '!rollout airflow');
  expect((await h.chat.waitFor(/^alice: /)).line).toBe(
    'alice: rollout airflow includes airflow-test-k8s production: deploy airflow-test-k8s production needs one of ops (you: superset-admins, wmf)',
  );
  h.chat.say('carol', '!rollout airflwo');
  expect((await h.chat.waitFor(/^carol: /)).line).toBe('carol: no roll-out group "airflwo" (did you mean airflow?)');
  expect(h.tools.calls()).toEqual([]);
});

it('stops a deploy at its timeout: the whole process group, even what ignores SIGTERM; the lock is freed', async () => {
  h.config.deploy.timeoutMinutes = 0.02; // 1.2 s
  try {
    for (const ignoreTerm of [false, true]) {
      h.tools.reset();
      h.chat.clear();
      h.tools.control({ applySleep: 30, spawnChild: true, ignoreTerm });
      const t0 = Date.now();
      h.chat.say('alice', '!superset deploy staging');
      const r = await h.chat.waitFor(/^alice: deploy of superset staging FAILED/);
      expect(r.line).toMatch(
        /^alice: deploy of superset staging FAILED after \S+: timed out after 1\.2s: helmfile and everything it started were stopped \(full log: !job \d+\)$/,
      );
      expect(Date.now() - t0).toBeLessThan(ignoreTerm ? 8000 : 6000);
      const apply = h.tools.calls().find((c) => c.sub === 'apply')!;
      expect(apply.childPid).toBeGreaterThan(1);
      expect(alive(apply.pid)).toBe(false);
      expect(alive(apply.childPid!)).toBe(false);
      expect(await new DeployStore({ connection: redis, prefix: h.prefix }).holder('superset', 'staging')).toBeUndefined();
      expect(h.chat.lines(OPS_CHANNEL).at(-1)).toMatch(/^superset staging: deploy by alice FAILED after \S+: timed out after 1\.2s/);
    }
  } finally {
    h.config.deploy.timeoutMinutes = 15;
  }
});

it('refuses injection attempts with one clear line each and starts no process', async () => {
  const cases: [string, string][] = [
    ["!superset deploy 'production; rm -rf /'", `alice: superset has no environment "'production;" (did you mean production, staging?)`],
    [
      '!superset deploy production --set x=y',
      'alice: refused: deploy takes only an environment (got "--set x=y"); helmfile/helm options cannot be passed from chat',
    ],
    [
      '!superset deploy staging --set image.tag=evil',
      'alice: refused: deploy takes only an environment (got "--set image.tag=evil"); helmfile/helm options cannot be passed from chat',
    ],
    ['!superset deploy --set x=y', 'alice: superset deploy <env>: which environment? (production, staging)'],
    ['!superset deploy ../../etc', 'alice: superset has no environment "../../etc" (did you mean production, staging?)'],
    ['!superset deploy stag ing', 'alice: superset has no environment "stag" (did you mean production, staging?)'],
    ['!superset deploy staging ../../etc/passwd', 'alice: refused: deploy takes only an environment (got "../../etc/passwd")'],
    ['!superset deploy $(id)', 'alice: superset has no environment "$(id)" (did you mean production, staging?)'],
    ['!superset deploy staging`reboot`', 'alice: superset has no environment "staging`reboot`" (did you mean production, staging?)'],
    ['!superset restart staging;id', 'alice: superset has no environment "staging;id" (did you mean production, staging?)'],
    [
      '!superset diff production --kube-context=evil',
      'alice: refused: diff takes only an environment (got "--kube-context=evil"); helmfile/helm options cannot be passed from chat',
    ],
    ['!superset deploy staging\r\nPRIVMSG #x :hi', 'alice: refused: deploy takes only an environment (got "PRIVMSG #x :hi")'],
    ['!confirm abc;rm', 'alice: confirm <code>: the code is the 6 letters the bot asked for (got "abc;rm")'],
    ['!cancel ../../x', 'alice: cancel <code|job>: a confirmation code or a job number (got "../../x")'],
    ['!rollout airflow; rm -rf /', 'alice: rollout <group> (groups: airflow)'],
  ];
  for (const [text, expected] of cases) {
    const from = h.chat.sent.length;
    h.chat.say('alice', text);
    const reply = await h.chat.waitFor(/^alice: /, 5000, from);
    expect(reply.line).toBe(expected);
  }
  await new Promise((r) => setTimeout(r, 200));
  expect(h.tools.calls()).toEqual([]);
});

it('refuses a configured directory that leaves the checkout, by path or by symlink, before anything runs', async () => {
  const env = h.config.services.superset!.environments.staging!;
  const saved = env.deploy!;
  mkdirSync(`${h.repo.dir}/helmfile.d/dse-k8s-services/sneaky`, { recursive: true });
  symlinkSync('/etc', `${h.repo.dir}/helmfile.d/dse-k8s-services/sneaky/etc`);
  try {
    for (const dir of ['../../../etc', '/etc', 'helmfile.d/dse-k8s-services/sneaky/etc']) {
      env.deploy = { ...saved, dir } as typeof saved;
      const from = h.chat.sent.length;
      h.chat.say('alice', '!superset deploy staging');
      expect((await h.chat.waitFor(/^alice: /, 5000, from)).line).toBe(
        `alice: refused: superset staging deploy.dir "${dir}" is outside the deployment-charts checkout (check the config)`,
      );
    }
  } finally {
    env.deploy = saved;
  }
  expect(h.tools.calls()).toEqual([]);
});

it('never posts a secret: known values, DSN passwords, key=value secrets, tokens, PEM blocks', async () => {
  h.config.deploy.chatLines = 40; // show the whole diff in chat
  try {
    h.chat.say('alice', '!superset diff staging');
    await h.chat.waitFor(/^full log: /);
    h.chat.say('alice', '!superset deploy production');
    await h.chat.waitFor(/!confirm/);
    h.tools.control({ applyExit: 1 });
    h.chat.say('alice', '!superset deploy staging');
    await h.chat.waitFor(/^alice: deploy of superset staging FAILED/);
  } finally {
    h.config.deploy.chatLines = 6;
  }
  const all = h.chat.sent.map((s) => s.line);
  expect(all.length).toBeGreaterThan(20);
  for (const line of all) {
    for (const secret of [h.tools.secret, h.tools.pemLine, h.tools.base64Blob, 'hunter2']) expect(line).not.toContain(secret);
    expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
  }
  // what is shown instead
  expect(all).toContain('- SQLALCHEMY_DATABASE_URI = "mysql://superset:[redacted]@an-mariadb1001.eqiad.wmnet/superset_production"');
  expect(all).toContain('+ SECRET_KEY = [redacted]');
  expect(all).toContain('+ # rotated 2026-08-01, previous value [redacted]');
  expect(all).toContain('+ [redacted] (PEM block)');
  expect(all).toContain('+ [redacted]');
});

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
