// What flood-control tests see from outside the bot: the ircd's log and a second real client.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Ircd, Received, TestClient } from './ircd.js';

/** Lines of the ircd's log saying a client was thrown out for flooding. */
export async function floodKills(ircd: Ircd): Promise<string[]> {
  const log = await fsp.readFile(join(ircd.dir, 'logs', 'inspircd.log'), 'utf8').catch(() => '');
  return log.split('\n').filter((l) => /RecvQ exceeded|Excess Flood|SendQ exceeded/i.test(l));
}

/** Every QUIT of `nick` a client sharing a channel with it sees (reason included), from now on. */
export function watchQuits(observer: TestClient, nick: string): string[] {
  const quits: string[] = [];
  observer.client.on('quit', (e) => {
    if (e.nick.toLowerCase() === nick.toLowerCase()) quits.push(e.message);
  });
  return quits;
}

/** Resolve once `observer` has `n` messages matching `pred`; reject after `timeoutMs` saying how many came. */
export async function waitForCount(observer: TestClient, pred: (m: Received) => boolean, n: number, timeoutMs: number): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = observer.messages.filter(pred);
    if (got.length >= n) return got;
    if (Date.now() > deadline) throw new Error(`${observer.nick}: ${got.length} of ${n} messages within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolve once the server lists `nick` in `channel` (NAMES, asked by `observer` every 200 ms): a line said then reaches it. */
export async function waitInChannel(observer: TestClient, channel: string, nick: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let present = false;
  const onList = (e: { channel: string; users: { nick: string }[] }) => {
    if (e.channel.toLowerCase() === channel.toLowerCase() && e.users.some((u) => u.nick.toLowerCase() === nick.toLowerCase())) present = true;
  };
  observer.client.on('userlist', onList);
  try {
    while (!present) {
      if (Date.now() > deadline) throw new Error(`${observer.nick}: ${nick} not in ${channel} within ${timeoutMs} ms`);
      observer.client.raw('NAMES', channel);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    observer.client.off('userlist', onList);
  }
}

/** The messages matching `pred` once none has come for `quietMs` (at least `min` of them), or after `timeoutMs`. */
export async function waitQuiet(observer: TestClient, pred: (m: Received) => boolean, min: number, quietMs: number, timeoutMs: number): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = observer.messages.filter(pred);
    const last = got.at(-1)?.time ?? 0;
    if ((got.length >= min && Date.now() - last >= quietMs) || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Most lines seen in any window of `windowMs` (the bot's burst as the server relayed it). */
export function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! > windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
