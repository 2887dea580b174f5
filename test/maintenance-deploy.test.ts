// A deploy during an announced maintenance window: refused, unless asked with --during-maintenance by
// someone the policy allows (deploy-during-maintenance, else the service's maint groups) — through the
// real deploy engine, the stand-in helmfile, real Redis/BullMQ.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { MaintenanceStore } from '../src/maintenance/store.js';
import { REQUEST_CHANNEL, startDeployHarness, type Harness } from './support/deploy-harness.js';

let h: Harness;
let windowId: number;

beforeAll(async () => {
  h = await startDeployHarness();
  const now = Date.now();
  const { window } = await new MaintenanceStore({ connection: h.app.redis, prefix: h.prefix }).create({
    service: 'superset',
    start: now - 60_000,
    end: now + 30 * 60_000,
    reason: 'DB upgrade',
    who: { nick: 'carol', network: 'irc', user: 'carol' },
    createdAt: now - 60_000,
  });
  windowId = window.id;
}, 30000);

afterAll(async () => {
  await h?.stop();
});

beforeEach(() => {
  h.tools.reset();
  h.chat.clear();
});

const reply = (nick: string) => h.chat.waitFor((s) => s.target === REQUEST_CHANNEL && s.line.startsWith(`${nick}: `));

it('refuses a deploy during the window and says how to go ahead', async () => {
  h.chat.say('alice', '!superset deploy staging');
  const line = (await reply('alice')).line;
  expect(line).toMatch(
    new RegExp(
      `^alice: superset staging is in maintenance #${windowId} until \\d\\d:\\d\\d UTC \\((29|30)m left: DB upgrade, by carol\\): deploy refused; add --during-maintenance to deploy anyway \\(allowed to: superset-admins, ops\\)$`,
    ),
  );
  expect(h.tools.calls()).toEqual([]);
});

it('refuses --during-maintenance to someone the policy does not allow', async () => {
  const perms = h.config.services.superset!.permissions;
  perms['deploy-during-maintenance'] = ['ops']; // alice may deploy superset, but not during maintenance
  try {
    h.chat.say('alice', '!superset deploy staging --during-maintenance');
    expect((await reply('alice')).line).toMatch(
      new RegExp(
        `^alice: superset staging is in maintenance #${windowId} until .*: deploy --during-maintenance refused: deploy-during-maintenance superset staging needs one of ops \\(you: superset-admins, wmf\\)$`,
      ),
    );
    expect(h.tools.calls()).toEqual([]);
  } finally {
    delete perms['deploy-during-maintenance'];
  }
});

it('deploys with --during-maintenance when allowed, and keeps it through the confirmation of production', async () => {
  h.chat.say('alice', '!superset deploy staging --during-maintenance');
  expect((await h.chat.waitFor(/^alice: deployed superset staging/)).line).toMatch(/^alice: deployed superset staging in /);

  h.chat.say('alice', '!superset deploy production --during-maintenance');
  const ask = await h.chat.waitFor(/to go ahead/);
  const code = /confirm ([a-z]{6})/.exec(ask.line)![1]!;
  h.chat.say('alice', `!confirm ${code}`);
  expect((await h.chat.waitFor(/^alice: deployed superset production/)).line).toMatch(/^alice: deployed superset production in /);
}, 30000);
