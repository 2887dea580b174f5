/** Proves the IRC test rig: a real InspIRCd + Anope pair, SASL accounts, account-tag on messages. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import IRC, { Client } from 'irc-framework';
import { connectClient, registerAccount, startIrcd, type Ircd, type TestClient } from './support/ircd.js';

const CHANNEL = '#rig';

describe('IRC test rig (InspIRCd + Anope)', () => {
  let ircd: Ircd;
  let alice: TestClient; // SASL-logged-in as account alice
  let fakeBob: TestClient; // nick of the registered account bob, not logged in
  let watcher: TestClient; // no account
  const joins = new Map<string, string | false | undefined>(); // extended-join accounts seen by watcher

  beforeAll(async () => {
    ircd = await startIrcd();
    await Promise.all([registerAccount(ircd, 'alice', 'alice-secret-1'), registerAccount(ircd, 'bob', 'bob-secret-1')]);
    [alice, fakeBob, watcher] = await Promise.all([
      connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret-1' } }),
      connectClient(ircd, { nick: 'bob' }),
      connectClient(ircd, { nick: 'watcher' }),
    ]);
    watcher.client.on('join', (e) => joins.set(e.nick, e.account));
    await watcher.join(CHANNEL);
    await Promise.all([alice.join(CHANNEL), fakeBob.join(CHANNEL)]);
  });

  afterAll(async () => {
    await ircd?.stop();
  });

  test('irc-framework import shapes', () => {
    expect(typeof Client).toBe('function');
    expect(Client).toBe(IRC.Client);
  });

  test('the server advertises what the bot relies on', () => {
    const caps = watcher.client.network.cap.enabled;
    for (const cap of ['account-tag', 'extended-join', 'account-notify', 'message-tags', 'server-time']) {
      expect(caps).toContain(cap);
    }
    expect(caps).not.toContain('echo-message');
    expect(alice.client.network.cap.enabled).toContain('sasl'); // requested only when credentials are given
  });

  test('extended-join tells the account of who joins (false when not logged in)', async () => {
    // alice/bob saw their own JOIN in beforeAll; the watcher's copy may land a moment later.
    for (let i = 0; i < 200 && !(joins.has('alice') && joins.has('bob')); i++) await new Promise((r) => setTimeout(r, 5));
    expect(joins.get('alice')).toBe('alice');
    expect(joins.get('bob')).toBe(false);
  });

  test('a SASL-logged-in sender arrives with its account', async () => {
    alice.say(CHANNEL, 'hello from alice');
    const m = await watcher.waitFor((r) => r.text === 'hello from alice');
    expect(m).toMatchObject({ kind: 'privmsg', from: 'alice', target: CHANNEL, account: 'alice' });
    expect(m.tags['account']).toBe('alice');
  });

  test('a registered nick that is not logged in arrives without an account', async () => {
    fakeBob.say(CHANNEL, 'hello from "bob"');
    const m = await watcher.waitFor((r) => r.text === 'hello from "bob"');
    expect(m).toMatchObject({ kind: 'privmsg', from: 'bob', target: CHANNEL });
    expect(m.account).toBeUndefined();
    expect(m.tags['account']).toBeUndefined();
  });

  test('unicode arrives intact, in a channel and in private', async () => {
    const text = 'héllo wörld — ☃ 🚀 日本語 👩‍💻 ǅ';
    alice.say(CHANNEL, text);
    alice.say('watcher', `pm ${text}`);
    const [inChannel, inPrivate] = await Promise.all([
      watcher.waitFor((r) => r.target === CHANNEL && r.text === text),
      watcher.waitFor((r) => r.target === 'watcher' && r.text === `pm ${text}`),
    ]);
    expect(inChannel.account).toBe('alice');
    expect(inPrivate).toMatchObject({ from: 'alice', account: 'alice' });
  });

  test('a wrong SASL password is refused', async () => {
    await expect(connectClient(ircd, { nick: 'mallory', sasl: { account: 'bob', password: 'wrong-password' } })).rejects.toThrow(/SASL failed/);
  });

  test('stop() kills both daemons, removes the directory and can be called twice', async () => {
    const pids = ['inspircd', 'anope'].map((n) => Number(readFileSync(join(ircd.dir, 'run', `${n}.pid`), 'utf8').trim()));
    await Promise.all([ircd.stop(), ircd.stop()]);
    await ircd.stop();
    expect(existsSync(ircd.dir)).toBe(false);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
