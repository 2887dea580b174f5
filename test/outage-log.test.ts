// Worker 'error' events during a Redis outage: one warning when it starts, one a minute while it lasts,
// a new outage after a quiet spell told again; other errors each logged. Read as the JSON lines pino writes.
import { expect, test } from '@jest/globals';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { errorLogger } from '../src/core/outage-log.js';

test('a Redis outage is a few JSON lines, not one per reconnect attempt', () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
  let now = 0;
  const onError = errorLogger(pino({ base: null }, sink), 'worker error', { queue: 'commands' }, () => now);
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6391'), { code: 'ECONNREFUSED' });
  for (let i = 0; i <= 300; i++, now += 200) onError(refused); // a minute of reconnect attempts, five a second
  onError(new Error('Missing lock for job 42. moveToFinished'));
  now += 45_000; // Redis was back meanwhile; it goes away again
  onError(refused);
  onError(refused);
  expect(lines.map((l) => [l.level, l.msg, l.queue])).toEqual([
    [40, 'worker error: Redis unreachable, retrying', 'commands'],
    [40, 'worker error: Redis still unreachable, retrying', 'commands'],
    [50, 'worker error', 'commands'],
    [40, 'worker error: Redis unreachable, retrying', 'commands'],
  ]);
  expect(lines[1]).toMatchObject({ downMs: 60_000, errors: 299 });
  expect(lines[2]).toMatchObject({ err: { message: 'Missing lock for job 42. moveToFinished' } });
});
