import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { SlackAdapter } from '../../src/bot/slack.js';
import type { FakeSlackApi } from './slack-api.js';

/** The `slack:` config of a test bot in HTTP mode, its Web API pointed at the stand-in. */
export function slackTestConfig(api: FakeSlackApi) {
  return {
    mode: 'http' as const,
    signingSecretEnv: 'SLACK_SIGNING_SECRET',
    botTokenEnv: 'SLACK_BOT_TOKEN',
    appTokenEnv: 'SLACK_APP_TOKEN',
    port: 0,
    apiUrl: api.apiUrl,
  };
}

/** The real Slack adapter (Bolt, HTTP receiver on a free port) for a test, with its config. */
export function slackTestAdapter(
  api: FakeSlackApi,
  o: { token: string; secret: string; redis: Redis; prefix: string; rate?: { burst: number; perSecond: number } },
): { slack: SlackAdapter; slackConfig: ReturnType<typeof slackTestConfig> } {
  const slackConfig = slackTestConfig(api);
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const slack = new SlackAdapter({
    config: slackConfig,
    botToken: o.token,
    signingSecret: o.secret,
    redis: o.redis,
    prefix: o.prefix,
    log,
    ...(o.rate ? { rate: o.rate } : {}),
  });
  return { slack, slackConfig };
}
