// Who is who on IRC, on real servers: one InspIRCd + Anope WITHOUT account-tag (extended-join and
// account-notify only, like many networks and bouncers) and one with it; a real slapd for the groups,
// the whole bot on the real Redis, the stand-in helmfile. What the bot decided is seen by the people's
// own clients (the denial reaches the spoofer) and in the job history and audit stream.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createChartsRepo, type ChartsRepo } from './support/charts-repo.js';
import { exampleConfig } from './support/config.js';
import { directoryFor } from './support/directory.js';
import { installFakeTools, type FakeTools } from './support/fake-helmfile.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { startSlapd, type Slapd } from './support/slapd.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

const SECRET_ENV = 'SUPERSET_DB_PASSWORD';
const NEEDS_ACCOUNT = 'deploy superset staging needs a services account: log in to services first (SASL, or /msg NickServ IDENTIFY <password>) and try again';

let plain: Ircd; // no account-tag
let tagged: Ircd;
let slapd: Slapd;
let tools: FakeTools;
let repo: ChartsRepo;
let dir: ReturnType<typeof directoryFor>;
let botPlain: Stack;
let botTagged: Stack;
const c: Record<string, TestClient> = {};

const fromBot = (re: RegExp) => (m: Received) => m.from === 'deckhand' && re.test(m.text);
const applies = () => tools.calls().filter((x) => x.argv.includes('apply')).length;

/** Say it to the bot privately and return the bot's first answer matching re. */
async function ask(who: string, text: string, re: RegExp, target = 'deckhand'): Promise<Received> {
  c[who]!.clearMessages();
  c[who]!.say(target, text);
  return c[who]!.waitFor(fromBot(re), 10000);
}

/** Change nick and resolve once the server confirms it. */
async function renick(who: string, nick: string): Promise<void> {
  const client = c[who]!.client;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${who}: no NICK confirmation for ${nick}`)), 5000);
    const on = (e: { nick: string; new_nick: string }) => {
      if (client.caseCompare(e.new_nick, nick)) {
        clearTimeout(t);
        client.off('nick', on);
        resolve();
      }
    };
    client.on('nick', on);
    client.changeNick(nick);
  });
}

async function audit(stack: Stack): Promise<Record<string, string>[]> {
  const rows = await stack.app.redis.xrevrange(`${stack.prefix}:audit`, '+', '-', 'COUNT', 100);
  return rows.map(([, f]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i]!, f[2 * i + 1]!])));
}

function bot(ircd: Ircd): Promise<Stack> {
  const services = exampleConfig().services;
  for (const s of Object.values(services)) s.announce = { irc: [CHANNEL], slack: [] };
  return startStack({
    ircd,
    directory: dir.lookup,
    config: {
      services,
      deploymentCharts: { checkout: repo.dir },
      deploy: { confirmMinutes: 5, lockTtlSeconds: 5, killGraceSeconds: 1, secretEnv: [SECRET_ENV] },
    },
  });
}

beforeAll(async () => {
  [plain, tagged, slapd, tools] = await Promise.all([startIrcd({ accountTag: false }), startIrcd(), startSlapd(), installFakeTools()]);
  repo = createChartsRepo();
  process.env.PATH = tools.pathEnv;
  process.env[SECRET_ENV] = tools.secret;
  dir = directoryFor(slapd);
  await Promise.all([plain, tagged].flatMap((ircd) => ['alice', 'mallory'].map((n) => registerAccount(ircd, n, `${n}-secret`))));
  const alice = { account: 'alice', password: 'alice-secret' };
  const [bp, bt, alice1, mal1, alice2, mal2, watcher, aliceT, malT] = await Promise.all([
    bot(plain),
    bot(tagged),
    connectClient(plain, { nick: 'alice', sasl: alice }), // talks to the bot privately only
    connectClient(plain, { nick: 'mal' }), // not logged in
    connectClient(plain, { nick: 'alice2', sasl: alice }), // in the bot's channel
    connectClient(plain, { nick: 'mal2' }), // in the bot's channel, not logged in
    connectClient(plain, { nick: 'watcher' }),
    connectClient(tagged, { nick: 'alice', sasl: alice }),
    connectClient(tagged, { nick: 'mal' }),
  ]);
  botPlain = bp;
  botTagged = bt;
  Object.assign(c, { alice1, mal1, alice2, mal2, watcher, aliceT, malT });
  await Promise.all([alice2.join(CHANNEL), mal2.join(CHANNEL)]);
}, 40000);

afterAll(async () => {
  await Promise.all([botPlain?.stop(), botTagged?.stop()]);
  await dir?.ldap.close();
  await Promise.all([plain?.stop(), tagged?.stop(), slapd?.close()]);
  tools?.cleanup();
  repo?.cleanup();
});

beforeEach(() => tools.reset());

describe('an ircd without account-tag', () => {
  it('asks the server who a private sender is, each time: the real alice deploys', async () => {
    const asked = botPlain.irc!['identity'].whoisSent;
    expect((await ask('alice1', 'superset deploy staging', /deployed superset staging/)).target).toBe('alice');
    expect(applies()).toBe(1);
    expect((await ask('alice1', 'whoami', /^irc alice/)).text).toBe('irc alice (account alice) → directory user alice → groups superset-admins, wmf');
    // nothing kept for someone the bot shares no channel with: two commands, two questions
    expect(botPlain.irc!['identity'].whoisSent - asked).toBe(2);
  });

  it('alice quits, mallory takes the nick without logging in and asks privately for a deploy: denied, recorded as "alice (no account)"', async () => {
    await c.alice1!.quit();
    await renick('mal1', 'alice');
    const denial = await ask('mal1', 'superset deploy staging', /./); // the bot's first answer, whatever it is
    expect(denial.text).toBe(NEEDS_ACCOUNT);
    expect(denial.target).toBe('alice'); // mallory's own client, under the nick she took
    expect(applies()).toBe(0);

    // the history, as anyone asking sees it: the denial is not alice's, and --user alice finds only hers
    const seen = async (text: string, n: number) => {
      c.watcher!.clearMessages();
      c.watcher!.say('deckhand', text);
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push((await c.watcher!.waitFor((m) => m.from === 'deckhand' && !lines.includes(m.text), 5000)).text);
      return lines;
    };
    const [denied, ran] = await seen('jobs superset staging', 2);
    expect(denied).toMatch(/^#\d+ deploy superset staging by alice \(no account\) \d\d:\d\d UTC denied$/);
    expect(ran).toMatch(/^#\d+ deploy superset staging by alice \d\d:\d\d UTC \S+ succeeded$/);
    expect(await seen('jobs --user alice --status denied', 1)).toEqual(['no jobs match (--user alice --status denied)']);
    expect((await seen('jobs --user alice', 1))[0]).toBe(ran);

    const entry = (await audit(botPlain)).find((f) => f.verb === 'deploy' && f.allowed === '0')!;
    expect(entry).toMatchObject({ nick: 'alice', account: '', user: '', actor: 'alice (no account)', stage: 'gateway' });
  });

  it('in a shared channel, follows log-out and log-in (account-notify) and a nick taken over', async () => {
    const whoami = async (who: string) => (await ask(who, '!whoami', /: irc /, CHANNEL)).text;
    expect(await whoami('alice2')).toBe('alice2: irc alice2 (account alice) → directory user alice → groups superset-admins, wmf');
    c.alice2!.say('NickServ', 'LOGOUT');
    await c.alice2!.waitFor((m) => m.from === 'NickServ' && /logged out/i.test(m.text));
    expect(await whoami('alice2')).toMatch(/^alice2: irc alice2, not logged in to services/);
    c.alice2!.say('NickServ', 'IDENTIFY alice alice-secret');
    await c.alice2!.waitFor((m) => m.from === 'NickServ' && /recognized|identified/i.test(m.text));
    expect(await whoami('alice2')).toBe('alice2: irc alice2 (account alice) → directory user alice → groups superset-admins, wmf');

    await renick('alice2', 'alice3');
    await renick('mal2', 'alice2');
    expect((await ask('mal2', '!superset deploy staging', /^alice2: /, CHANNEL)).text).toBe(`alice2: ${NEEDS_ACCOUNT}`);
    expect(applies()).toBe(0);
    // the real alice, under her new nick, is still known without asking
    expect((await ask('alice2', '!superset deploy staging', /^alice3: deployed superset staging/, CHANNEL)).text).toMatch(/revision 43/);
  });

  it('does not ask the server for a public answer that is the same whoever asks (each WHOIS costs flood budget)', async () => {
    const asked = botPlain.irc!['identity'].whoisSent;
    expect((await ask('mal2', 'superset status staging', /^superset staging: \d+\/\d+ ready/)).target).toBe('alice2');
    expect(botPlain.irc!['identity'].whoisSent - asked).toBe(0);
  });
});

describe('an ircd with account-tag', () => {
  it('the same spoof is denied, and the real alice deploys', async () => {
    expect((await ask('aliceT', 'superset deploy staging', /deployed superset staging/)).target).toBe('alice');
    expect(botTagged.irc!['identity'].whoisSent).toBe(0); // the tag said it
    await c.aliceT!.quit();
    await renick('malT', 'alice');
    expect((await ask('malT', 'superset deploy staging', /./)).text).toBe(NEEDS_ACCOUNT);
    expect(applies()).toBe(1);
    expect((await audit(botTagged)).find((f) => f.verb === 'deploy' && f.allowed === '0')).toMatchObject({ actor: 'alice (no account)' });
  });
});
