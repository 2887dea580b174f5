// Fault case 3 (issue 18): the IRC server restarts; the bot is back, SASL-authenticated, rejoined within
// 10 s of the server being reachable again, and replies that queued meanwhile arrive once each.
// The scenario (test/faults/scenarios/irc-restart.ts) is also run by `npm run bench -- faults`.
import { expect, it } from '@jest/globals';
import { ircRestartScenario } from './scenarios/irc-restart.js';

it('after an ircd restart: rejoined with SASL within 10 s, the replies queued during the outage delivered once each', async () => {
  const f = await ircRestartScenario({ queued: 5, outageMs: 12_000, maxReconnectMs: 8000 });
  expect(f.saslAccount).toBe('deckhand');
  expect(f.rejoinMs).toBeGreaterThan(0);
  expect(f.rejoinMs).toBeLessThanOrEqual(10_000);
  expect(f.delivered).toBe(5);
  expect(f.duplicates).toBe(0);
  expect(f.answersAfter).toBe(true);
}, 60_000);
