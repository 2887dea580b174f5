// Feature flags and version bumps from chat, through the whole bot (gateway + worker on the real Redis):
// a real deployment-charts checkout with a bare "remote", the stand-in helmfile first on PATH. What a
// person would check: the remote's git log and diff, the helmfile runs, the channel.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { createDeploymentCharts, IMAGE, NEXT_IMAGE, PATHS, type DeploymentCharts } from './support/deployment-charts.js';
import { REQUEST_CHANNEL, startDeployHarness, type Harness } from './support/deploy-harness.js';

let dc: DeploymentCharts;
let h: Harness;
const S = 'helmfile.d/dse-k8s-services';
const remoteLog = (n = 1) => dc.git(dc.remote, 'log', `-${n}`, '--format=%an <%ae>|%s', 'master').trim().split('\n');
const remoteCount = () => Number(dc.git(dc.remote, 'rev-list', '--count', 'master').trim());

beforeAll(async () => {
  dc = createDeploymentCharts();
  h = await startDeployHarness({
    repo: { dir: dc.checkout, git: (...args: string[]) => dc.git(dc.checkout, ...args), cleanup: () => dc.cleanup() },
    config: { deploymentCharts: { checkout: dc.checkout, push: 'direct', committer: { name: 'Deckhand', email: 'deckhand@wikimedia.org' } } },
    edit: (c) => {
      c.services.superset!.permissions.upgrade = ['superset-admins'];
    },
  });
});
afterAll(async () => {
  await h?.stop();
  dc?.cleanup();
});
beforeEach(() => {
  h.tools.reset();
  h.chat.clear();
});

it('lists the effective flags per environment, with the file and line each comes from', async () => {
  h.chat.say('bob', '!superset flags staging');
  const head = await h.chat.waitFor(/^bob: superset staging: \d+ on/);
  expect(head.line).toBe(`bob: superset staging: 6 on (${PATHS.staging})`);
  await h.chat.waitFor(new RegExp(`^  CACHE_IMPERSONATION on — ${PATHS.staging}:7 config\\.superset\\.extra_feature_flags$`));
  await h.chat.waitFor(/^ {2}DASHBOARD_NATIVE_FILTERS on — charts\/superset\/values\.yaml:\d+ config\.superset\.feature_flags$/);
  expect(h.tools.calls()).toHaveLength(0); // reading flags runs nothing
});

it('turns a flag on: a one-line commit as the requester pushed to the remote, then a deploy of that environment', async () => {
  const before = dc.read(PATHS.staging);
  h.chat.say('alice', '!superset flag alert_reports on staging');
  const done = await h.chat.waitFor(/^deployed superset staging|^alice: .*FAILED/, 30000);
  expect(done.line).toMatch(/^deployed superset staging in .*release staging → revision 43/);
  const first = h.chat.lines(REQUEST_CHANNEL).find((l) => l.startsWith('alice: enable ALERT_REPORTS'))!;
  expect(first).toMatch(
    /^alice: enable ALERT_REPORTS for superset staging in .*values-staging\.yaml .*: commit [0-9a-f]{12} by Alice Example <alice@wikimedia\.org>, pushed to origin master$/,
  );

  // the remote has it: author, message, and a diff of exactly one line
  expect(remoteLog()).toEqual([expect.stringMatching(/^Alice Example <alice@wikimedia\.org>\|superset-next: enable ALERT_REPORTS \(via deckhand, job \d+\)$/)]);
  const diff = dc.git(dc.remote, 'show', '--format=', 'master', '--', PATHS.staging);
  expect(diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual([
    '-    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER]',
    '+    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER, ALERT_REPORTS]',
  ]);
  // the checkout the deploy ran from has it; comments survived
  const after = dc.read(PATHS.staging);
  expect(after).toContain('# Try new features here');
  expect(after).not.toBe(before);
  // diff then apply, in superset-next, as alice
  const calls = h.tools.calls();
  expect(calls.map((c) => c.argv[2])).toEqual(['diff', 'apply']);
  for (const c of calls) {
    expect(c.cwd).toBe(`${dc.checkout}/${S}/superset-next`);
    expect(c.env.LOG_USER).toBe('alice');
  }
  // the history keeps the commit next to the helm revision (written beside the reply, so it may land just after it)
  let [row] = await h.app.history.query({ limit: 1 });
  for (let i = 0; i < 50 && row?.status === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    [row] = await h.app.history.query({ limit: 1 });
  }
  expect(row).toMatchObject({ kind: 'flag', status: 'succeeded' });
  expect(row!.changed?.commit).toBe(dc.git(dc.remote, 'rev-parse', 'master').trim());
  expect(row!.changed?.helmRevision).toBe('staging=43');
});

it('says "no change" when the flag is already on: no commit, no deploy', async () => {
  const commits = remoteCount();
  h.chat.say('alice', '!superset flag ALERT_REPORTS on staging');
  const l = await h.chat.waitFor(/^alice: superset staging: no change/);
  expect(l.line).toMatch(/nothing committed, nothing deployed$/);
  expect(remoteCount()).toBe(commits);
  expect(h.tools.calls()).toHaveLength(0);
});

it('refuses bad input before a file or a process is touched, and a flag off that a chart default turns on', async () => {
  const commits = remoteCount();
  h.chat.say('alice', '!superset flag ALERT;rm on staging');
  expect((await h.chat.waitFor(/^alice: /)).line).toMatch(/^alice: .*flag name/i);
  h.chat.clear();
  h.chat.say('alice', '!superset flag DASHBOARD_NATIVE_FILTERS off staging');
  const refused = await h.chat.waitFor(/^alice: /, 15000);
  expect(refused.line).toMatch(/DASHBOARD_NATIVE_FILTERS/);
  expect(refused.line).toMatch(/default|list/);
  expect(remoteCount()).toBe(commits);
  expect(h.tools.calls()).toHaveLength(0);
  h.chat.clear();
  h.chat.say('bob', '!superset flag ALERT_REPORTS off staging'); // bob is not in superset-admins
  expect((await h.chat.waitFor(/^bob: /)).line).toMatch(/^bob: flag superset staging needs one of superset-admins/);
});

it('upgrades staging through the shared file only with --shared, and production still asks for its confirmation', async () => {
  h.chat.say('alice', `!superset upgrade ${NEXT_IMAGE} staging`);
  const refused = await h.chat.waitFor(/^alice: /);
  expect(refused.line).toMatch(/superset production/);
  expect(refused.line).toMatch(/--shared/);
  expect(dc.read(PATHS.supersetShared)).toContain(IMAGE);
  h.chat.clear();

  h.chat.say('alice', `!superset upgrade ${NEXT_IMAGE} staging --shared`);
  await h.chat.waitFor(/^deployed superset staging/, 20000);
  expect(remoteLog()[0]).toMatch(/^Alice Example <alice@wikimedia\.org>\|_superset_common_: /);
  const shared = dc.read(PATHS.supersetShared);
  expect(shared).toContain(`version: ${NEXT_IMAGE}`);
  expect(shared).not.toContain(IMAGE);
  // the links are still links: the edit went to the real file
  expect(dc.git(dc.checkout, 'ls-files', '-s', '--', PATHS.nextLink).split(' ')[0]).toBe('120000');

  // production picks the new version up from the shared file: its deploy asks for a confirmation as always
  h.tools.reset();
  h.chat.clear();
  h.chat.say('alice', '!superset deploy production');
  await h.chat.waitFor(/to go ahead, say within .*: !confirm [a-z]{6}/);
  expect(h.tools.calls().map((c) => c.argv[2])).toEqual(['diff']);
});

it('refuses --all where an environment asks for a confirmation, saying what to do instead', async () => {
  h.chat.say('alice', `!superset upgrade ${IMAGE} --all`);
  const l = await h.chat.waitFor(/^alice: /);
  expect(l.line).toBe(
    'alice: superset production asks for a confirmation, so --all cannot run them in a row: upgrade one environment with --shared (it edits the shared file), then deploy the others one by one',
  );
});

it('upgrade --all edits the shared file once, then deploys every environment one after another', async () => {
  const prod = h.config.services.superset!.environments.production!;
  prod.confirm = false; // --all runs only where no environment asks for a confirmation
  try {
    const commits = remoteCount();
    h.chat.say('alice', `!superset upgrade ${IMAGE} --all`);
    await h.chat.waitFor(/^rollout superset-upgrade done: 2\/2 environments deployed$/, 30000);
    expect(remoteCount()).toBe(commits + 1); // one commit, for both
    expect(dc.read(PATHS.supersetShared)).toContain(`version: ${IMAGE}`);
    const dirs = h.tools
      .calls()
      .filter((c) => c.argv[2] === 'apply')
      .map((c) => c.cwd.split('/').at(-1));
    expect(dirs).toEqual(['superset', 'superset-next']); // in the service's order: production, then staging
  } finally {
    prod.confirm = true;
  }
});

it('on production: commits, shows the diff and asks for the confirmation, saying how to take the commit back', async () => {
  h.chat.say('alice', '!superset flag ALERT_REPORTS on production');
  await h.chat.waitFor(/to go ahead, say within .*: !confirm [a-z]{6}/, 20000);
  const back = await h.chat.waitFor(/^the change is committed \([0-9a-f]{12}\) and waits for this deploy; to take it back: /);
  expect(back.line).toMatch(/to take it back: !superset flag ALERT_REPORTS off production$/);
  expect(remoteLog()[0]).toMatch(/\|superset: enable ALERT_REPORTS \(via deckhand, job \d+\)$/);
  expect(h.tools.calls().map((c) => c.argv[2])).toEqual(['diff']); // nothing applied before the confirmation
});
