// Scheduled changes end to end on real parts: InspIRCd + Anope (SASL logins), slapd (groups), Redis/BullMQ,
// the gateway in this process and the workers in processes of their own (killed and started again), a
// real deployment-charts checkout and the stand-in helmfile on PATH. What counts is seen from outside: a
// watcher client in both channels, and the argv the stand-in helmfile recorded.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { startApp } from '../src/app.js';
import { bullPrefix } from '../src/core/scope.js';
import { COMMAND_QUEUE } from '../src/jobs/queues.js';
import { createChartsRepo, type ChartsRepo } from './support/charts-repo.js';
import { exampleConfig } from './support/config.js';
import { directoryFor } from './support/directory.js';
import { installFakeTools, type FakeTools } from './support/fake-helmfile.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { sleep } from './support/irc-observe.js';
import { startSlapd, type Slapd } from './support/slapd.js';
import { spawnWorker, type ChildWorker } from './support/spawn-worker.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

const OPS = '#wikimedia-operations';
const SECRET_ENV = 'SUPERSET_DB_PASSWORD';

let ircd: Ircd;
let slapd: Slapd;
let stack: Stack;
let dir: ReturnType<typeof directoryFor>;
let tools: FakeTools;
let repo: ChartsRepo;
const workers: ChildWorker[] = [];
const c: Record<string, TestClient> = {};
/** Everything said in the channels, in order, as the watcher saw it (DECKHAND_TRANSCRIPT=1 prints it). */
const transcript: string[] = [];

const fromBot = (re: RegExp, target: string) => (m: Received) => m.from === 'deckhand' && re.test(m.text) && m.target === target;

async function botSays(re: RegExp, target = CHANNEL, timeoutMs = 15000): Promise<string> {
  return (await c.watcher!.waitFor(fromBot(re, target), timeoutMs)).text;
}

/** Everything the bot said in a channel since the last clear. */
const botLines = (target: string): string[] => c.watcher!.messages.filter((m) => m.from === 'deckhand' && m.target === target).map((m) => m.text);

/** An exact time `ms` from now, as typed (ISO 8601 with milliseconds). */
const isoIn = (ms: number): { at: number; text: string } => {
  const at = Date.now() + ms;
  return { at, text: new Date(at).toISOString() };
};

async function startWorker(config: unknown = stack.config): Promise<ChildWorker> {
  const w = await spawnWorker(
    { prefix: stack.prefix, config, slapd: { url: slapd.url, bindDn: slapd.bindDn, bindPassword: slapd.bindPassword, base: slapd.base } },
    { ...process.env, PATH: tools.pathEnv, [SECRET_ENV]: tools.secret },
  );
  workers.push(w);
  return w;
}

beforeAll(async () => {
  [ircd, slapd, tools] = await Promise.all([startIrcd(), startSlapd(), installFakeTools()]);
  repo = createChartsRepo();
  process.env.PATH = tools.pathEnv;
  process.env[SECRET_ENV] = tools.secret;
  await Promise.all(['alice', 'bob', 'carol'].map((n) => registerAccount(ircd, n, `${n}-secret`)));
  dir = directoryFor(slapd);
  const services = exampleConfig().services;
  for (const s of Object.values(services)) s.announce = { irc: [CHANNEL, OPS], slack: [] };
  const [s, alice, bob, carol, watcher] = await Promise.all([
    startStack({
      ircd,
      role: 'gateway', // the workers run in processes of their own
      directory: dir.lookup,
      config: {
        services,
        irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [CHANNEL, OPS], rate: { burst: 50, perSecond: 200 } },
        deploymentCharts: { checkout: repo.dir },
        deploy: { confirmMinutes: 5, lockTtlSeconds: 5, killGraceSeconds: 1, secretEnv: [SECRET_ENV] },
      },
    }),
    connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret' } }),
    connectClient(ircd, { nick: 'bob', sasl: { account: 'bob', password: 'bob-secret' } }),
    connectClient(ircd, { nick: 'carol', sasl: { account: 'carol', password: 'carol-secret' } }),
    connectClient(ircd, { nick: 'watcher' }),
  ]);
  stack = s;
  Object.assign(c, { alice, bob, carol, watcher });
  await Promise.all([...Object.values(c).map((x) => x.join(CHANNEL)), watcher.join(OPS)]);
  watcher.client.on('privmsg', (e: { nick: string; target: string; message: string }) => transcript.push(`${e.target} <${e.nick}> ${e.message}`));
  await startWorker();
}, 60000);

afterAll(async () => {
  if (process.env.DECKHAND_TRANSCRIPT) process.stdout.write(transcript.join('\n') + '\n');
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await stack?.stop();
  await dir?.ldap.close();
  await Promise.all([ircd?.stop(), slapd?.close()]);
  tools?.cleanup();
  repo?.cleanup();
});

beforeEach(() => {
  tools.reset();
  for (const x of Object.values(c)) x.clearMessages();
});

it('a production deploy confirmed when scheduled runs once at its time, after every worker was killed and others started, without asking again', async () => {
  const when = isoIn(6000);
  c.alice!.say(CHANNEL, `!superset deploy production at ${when.text}`);
  const asked = await botSays(/^alice: superset production: deploy at /);
  expect(asked).toMatch(
    /^alice: superset production: deploy at \d\d:\d\d UTC \(now\) asks for a confirmation now\. At that time permission, freeze, maintenance and the lock are checked again and the diff of that moment is applied without asking again \(what it would be now: !superset diff production\)$/,
  );
  const code = /!confirm ([a-z]{6})/.exec(await botSays(/^to schedule it, say within 5m00s: !confirm [a-z]{6} \(or !cancel [a-z]{6}\)$/))![1]!;
  c.alice!.say(CHANNEL, `!confirm ${code}`);
  const scheduled = await botSays(/^alice: superset production: deploy scheduled for /);
  const id = /\((sched-\d+); to cancel: !cancel sched-\d+\)$/.exec(scheduled)![1]!;
  // the other channel is told too
  expect(await botSays(/^superset production: deploy scheduled for /, OPS)).toBe(scheduled.replace(/^alice: /, ''));
  expect(tools.calls()).toEqual([]); // nothing ran yet, not even a diff

  // every worker that knew of it is gone (SIGKILL: nothing is cleaned up); two new ones start
  await Promise.all(workers.splice(0).map((w) => w.kill('SIGKILL')));
  await Promise.all([startWorker(), startWorker()]);
  expect(Date.now()).toBeLessThan(when.at); // the restart happened before its time

  const starts = await botSays(new RegExp(`^superset production: scheduled deploy ${id} by alice \\(for \\d\\d:\\d\\d UTC\\) starts now: `), OPS, 20000);
  expect(starts).toMatch(/starts now: permission, freeze, maintenance and the lock are checked again, then a fresh diff$/);
  // confirmed when scheduled: no second question, straight to the apply
  expect(await botSays(/^superset production: deploy started by alice/, OPS)).toMatch(
    /^superset production: deploy started by alice \(job sched-\d+\): 1 release/,
  );
  expect(await botSays(/^alice: deployed superset production/)).toMatch(/^alice: deployed superset production in \S+: release production → revision 43/);
  expect(await botSays(/^superset production: deploy by alice done/, OPS)).toMatch(/done in \S+: release production → revision 43$/);

  await sleep(1500); // a second run would have started by now
  const calls = tools.calls();
  expect(calls.map((x) => [x.tool, ...x.argv].join(' '))).toEqual([
    'helmfile -e dse-k8s-eqiad diff --suppress-secrets --detailed-exitcode',
    'helmfile -e dse-k8s-eqiad apply --suppress-secrets --skip-diff-on-install',
  ]);
  expect(calls[0]!.start).toBeGreaterThanOrEqual(when.at);
  expect(calls.every((x) => x.env.LOG_USER === 'alice')).toBe(true);
  expect(botLines(CHANNEL).some((l) => l.includes('to go ahead'))).toBe(false);

  c.alice!.say(CHANNEL, '!jobs superset production');
  const listed = await botSays(/^alice: #\d+ deploy superset production/);
  expect(listed).toMatch(/^alice: #\d+ deploy superset production by alice \d\d:\d\d UTC \S+ succeeded$/);
  // the start line names the job by the change: `job sched-N` finds the same record
  c.alice!.say(CHANNEL, `!job ${id}`);
  expect(await botSays(new RegExp(`^alice: #\\d+ deploy superset production by alice: succeeded`))).toMatch(
    new RegExp(`^alice: ${/^alice: (#\d+)/.exec(listed)![1]} deploy superset production by alice: succeeded in \\S+ — deployed superset production`),
  );
}, 60000);

it('a freeze set meanwhile makes it refuse at its time, said on every channel, and nothing runs', async () => {
  const when = isoIn(2500);
  c.alice!.say(CHANNEL, `!superset deploy staging at ${when.text}`);
  const scheduled = await botSays(/^alice: superset staging: deploy scheduled for /);
  const id = /\((sched-\d+);/.exec(scheduled)![1]!;
  await botSays(/^superset staging: deploy scheduled for /, OPS);

  c.carol!.say(CHANNEL, '!superset lock staging DB migration running');
  await botSays(/^carol: .*lock/i);

  const refusal = await botSays(new RegExp(`^superset staging: scheduled deploy ${id} by alice .* did NOT run: `), OPS, 15000);
  expect(refusal).toMatch(
    /did NOT run: superset staging is locked by carol since \d\d:\d\d UTC: DB migration running \(lift it with: superset unlock staging\)$/,
  );
  expect(await botSays(/^alice: superset staging: scheduled deploy/)).toBe(`alice: ${refusal}`);
  await sleep(500);
  expect(tools.calls()).toEqual([]);

  c.carol!.say(CHANNEL, '!superset unlock staging');
  await botSays(/^carol: superset: deploys unlocked by carol/);
}, 30000);

it('does not start a change long past its time (no worker ran it then): says so on every channel', async () => {
  const when = isoIn(2500);
  c.alice!.say(CHANNEL, `!superset deploy staging at ${when.text}`);
  const id = /\((sched-\d+);/.exec(await botSays(/^alice: superset staging: deploy scheduled for /))![1]!;
  // as if every worker had been down for an hour past its time: the record says it was due at 11:xx
  const key = `${stack.prefix}:{scheduled}:change:${id}`;
  const record = JSON.parse((await stack.app.redis.hget(key, 'record'))!) as { at: number };
  await stack.app.redis.hset(key, 'record', JSON.stringify({ ...record, at: record.at - 3600_000 }));

  const refusal = await botSays(new RegExp(`^superset staging: scheduled deploy ${id} by alice .* did NOT run: `), OPS, 15000);
  expect(refusal).toMatch(/did NOT run: it is 1h past its time \(no worker ran it then\), more than 15m: schedule it again$/);
  await sleep(500);
  expect(botLines(OPS).some((l) => l.includes('starts now'))).toBe(false);
  expect(tools.calls()).toEqual([]);
}, 30000);

it('a change whose delayed job was lost (a crash between writing it and queuing it) is queued again when a worker starts, and runs once', async () => {
  const when = isoIn(4000);
  c.alice!.say(CHANNEL, `!superset deploy staging at ${when.text}`);
  const id = /\((sched-\d+);/.exec(await botSays(/^alice: superset staging: deploy scheduled for /))![1]!;
  await Promise.all(workers.splice(0).map((w) => w.kill('SIGKILL')));
  const queue = new Queue(COMMAND_QUEUE, { connection: stack.app.redis, prefix: bullPrefix(stack.prefix, COMMAND_QUEUE) });
  try {
    await (await queue.getJob(id))!.remove();
    expect(await queue.getJob(id)).toBeUndefined();
    // a worker as production starts one (src/app.ts), here in this process, twice for good measure
    const apps = await Promise.all(
      [0, 1].map(() =>
        startApp({
          config: stack.config,
          role: 'worker',
          log: pino({ level: 'silent' }),
          adapters: [],
          kube: stack.kube,
          directory: dir.lookup,
          prefix: stack.prefix,
          monitor: false,
        }),
      ),
    );
    try {
      expect(await (await queue.getJob(id))?.getState()).toBe('delayed');
      await botSays(/^alice: deployed superset staging/, CHANNEL, 15000);
      await sleep(1000);
      expect(tools.calls().filter((x) => x.sub === 'apply')).toHaveLength(1);
    } finally {
      await Promise.all(apps.map((a) => a.stop()));
    }
  } finally {
    await queue.close();
    await startWorker();
  }
}, 30000);

it('a flag scheduled for later is committed and deployed at its time, not when asked (a verb taking its environment last)', async () => {
  const head = () => repo.git('rev-parse', 'HEAD').trim();
  const before = head();
  const when = isoIn(2500);
  c.alice!.say(CHANNEL, `!superset flag ALERT_REPORTS on staging at ${when.text}`);
  expect(await botSays(/^alice: superset staging: flag ALERT_REPORTS on scheduled for /)).toMatch(
    /^alice: superset staging: flag ALERT_REPORTS on scheduled for \d\d:\d\d UTC \(now\) by alice \(sched-\d+; to cancel: !cancel sched-\d+\)$/,
  );
  expect(head()).toBe(before); // nothing committed yet

  expect(await botSays(/^superset staging: deploy to .*started by alice/, OPS, 15000)).toMatch(/ALERT_REPORTS/);
  expect(await botSays(/^alice: enable ALERT_REPORTS for superset staging/)).toMatch(/commit [0-9a-f]{12} by Alice Example <alice@wikimedia\.org>/);
  await botSays(/^deployed superset staging/);
  expect(head()).not.toBe(before);
  const [author, at] = repo.git('log', '-1', '--format=%an|%at').trim().split('|');
  expect(author).toBe('Alice Example');
  expect(Number(at) * 1000).toBeGreaterThanOrEqual(Math.floor(when.at / 1000) * 1000);
  expect(repo.git('show', 'HEAD:helmfile.d/dse-k8s-services/superset-next/values-staging.yaml')).toContain('ALERT_REPORTS');
  expect(tools.calls().filter((x) => x.sub === 'apply')).toHaveLength(1);
}, 30000);

it('is listed, in scheduled and in jobs, and cancelled before its time by someone allowed to deploy: nothing runs', async () => {
  const when = isoIn(3000);
  c.alice!.say(CHANNEL, `!superset deploy staging at ${when.text}`);
  const id = /\((sched-\d+);/.exec(await botSays(/^alice: superset staging: deploy scheduled for /))![1]!;

  c.bob!.say(CHANNEL, '!superset scheduled');
  expect(await botSays(/^bob: sched-/)).toMatch(new RegExp(`^bob: ${id} superset staging: deploy at \\d\\d:\\d\\d UTC \\(now\\) by alice — !cancel ${id}$`));
  c.bob!.say(CHANNEL, '!jobs superset staging');
  expect(await botSays(/^bob: #/)).toMatch(new RegExp(`^bob: #\\d+ deploy superset staging by alice scheduled for \\d\\d:\\d\\d UTC \\(${id}\\)$`));

  // bob may not deploy superset, and it is not his
  c.bob!.say(CHANNEL, `!cancel ${id}`);
  expect(await botSays(/^bob: only alice/)).toBe(
    `bob: only alice or someone allowed to deploy superset staging may cancel ${id}: deploy superset staging needs one of superset-admins, ops (you: nda, wmf)`,
  );
  c.carol!.say(CHANNEL, `!cancel ${id}`);
  const line = `superset staging: scheduled deploy ${id} (for ${new Date(when.at).toISOString().slice(11, 16)} UTC, by alice) cancelled by carol: it will not run`;
  expect(await botSays(/^carol: superset staging: scheduled deploy/)).toBe(`carol: ${line}`);
  expect(await botSays(/cancelled by carol/, OPS)).toBe(line);

  await sleep(Math.max(0, when.at - Date.now()) + 1500);
  expect(tools.calls()).toEqual([]);
  expect(botLines(OPS).filter((l) => l.includes(id))).toEqual([expect.stringContaining('scheduled for'), line]);
  c.alice!.say(CHANNEL, '!superset scheduled staging');
  expect(await botSays(/^alice: nothing/)).toBe('alice: nothing scheduled for superset staging');
}, 30000);

it('answers a time in the past, one it cannot read, or too far ahead with one line, and schedules nothing', async () => {
  const past = new Date(Date.now() - 3600_000).toISOString().slice(0, 16) + 'Z';
  const cases: [string, RegExp][] = [
    [
      `!superset deploy staging at ${past}`,
      /^alice: (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC is in the past \(it is \d\d:\d\d UTC now\): give a later time, or leave the time out to do it now$/,
    ],
    ['!superset deploy staging at noonish', /^alice: time "at noonish" not understood: say at 14:00 UTC, in 2h, tomorrow 09:30 UTC or at 2026-12-01T14:00Z$/],
    ['!superset restart staging in 40d', /^alice: \d{4}-\d\d-\d\d \d\d:\d\d UTC is more than 30d ahead: schedule changes at most that far$/],
    ['!superset deploy staging tomorrow', /^alice: time "tomorrow" needs a time of day, e.g. tomorrow 09:30 UTC$/],
  ];
  for (const [text, re] of cases) {
    c.alice!.clearMessages();
    c.alice!.say(CHANNEL, text);
    const got = await c.alice!.waitFor((m) => m.from === 'deckhand' && m.target === CHANNEL);
    expect(got.text).toMatch(re);
    await sleep(300);
    expect(c.alice!.messages.filter((m) => m.from === 'deckhand' && m.target === CHANNEL)).toHaveLength(1);
  }
  c.alice!.say(CHANNEL, '!superset scheduled');
  expect(await botSays(/^alice: nothing scheduled/)).toBe('alice: nothing scheduled for superset');
  expect(tools.calls()).toEqual([]);
}, 30000);

/** bob into or out of the wmf group, while the bot runs. */
function wmf(bob: 'add' | 'delete'): void {
  execFileSync('ldapmodify', ['-x', '-H', slapd.url, '-D', slapd.adminDn, '-w', slapd.adminPassword], {
    input: `dn: cn=wmf,ou=groups,dc=wikimedia,dc=org\nchangetype: modify\n${bob}: member\nmember: uid=bob,ou=people,dc=wikimedia,dc=org\n`,
  });
}

it('where production needs an approval, the approval schedules it; at its time the approver is checked again: one who left the groups stops it', async () => {
  // workers whose config asks for one approval from wmf or ops (the worker decides; the gateway only parses)
  const config = JSON.parse(JSON.stringify(stack.config)) as typeof stack.config;
  config.services.superset!.environments.production!.approvals = { required: 1, groups: ['wmf', 'ops'], selfApproval: false };
  await Promise.all(workers.splice(0).map((w) => w.kill('SIGKILL')));
  await startWorker(config);
  try {
    // carol approves: it runs at its time, without asking again, naming her
    let when = isoIn(3000);
    c.alice!.say(CHANNEL, `!superset deploy production at ${when.text}`);
    await botSays(/^alice: superset production: deploy at \d\d:\d\d UTC \(now\) asks for approvals now\./);
    let code = /!approve ([a-z]{6})/.exec(
      await botSays(
        /^to schedule it, this needs 1 approval from someone in wmf or ops other than alice within 5m00s: !approve [a-z]{6} \(to drop it: !cancel [a-z]{6}\)$/,
      ),
    )![1]!;
    c.carol!.say(CHANNEL, `!approve ${code}`);
    expect(await botSays(/^superset production: deploy asked by alice approved by carol/, OPS)).toMatch(
      /^superset production: deploy asked by alice approved by carol \(1 of 1\): scheduling it for \d\d:\d\d UTC$/,
    );
    const scheduled = await botSays(/^carol: superset production: deploy scheduled for /);
    expect(scheduled).toMatch(
      /^carol: superset production: deploy scheduled for \d\d:\d\d UTC \(now\) by alice, approved by carol \(sched-\d+; to cancel: !cancel sched-\d+\)$/,
    );
    expect(await botSays(/^superset production: deploy started by alice/, OPS, 15000)).toMatch(
      /^superset production: deploy started by alice, approved by carol \(job sched-\d+\)/,
    );
    await botSays(/^superset production: deploy by alice done/, OPS);
    expect(tools.calls().filter((x) => x.sub === 'apply')).toHaveLength(1);

    // bob approves, then leaves wmf before its time: his approval no longer counts, and every channel hears it
    tools.reset();
    c.watcher!.clearMessages();
    when = isoIn(3000);
    c.alice!.say(CHANNEL, `!superset deploy production at ${when.text}`);
    code = /!approve ([a-z]{6})/.exec(await botSays(/^to schedule it, this needs 1 approval/))![1]!;
    c.bob!.say(CHANNEL, `!approve ${code}`);
    const id = /\((sched-\d+);/.exec(await botSays(/^bob: superset production: deploy scheduled for .* approved by bob/))![1]!;
    wmf('delete');
    try {
      const refusal = await botSays(new RegExp(`^superset production: scheduled deploy ${id} by alice .* did NOT run: `), OPS, 15000);
      expect(refusal).toMatch(
        /did NOT run: the approval of bob no longer counts: approving the deploy of superset production needs one of wmf, ops \(you: nda\)$/,
      );
      await sleep(500);
      expect(tools.calls()).toEqual([]);
    } finally {
      wmf('add');
    }
  } finally {
    await Promise.all(workers.splice(0).map((w) => w.kill('SIGKILL')));
    await startWorker();
  }
}, 45000);
