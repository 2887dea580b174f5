// Small helpers the fault scenarios share (the tests in test/faults and bench/faults.ts run the same scenarios).
import { pino } from 'pino';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `f` until it gives a value (not undefined/false); reject after `ms` naming `what`. */
export async function until<T>(f: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 10_000, everyMs = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const quietLog = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** How many of `texts` appear more than once (each extra copy counts). */
export function duplicatesIn(texts: string[]): number {
  return texts.length - new Set(texts).size;
}
