// Issue 4 figures: slackAckMs (signed request → HTTP 200) and slackStatusMs (request → the result
// post in the thread), through the whole bot (gateway + worker, real Redis) and the Web API stand-in.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { SlackAdapter } from '../src/bot/slack.js';
import { manyPods } from '../src/sandbox/fixtures.js';
import { dropPrefix, freshPrefix, REDIS_URL } from '../test/support/redis.js';
import { startFakeSlackApi } from '../test/support/slack-api.js';
import { postSigned, slashCommandBody } from '../test/support/slack-sign.js';
import { startStack } from '../test/support/stack.js';
import { ms, percentile, round } from './stats.js';

export async function benchSlack(acks = 200, results = 100): Promise<Record<string, unknown>> {
  const SECRET = 'bench-secret';
  const TOKEN = 'xoxb-bench';
  const user = { id: 'U0BENCH', name: 'bench', email: 'bench@example.org' };
  const api = await startFakeSlackApi({ token: TOKEN, users: [user] });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = freshPrefix('bench-slack');
  const slackConfig = { mode: 'http' as const, signingSecretEnv: 'S', botTokenEnv: 'T', appTokenEnv: 'A', port: 0, apiUrl: api.apiUrl };
  // pacing per channel is Slack's ~1/s; every request here uses its own channel, as many people would
  const slack = new SlackAdapter({ config: slackConfig, botToken: TOKEN, signingSecret: SECRET, redis, prefix, log: pino({ level: 'silent' }) });
  const stack = await startStack({ adapters: [slack], config: { slack: slackConfig } });
  stack.api.setPods('superset', manyPods(50, 'superset', { app: 'superset' }));
  stack.api.setPods('superset-next', manyPods(50, 'superset-next', { app: 'superset' }));
  let seq = 0;
  const slash = async (): Promise<{ channel: string; ackMs: number; start: bigint }> => {
    const channel = `C0BENCH${++seq}`;
    const body = slashCommandBody({
      command: '/superset',
      text: 'status',
      user_id: user.id,
      user_name: user.name,
      channel_id: channel,
      response_url: api.responseUrl(),
    });
    const start = process.hrtime.bigint();
    const res = await postSigned(slack.eventsUrl!, SECRET, body);
    if (res.status !== 200) throw new Error(`slack bench: HTTP ${res.status}`);
    return { channel, ackMs: res.ms, start };
  };
  try {
    const ackTimes: number[] = [];
    const resultTimes: number[] = [];
    for (let i = 0; i < acks + 10; i++) {
      const { channel, ackMs, start } = await slash();
      // wait for the thread reply before the next request, so each is measured on a quiet bot
      await api.waitFor((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === channel && !!c.args.thread_ts, 10000);
      const total = ms(start);
      if (i >= 10) {
        ackTimes.push(ackMs);
        if (resultTimes.length < results) resultTimes.push(total);
      }
      api.reset();
    }
    return {
      slackAckMs: { n: ackTimes.length, p50Ms: round(percentile(ackTimes, 50)), p99Ms: round(percentile(ackTimes, 99)), goal: 'p99 <= 50 ms' },
      slackStatusMs: {
        n: resultTimes.length,
        p50Ms: round(percentile(resultTimes, 50)),
        p99Ms: round(percentile(resultTimes, 99)),
        goal: 'p50 within 10 ms of statusLatency p50',
        note: 'request → chat.postMessage of the result in the thread (the ack message is posted first); 2 environments × 50 pods; bot in the bench process',
      },
    };
  } finally {
    await stack.stop();
    await api.close();
    await dropPrefix(prefix);
    redis.disconnect();
  }
}
