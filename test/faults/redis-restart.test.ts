// Fault case 2 (issue 18): Redis (its own, AOF on) stopped and started under 500 queued status commands
// from IRC — gracefully, then kill -9: every command answered, none twice, as a second real client sees.
// The scenario (test/faults/scenarios/redis-restart.ts) is also run by `npm run bench -- faults`.
import { expect, it } from '@jest/globals';
import { redisRestartScenario } from './scenarios/redis-restart.js';

it('500 queued status commands through a graceful Redis restart and a kill -9: all answered, none twice', async () => {
  const f = await redisRestartScenario({ askers: 5, each: 100 });
  expect(f.queued).toBe(500);
  // the restarts came while answers were still going out
  expect(f.answeredBeforeShutdown).toBeLessThan(500);
  expect(f.answeredBeforeKill).toBeLessThan(500);
  expect({ answered: f.answered, duplicates: f.duplicates, otherLines: f.otherLines }).toEqual({ answered: 500, duplicates: 0, otherLines: 0 });
}, 120_000);
