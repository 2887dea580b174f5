// The identity rules of src/bot/irc-identity.ts, driven event by event (the same events irc-framework
// emits); test/irc-identity.e2e.test.ts runs them against real servers.
import { EventEmitter } from 'node:events';
import { expect, it } from '@jest/globals';
import type { Client } from 'irc-framework';
import { IrcIdentity } from '../src/bot/irc-identity.js';

function setup(caps: string[], o: { timeoutMs?: number } = {}) {
  const client = Object.assign(new EventEmitter(), {
    user: { nick: 'deckhand' },
    network: { cap: { isEnabled: (c: string) => caps.includes(c) } },
    caseLower: (s: string) => s.toLowerCase(),
    caseCompare: (a: string, b: string) => a.toLowerCase() === b.toLowerCase(),
  });
  const asked: string[] = [];
  let now = 1_000_000;
  const id = new IrcIdentity({ whois: (nick) => void asked.push(nick), timeoutMs: o.timeoutMs ?? 1000, answerTtlMs: 5000, now: () => now });
  id.attach(client as unknown as Client);
  const from = (nick: string, host = `${nick}.example`) => ({ nick, ident: nick, hostname: host });
  const answer = (nick: string, account?: string, host = `${nick}.example`) =>
    client.emit('whois', { nick, ident: nick, hostname: host, ...(account ? { account } : {}) });
  const tick = () => new Promise((r) => setImmediate(r));
  return { client, id, asked, from, answer, tick, later: (ms: number) => (now += ms) };
}

it('no shared channel: asks for every command, and an answer about another connection is no answer', async () => {
  const t = setup(['extended-join', 'account-notify']);
  const first = t.id.accountOf(t.from('alice'));
  await t.tick();
  t.answer('alice', 'alice');
  expect(await first).toBe('alice');
  const second = t.id.accountOf(t.from('alice'));
  await t.tick();
  expect(t.asked).toEqual(['alice', 'alice']);
  t.answer('alice', 'alice', 'elsewhere.example'); // the nick changed hands in between
  expect(await second).toBeUndefined();
});

it('answers are matched to questions in order; a question that timed out still takes its own late answer', async () => {
  const t = setup([], { timeoutMs: 30 });
  const slow = t.id.accountOf(t.from('bob'));
  await new Promise((r) => setTimeout(r, 50));
  expect(await slow).toBeUndefined(); // fail closed
  const next = t.id.accountOf(t.from('bob'));
  await t.tick();
  t.answer('bob', 'bob-from-before'); // the late answer to the first question
  t.answer('bob', 'bob');
  expect(await next).toBe('bob');
});

it('without extended-join: a WHOIS answer serves a shared-channel member for a few seconds, never past NICK or PART', async () => {
  const t = setup(['account-notify']);
  t.client.emit('join', { nick: 'carol', channel: '#a', account: undefined });
  let answered = 0;
  const ask = async () => {
    const p = t.id.accountOf(t.from('carol'));
    await t.tick();
    if (t.asked.length > answered) t.answer('carol', 'carol');
    answered = t.asked.length;
    return p;
  };
  expect(await ask()).toBe('carol');
  expect(await ask()).toBe('carol');
  expect(t.asked).toHaveLength(1);
  t.later(5001);
  expect(await ask()).toBe('carol');
  expect(t.asked).toHaveLength(2);
  t.client.emit('nick', { nick: 'carol', new_nick: 'carol_' });
  t.client.emit('nick', { nick: 'carol_', new_nick: 'carol' });
  expect(await ask()).toBe('carol');
  expect(t.asked).toHaveLength(3);
  t.client.emit('part', { nick: 'carol', channel: '#a' });
  expect(await ask()).toBe('carol');
  expect(await ask()).toBe('carol');
  expect(t.asked).toHaveLength(5); // no shared channel: every time
});

it('extended-join + account-notify in a shared channel: known without asking, kept current, forgotten at the last PART or QUIT', async () => {
  const t = setup(['extended-join', 'account-notify']);
  t.client.emit('join', { nick: 'dave', channel: '#a', account: 'dave' });
  t.client.emit('join', { nick: 'dave', channel: '#b', account: 'dave' });
  t.client.emit('join', { nick: 'eve', channel: '#a', account: false });
  expect(await t.id.accountOf(t.from('dave'))).toBe('dave');
  expect(await t.id.accountOf(t.from('eve'))).toBeUndefined();
  t.client.emit('account', { nick: 'dave', account: false });
  expect(await t.id.accountOf(t.from('dave'))).toBeUndefined();
  t.client.emit('account', { nick: 'dave', account: 'dave' });
  t.client.emit('nick', { nick: 'dave', new_nick: 'dave2' });
  expect(await t.id.accountOf(t.from('dave2'))).toBe('dave');
  // WHOX after the bot's own join: '' is "not logged in"
  t.client.emit('wholist', {
    target: '#a',
    users: [
      { nick: 'frank', account: '' },
      { nick: 'gina', account: 'gina' },
    ],
  });
  expect(await t.id.accountOf(t.from('frank'))).toBeUndefined();
  expect(await t.id.accountOf(t.from('gina'))).toBe('gina');
  expect(t.asked).toEqual([]);
  t.client.emit('part', { nick: 'dave2', channel: '#a' });
  expect(await t.id.accountOf(t.from('dave2'))).toBe('dave'); // still shares #b
  t.client.emit('kick', { kicked: 'dave2', channel: '#b' });
  const asking = t.id.accountOf(t.from('dave2'));
  await t.tick();
  expect(t.asked).toEqual(['dave2']);
  t.answer('dave2');
  expect(await asking).toBeUndefined();
  t.client.emit('quit', { nick: 'gina' });
  void t.id.accountOf(t.from('gina'));
  await t.tick();
  expect(t.asked).toEqual(['dave2', 'gina']);
  // the bot leaving a channel forgets who it knew only from there
  t.client.emit('part', { nick: 'deckhand', channel: '#a' });
  expect(t.id.known).toBe(0);
});

it('with account-tag: the tag alone decides, nothing is asked', async () => {
  const t = setup(['account-tag', 'extended-join', 'account-notify']);
  t.client.emit('join', { nick: 'hal', channel: '#a', account: 'hal' });
  expect(await t.id.accountOf({ ...t.from('hal') })).toBeUndefined(); // no tag on the message: not logged in
  expect(await t.id.accountOf({ ...t.from('hal'), account: 'hal' })).toBe('hal');
  expect(t.asked).toEqual([]);
});
