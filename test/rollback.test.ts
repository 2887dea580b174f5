// releases and rollback through the whole bot (gateway + worker on the real Redis), with the stand-in
// helm answering `history -o json` and `rollback` like helm 3 and recording every argv.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { DeployStore } from '../src/deploy/store.js';
import { OPS_CHANNEL, REQUEST_CHANNEL, startDeployHarness, type Harness } from './support/deploy-harness.js';
import { REDIS_URL } from './support/redis.js';

let h: Harness;
let redis: Redis;
const KUBECONFIG = '/etc/kubernetes/superset-deploy-dse-k8s-eqiad.config';

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  h = await startDeployHarness({
    config: { rateLimit: { perMinute: 0 } },
    edit(c) {
      const s = c.services.superset!;
      s.permissions = { ...s.permissions, rollback: ['superset-admins', 'ops'] };
      for (const e of Object.values(s.environments)) if (e.deploy?.tool === 'helmfile') e.deploy.kubeconfig = KUBECONFIG;
      // a service that keeps its release history to a group
      const a = c.services['airflow-search']!;
      a.permissions = { ...a.permissions, releases: ['airflow-search-ops'] };
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

const argvs = (from = 0) =>
  h.tools
    .calls()
    .slice(from)
    .map((c) => [c.tool, ...c.argv].join(' '));
const history = `helm history staging -n superset-next -o json --kubeconfig ${KUBECONFIG}`;
const rollbackArgv = (rev: number) => `helm rollback staging ${rev} -n superset-next --wait --timeout 840s --kubeconfig ${KUBECONFIG}`;

async function deployStaging(nick = 'alice'): Promise<string> {
  const from = h.chat.sent.length;
  h.chat.say(nick, '!superset deploy staging');
  const done = await h.chat.waitFor(new RegExp(`^${nick}: deployed superset staging`), 15000, from);
  return /!job (\d+)/.exec(done.line)![1]!;
}

it('releases lists the helm history with the Deckhand job behind each revision', async () => {
  const first = await deployStaging('alice');
  const second = await deployStaging('carol');
  h.chat.clear();
  h.chat.say('bob', '!superset releases staging');
  const head = await h.chat.waitFor(/^bob: superset staging: /);
  expect(head.line).toBe('bob: superset staging: release staging in superset-next, 4 revisions');
  await h.chat.waitFor(/^41 · /);
  const lines = h.chat.lines(REQUEST_CHANNEL);
  expect(lines.slice(1)).toEqual([
    expect.stringMatching(
      new RegExp(`^44 · deployed · \\d+(\\.\\d)?s ago · superset-0\\.12\\.8 · app 4\\.1\\.3 · Upgrade complete · #${second} deploy by carol$`),
    ),
    expect.stringMatching(
      new RegExp(`^43 · superseded · \\d+(\\.\\d)?s ago · superset-0\\.12\\.7 · app 4\\.1\\.2 · Upgrade complete · #${first} deploy by alice$`),
    ),
    expect.stringMatching(/^42 · superseded · \d+d ago · superset-0\.12\.6 · app 4\.1\.1 · Upgrade complete$/),
    expect.stringMatching(/^41 · superseded · \d+d ago · superset-0\.12\.5 · app 4\.1\.0 · Install complete$/),
  ]);
  expect(argvs().at(-1)).toBe(history);
});

it('releases is compact: the last 5, --all for the rest', async () => {
  for (let i = 0; i < 4; i++) await deployStaging();
  h.chat.clear();
  h.chat.say('bob', '!superset releases staging');
  const head = await h.chat.waitFor(/^bob: superset staging: /);
  expect(head.line).toBe('bob: superset staging: release staging in superset-next, last 5 of 6 revisions (all: !superset releases staging --all)');
  await h.chat.waitFor(/^42 · /);
  expect(h.chat.lines(REQUEST_CHANNEL).some((l) => l.startsWith('41 · '))).toBe(false);
  h.chat.clear();
  h.chat.say('bob', '!superset releases staging --all');
  await h.chat.waitFor(/^41 · /);
});

it('rolls staging back to the previous revision under the lock, announced, and says the cluster differs from git', async () => {
  await deployStaging();
  const before = h.tools.calls().length;
  h.chat.clear();
  h.tools.control({ applySleep: 1 });
  h.chat.say('alice', '!superset rollback staging');
  // the lock is held while helm rolls back
  const start = await h.chat.waitFor(/^superset staging: rollback started by alice/);
  expect(start.line).toMatch(
    /^superset staging: rollback started by alice \(job \d+\): from revision 43 \(superset-0\.12\.7, app 4\.1\.2\) → revision 42 \(superset-0\.12\.6, app 4\.1\.1\)$/,
  );
  const store = new DeployStore({ connection: redis, prefix: h.prefix });
  expect((await store.holder('superset', 'staging'))?.verb).toBe('rollback');
  h.chat.say('carol', '!superset deploy staging');
  expect((await h.chat.waitFor(/^carol: /)).line).toMatch(/^carol: superset staging is busy: rollback by alice \(job \d+\)/);

  const done = await h.chat.waitFor(/^alice: rolled back superset staging/);
  expect(done.line).toMatch(
    /^alice: rolled back superset staging in \S+: release staging → revision 44 \(revision 42 \(superset-0\.12\.6, app 4\.1\.1\) again\); superset staging now differs from git; the next deploy re-applies git \(full log: !job \d+\)$/,
  );
  expect(argvs(before)).toEqual([history, rollbackArgv(42), history]);
  expect(h.tools.calls()[before + 1]!.env.LOG_USER).toBe('alice');
  expect(h.chat.lines(OPS_CHANNEL)).toEqual([
    start.line,
    expect.stringMatching(
      /^superset staging: rollback by alice done in \S+: release staging → revision 44 .*; superset staging now differs from git; the next deploy re-applies git$/,
    ),
  ]);
  expect(await store.holder('superset', 'staging')).toBeUndefined();

  // the history names the rollback job; the revision it made reads "Rollback to 42"
  h.chat.clear();
  h.chat.say('bob', '!superset releases staging');
  const top = await h.chat.waitFor(/^44 · /);
  expect(top.line).toMatch(/^44 · deployed · .* · superset-0\.12\.6 · app 4\.1\.1 · Rollback to 42 · #\d+ rollback by alice$/);
});

it('refuses a revision that does not exist, or the one deployed, before helm rolls back', async () => {
  h.chat.say('alice', '!superset rollback staging 99');
  expect((await h.chat.waitFor(/^alice: /)).line).toBe(
    'alice: cannot roll back superset staging: release staging has no revision 99 (it has 41–42); see !superset releases staging',
  );
  h.chat.clear();
  h.chat.say('alice', '!superset rollback staging 42');
  expect((await h.chat.waitFor(/^alice: /)).line).toBe(
    'alice: nothing to roll back: revision 42 is the one deployed on superset staging (see !superset releases staging)',
  );
  h.chat.clear();
  h.chat.say('alice', '!superset rollback staging --set x=1');
  expect((await h.chat.waitFor(/^alice: /)).line).toMatch(/^alice: superset rollback staging \[revision\]: the revision is a number/);
  expect(argvs()).toEqual([history, history]);
  expect(h.chat.lines(OPS_CHANNEL)).toEqual([]);
});

it('production asks for a confirmation showing from → to; confirm rolls back to exactly that revision', async () => {
  h.chat.say('alice', '!superset rollback production 41');
  const ask = await h.chat.waitFor(/^to go ahead, say within 5m00s: !confirm [a-z]{6} \(or !cancel [a-z]{6}\)$/);
  const code = /!confirm ([a-z]{6})/.exec(ask.line)![1]!;
  const lines = h.chat.lines(REQUEST_CHANNEL);
  expect(lines[0]).toBe('alice: superset production: rollback from revision 42 (superset-0.12.6, app 4.1.1) → revision 41 (superset-0.12.5, app 4.1.0)');
  expect(lines[1]).toBe(
    'release production in superset: revision 42 (superset-0.12.6, app 4.1.1) → revision 41 (superset-0.12.5, app 4.1.0); the cluster will then differ from git until the next deploy',
  );
  const prodHistory = `helm history production -n superset -o json --kubeconfig ${KUBECONFIG}`;
  expect(argvs()).toEqual([prodHistory]);
  expect(h.chat.lines(OPS_CHANNEL)).toEqual([]);

  // bob may not confirm it (no rollback rights); carol (ops) may
  h.chat.say('bob', `!confirm ${code}`);
  expect((await h.chat.waitFor(/^bob: /)).line).toMatch(
    /^bob: only alice or someone allowed to rollback superset production may confirm this: rollback superset production needs one of superset-admins, ops/,
  );
  h.chat.say('carol', `!confirm ${code}`);
  const done = await h.chat.waitFor(/^carol: rolled back superset production/);
  expect(done.line).toMatch(
    /release production → revision 43 \(revision 41 \(superset-0\.12\.5, app 4\.1\.0\) again\); superset production now differs from git/,
  );
  expect(argvs()).toEqual([prodHistory, prodHistory, `helm rollback production 41 -n superset --wait --timeout 840s --kubeconfig ${KUBECONFIG}`, prodHistory]);
  expect(h.chat.lines(OPS_CHANNEL)[0]).toMatch(
    /^superset production: rollback started by alice, confirmed by carol \(job \d+\): from revision 42 .* → revision 41 /,
  );
});

it('a confirmation no longer holds once the release changed: it asks again', async () => {
  h.chat.say('alice', '!superset rollback production');
  const ask = await h.chat.waitFor(/!confirm ([a-z]{6})/);
  const code = /!confirm ([a-z]{6})/.exec(ask.line)![1]!;
  // someone deploys production in between (42 → 43)
  h.chat.say('carol', '!superset deploy production');
  const ask2 = await h.chat.waitFor(/^to go ahead.*!confirm ([a-z]{6})/, 15000, h.chat.sent.indexOf(ask) + 1);
  h.chat.say('carol', `!confirm ${/!confirm ([a-z]{6})/.exec(ask2.line)![1]}`);
  await h.chat.waitFor(/^carol: deployed superset production/);
  h.chat.clear();
  h.chat.say('alice', `!confirm ${code}`);
  const again = await h.chat.waitFor(/^alice: superset production: /);
  expect(again.line).toBe(
    'alice: superset production: changed since it was confirmed, now: rollback from revision 43 (superset-0.12.7, app 4.1.2) → revision 42 (superset-0.12.6, app 4.1.1)',
  );
  expect(argvs().filter((a) => a.startsWith('helm rollback'))).toEqual([]);
});

it('rollback needs its own permission; releases is for anyone unless the service names groups', async () => {
  h.chat.say('mallory', '!superset rollback staging');
  expect((await h.chat.waitFor(/^mallory: /)).line).toBe('mallory: rollback superset staging needs one of superset-admins, ops (you: no groups)');
  h.chat.say('mallory', '!superset releases staging');
  expect((await h.chat.waitFor(/^mallory: superset staging: release/)).line).toBe('mallory: superset staging: release staging in superset-next, 2 revisions');
  expect(argvs()).toEqual([history]);
  // …unless the service names groups for it
  h.chat.say('bob', '!airflow-search releases');
  expect((await h.chat.waitFor(/^bob: /)).line).toBe('bob: releases airflow-search needs one of airflow-search-ops (you: nda, wmf)');
  h.chat.say('carol', '!airflow-search releases');
  expect((await h.chat.waitFor(/^carol: /)).line).toBe('carol: airflow-search production: release production in airflow-search, 2 revisions');
});
