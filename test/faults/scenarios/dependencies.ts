// Fault case 7: what the bot depends on goes away, one at a time, and comes back. Each time a user
// asks something that needs it and gets one clear line (not "internal error", nothing partial), the
// bot keeps running, and once the dependency is back the same request works.
//   kubeDown      the fake Kubernetes API stops listening (connection refused), then listens again
//   kubeSlow      the API takes the request and does not answer (a server answering after 30 s,
//                 past kubernetes.timeoutMs)
//   redisDown     the bot's own Redis (AOF) is stopped for 10 s
//   gitRemoteDown the deployment-charts remote is unreachable during a flag edit (it fetches and pushes)
//   slack5xx      the Slack Web API answers 500 to chat.postMessage for a while
// LDAP down is test/permissions.e2e.test.ts and test/directory-outage.test.ts; a Redis outage around a
// running job and Slack's side of it is test/redis-outage.e2e.test.ts.
import { renameSync } from 'node:fs';
import { Redis } from 'ioredis';
import { QUEUE_UNREACHABLE } from '../../../src/core/redis.js';
import type { DirectoryLookup } from '../../../src/auth/access.js';
import { KubeClient, kubeConfigForUrl } from '../../../src/kube/client.js';
import { configContexts } from '../../../src/kube/contexts.js';
import { sandboxCluster } from '../../../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../../../src/sandbox/kube-api.js';
import { exampleConfig } from '../../support/config.js';
import { REQUEST_CHANNEL, startDeployHarness, type Harness } from '../../support/deploy-harness.js';
import { createDeploymentCharts } from '../../support/deployment-charts.js';
import { freshPrefix } from '../../support/redis.js';
import { startFakeSlackApi } from '../../support/slack-api.js';
import { slackTestAdapter } from '../../support/slack-bot.js';
import { postSigned, slashCommandBody } from '../../support/slack-sign.js';
import { startStack } from '../../support/stack.js';
import { sleep, until } from './common.js';
import { startOwnRedis } from './own-redis.js';

export interface Outage {
  /** What the user was told while it was down (the asker's line). */
  line: string;
  /** Ask → that line. */
  lineMs: number;
  /** Lines the request gave while it was down (1 = one clear line). */
  lines: number;
  /** The same request answered normally once it was back. */
  recovered: boolean;
}

export interface DependencyFigures {
  kubeDown: Outage;
  kubeSlow: Outage & { timeoutMs: number };
  redisDown: Outage & { downMs: number; recoveredMs: number; ranLater: boolean };
  gitRemoteDown: Outage & { deployed: boolean; checkoutClean: boolean };
}

const STATUS_OK = /^alice: superset production: \d+\/\d+ ready/;

/** `text` said by alice: her first line, and every line to her until `done` matches one (without `done`: for a moment after the first). */
async function ask(h: Harness, text: string, done?: RegExp, timeoutMs = 15_000): Promise<{ first: string; ms: number; lines: string[] }> {
  const from = h.chat.sent.length;
  const at = Date.now();
  h.chat.say('alice', text);
  const first = await h.chat.waitFor((s) => s.target === REQUEST_CHANNEL && s.line.startsWith('alice: '), timeoutMs, from);
  const ms = first.at - at;
  if (done) await h.chat.waitFor((s) => done.test(s.line), timeoutMs, from).catch(() => undefined);
  await sleep(done ? 300 : 1000);
  return {
    first: first.line,
    ms,
    lines: h.chat.sent
      .slice(from)
      .filter((s) => s.target === REQUEST_CHANNEL && s.line.startsWith('alice: '))
      .map((s) => s.line),
  };
}

export async function dependenciesScenario(o: { kubeTimeoutMs?: number; redisDownMs?: number } = {}): Promise<DependencyFigures> {
  const kubeTimeoutMs = o.kubeTimeoutMs ?? 1000;
  const redisDownMs = o.redisDownMs ?? 10_000;
  const redis = await startOwnRedis();
  const dc = createDeploymentCharts();
  let api: FakeKubeApi = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
  const port = Number(new URL(api.url).port);
  const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(exampleConfig())), { timeoutMs: kubeTimeoutMs });
  let h: Harness | undefined;
  try {
    h = await startDeployHarness({
      kube,
      monitor: false,
      repo: { dir: dc.checkout, git: (...args: string[]) => dc.git(dc.checkout, ...args), cleanup: () => {} },
      config: {
        redis: { url: redis.url, prefix: freshPrefix('fault-deps') },
        deploymentCharts: { checkout: dc.checkout, push: 'direct', gitTimeoutSeconds: 5, committer: { name: 'Deckhand', email: 'deckhand@wikimedia.org' } },
      },
    });
    const status = '!superset status production';
    const okAgain = async () => STATUS_OK.test((await ask(h!, status)).first);
    if (!(await okAgain())) throw new Error('status does not work to begin with');

    // the Kubernetes API not listening
    await api.close();
    const refused = await ask(h, status);
    api = await startFakeKubeApi({ host: '127.0.0.1', port, seed: sandboxCluster() });
    const kubeDown: Outage = { line: refused.first, lineMs: refused.ms, lines: refused.lines.length, recovered: await okAgain() };

    // the Kubernetes API taking the request and not answering (answering after 30 s is the same to a client with a shorter timeout)
    api.hangNext(/\/namespaces\/superset\/pods/, 1);
    const hung = await ask(h, status);
    const kubeSlow = { line: hung.first, lineMs: hung.ms, lines: hung.lines.length, recovered: await okAgain(), timeoutMs: kubeTimeoutMs };

    // Redis stopped for 10 s: asked meanwhile, told at once; nothing of it runs when Redis is back
    await redis.shutdown();
    const downAt = Date.now();
    const during = await ask(h, status);
    await sleep(Math.max(0, redisDownMs - (Date.now() - downAt)));
    await redis.start();
    const backAt = Date.now();
    const downMs = backAt - downAt;
    const backFrom = h.chat.sent.length;
    const recoveredRedis = await until(async () => ((await okAgain()) ? true : undefined), 'status after Redis is back', 20_000, 200).catch(() => false);
    await sleep(1500);
    const answersAfter = h.chat.sent.slice(backFrom).filter((s) => STATUS_OK.test(s.line));
    const statusAnswersAfter = answersAfter.length;
    const redisDown = {
      line: during.first,
      lineMs: during.ms,
      lines: during.lines.length,
      recovered: recoveredRedis,
      downMs,
      /** Redis back → the first status answered (asked again every ~1 s, as a person would). */
      recoveredMs: answersAfter[0] ? answersAfter[0].at - backAt : -1,
      // the refused command did not run once Redis was back: only the asks made after it were answered
      ranLater: statusAnswersAfter > 1,
    };

    // the git remote unreachable during a flag edit
    const hidden = `${dc.remote}.away`;
    renameSync(dc.remote, hidden);
    h.tools.reset();
    const flag = '!superset flag alert_reports on staging';
    const gitDown = await ask(h, flag, /FAILED|cannot|could not|unreachable/i);
    const deployed = h.tools.calls().some((c) => c.sub === 'apply');
    const checkoutClean =
      dc.git(dc.checkout, 'status', '--porcelain') === '' &&
      dc
        .git(dc.checkout, 'worktree', 'list', '--porcelain')
        .split('\n')
        .filter((l) => l.startsWith('worktree ')).length === 1;
    renameSync(hidden, dc.remote);
    const again = await ask(h, flag, /^deployed superset staging|FAILED/, 30_000);
    const gitRemoteDown = {
      line: gitDown.first,
      lineMs: gitDown.ms,
      lines: gitDown.lines.length,
      recovered: again.lines.some((l) => /^alice: enable ALERT_REPORTS for superset staging .*pushed to origin master$/.test(l)),
      deployed,
      checkoutClean,
    };
    return { kubeDown, kubeSlow, redisDown, gitRemoteDown };
  } finally {
    await h?.stop().catch(() => {});
    await api.close().catch(() => {});
    await redis.stop();
    dc.cleanup();
  }
}

export interface SlackOutageFigures {
  /** chat.postMessage answered 500 this many times before it worked. */
  failures: number;
  /** The answer posted once, after the outage, with no other line. */
  posted: number;
  /** Ask → the answer in Slack. */
  answerMs: number;
  /** A command asked after the outage answered. */
  recovered: boolean;
}

/** The Slack Web API answers 500 to `failures` chat.postMessage calls: the answer goes once when it is back. */
export async function slackOutageScenario(o: { failures?: number } = {}): Promise<SlackOutageFigures> {
  const failures = o.failures ?? 6;
  const SECRET = 'faults-signing-secret';
  const TOKEN = 'xoxb-faults-token';
  const ALICE = { id: 'U0ALICE', name: 'alice', email: 'alice@wikimedia.org' };
  const directory: DirectoryLookup = {
    lookup: async (identity) => (identity.network === 'slack' && identity.account === ALICE.id ? { user: 'alice', groups: ['superset-admins'] } : null),
  };
  const api = await startFakeSlackApi({ token: TOKEN, users: [ALICE] });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const prefix = freshPrefix('fault-slack');
  const { slack, slackConfig } = slackTestAdapter(api, { token: TOKEN, secret: SECRET, redis, prefix, rate: { burst: 50, perSecond: 200 } });
  const stack = await startStack({ adapters: [slack], directory, config: { slack: slackConfig } });
  try {
    const slash = async (channel: string) => {
      const body = slashCommandBody({
        command: '/superset',
        text: 'status production',
        user_id: ALICE.id,
        user_name: ALICE.name,
        channel_id: channel,
        response_url: api.responseUrl(),
      });
      const res = await postSigned(slack.eventsUrl!, SECRET, body);
      if (res.status !== 200) throw new Error(`slash command answered ${res.status}`);
    };
    const answered = (channel: string) =>
      api.ok('chat.postMessage').filter((c) => c.args.channel === channel && /superset production: \d+\/\d+ ready/.test(String(c.args.text)));
    api.serverError('chat.postMessage', { times: failures });
    const at = Date.now();
    await slash('C0FAULT1');
    await until(() => answered('C0FAULT1').length > 0 || undefined, 'the answer after the 500s', 60_000, 50);
    const answerMs = Date.now() - at;
    await sleep(2000);
    const failed = api.calls.filter((c) => c.method === 'chat.postMessage' && c.status >= 500).length;
    await slash('C0FAULT2');
    const recovered = await until(() => answered('C0FAULT2').length > 0 || undefined, 'an answer after the outage', 15_000, 50).catch(() => false);
    return { failures: failed, posted: answered('C0FAULT1').length, answerMs, recovered: recovered === true };
  } finally {
    await stack.stop();
    await slack.stop().catch(() => {});
    redis.disconnect();
    await api.close();
  }
}

export const QUEUE_LINE = `alice: ${QUEUE_UNREACHABLE}`;
