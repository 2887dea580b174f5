// Fault case 3: the IRC server restarts. The bot (SASL account `deckhand`) reaches InspIRCd through a TCP
// gate, so the observers are back in the channel before the bot may be: "the ircd is back" for the bot is
// the moment the gate opens. Replies whose jobs finish during the outage wait in the outbox; a second real
// client counts each once. The reconnect back-off is capped at `maxReconnectMs` (config irc.reconnect.maxMs),
// and the outage is longer than it takes the back-off to reach that cap.
import { Queue } from 'bullmq';
import { startApp } from '../../../src/app.js';
import { IrcAdapter } from '../../../src/bot/irc.js';
import { bullPrefix } from '../../../src/core/scope.js';
import { COMMAND_QUEUE } from '../../../src/jobs/queues.js';
import { KubeClient, kubeConfigForUrl } from '../../../src/kube/client.js';
import { configContexts } from '../../../src/kube/contexts.js';
import { sandboxCluster } from '../../../src/sandbox/fixtures.js';
import { startFakeKubeApi } from '../../../src/sandbox/kube-api.js';
import { exampleConfig } from '../../support/config.js';
import { waitForCount, waitInChannel } from '../../support/irc-observe.js';
import { connectClient, registerAccount, startIrcd, type Received } from '../../support/ircd.js';
import { dropPrefix, freshPrefix, REDIS_URL } from '../../support/redis.js';
import { verbsWithSlow } from '../../support/slow-verb.js';
import { StaticDirectory } from '../../support/static-directory.js';
import { startTcpGate } from '../../support/tcp-gate.js';
import { duplicatesIn, quietLog, sleep, until } from './common.js';

const CHANNEL = '#analytics';
const BOT_PASSWORD = 'deckhand-irc-secret';

export interface IrcRestartFigures {
  outageMs: number;
  /** Gate open (the ircd reachable again) → the bot's JOIN seen by a second client. */
  rejoinMs: number;
  /** The bot's JOIN after the restart carried its services account (extended-join): SASL done again. */
  saslAccount: string | undefined;
  /** Replies whose jobs finished while the ircd was down. */
  queued: number;
  delivered: number;
  duplicates: number;
  /** Rejoin → the last of the queued replies. */
  queuedDeliveredMs: number;
  /** A command asked after the rejoin answered, its line tagged with the bot's account. */
  answersAfter: boolean;
  maxReconnectMs: number;
}

export async function ircRestartScenario(o: { queued?: number; outageMs?: number; maxReconnectMs?: number } = {}): Promise<IrcRestartFigures> {
  const queued = o.queued ?? 5;
  const maxReconnectMs = o.maxReconnectMs ?? 8000;
  const outageMs = o.outageMs ?? 12_000;
  const prefix = freshPrefix('fault-irc');
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    const ircd = await startIrcd();
    cleanup.unshift(() => ircd.stop());
    await Promise.all([registerAccount(ircd, 'deckhand', BOT_PASSWORD), registerAccount(ircd, 'alice', 'alice-secret')]);
    const api = await startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: sandboxCluster() });
    cleanup.unshift(() => api.close());
    const gate = await startTcpGate(ircd);
    cleanup.unshift(() => gate.close());
    const base = exampleConfig();
    const config = exampleConfig({
      redis: { url: REDIS_URL, prefix },
      irc: {
        host: '127.0.0.1',
        port: gate.port,
        tls: false,
        nick: 'deckhand',
        channels: [CHANNEL],
        sasl: { account: 'deckhand', passwordEnv: 'IRC_PASSWORD' },
        rate: { burst: 50, perSecond: 200 },
        reconnect: { minMs: 1000, maxMs: maxReconnectMs },
      },
      monitor: { enabled: false },
      services: { superset: { ...base.services.superset!, announce: { irc: [CHANNEL] } } },
      rollouts: {},
    });
    const log = quietLog();
    const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(config)), { timeoutMs: 3000 });
    const irc = new IrcAdapter({ config: config.irc!, password: BOT_PASSWORD, log });
    const [app, alice, watcher] = await Promise.all([
      startApp({ config, role: 'all', log, adapters: [irc], kube, directory: new StaticDirectory(), verbs: verbsWithSlow, prefix, monitor: false }),
      connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret' } }),
      connectClient(ircd, { nick: 'watcher' }),
    ]);
    cleanup.unshift(() => dropPrefix(prefix));
    cleanup.unshift(() => app.stop());
    await Promise.all([alice.join(CHANNEL), watcher.join(CHANNEL)]);
    const fromBot = (m: Received) => m.from === 'deckhand' && m.target === CHANNEL;
    // the app is up once registered; its JOIN may still be on the way, and a line said before it is lost
    await waitInChannel(watcher, CHANNEL, 'deckhand', 10_000);
    alice.say(CHANNEL, '!superset slow 0 warm');
    await watcher.waitFor((m) => fromBot(m) && m.text === 'alice: warm done', 15_000);

    // commands the bot has taken, whose answers come while the ircd is down
    const tags = Array.from({ length: queued }, (_, i) => `q${i + 1}`);
    for (const t of tags) alice.say(CHANNEL, `!superset slow 1500 ${t}`);
    const commands = new Queue(COMMAND_QUEUE, { connection: app.redis, prefix: bullPrefix(prefix, COMMAND_QUEUE) });
    cleanup.unshift(() => commands.close());
    const tagsIn = async (states: ('active' | 'wait' | 'completed')[]) =>
      new Set((await commands.getJobs(states)).map((j) => (j.data as { args?: { tag?: string } }).args?.tag));
    const have = (states: ('active' | 'wait' | 'completed')[]) => async () => {
      const s = await tagsIn(states);
      return tags.every((t) => s.has(t));
    };
    await until(have(['active', 'wait', 'completed']), 'the commands to be queued');
    gate.open = false;
    const downAt = Date.now();
    await ircd.down();
    // every answer is written while the ircd is away
    await until(have(['completed']), 'the jobs to finish during the outage', 15_000);
    await sleep(Math.max(0, outageMs - (Date.now() - downAt)));
    await ircd.up();

    // observers first (registration takes ~1 s), then the bot may come back
    const [watcher2, alice2] = await Promise.all([
      connectClient(ircd, { nick: 'watcher2' }),
      connectClient(ircd, { nick: 'alice2', sasl: { account: 'alice', password: 'alice-secret' } }),
    ]);
    let rejoinedAt = 0;
    let saslAccount: string | undefined;
    watcher2.client.on('join', (e: { nick: string; account?: string | false }) => {
      if (e.nick !== 'deckhand' || rejoinedAt) return;
      rejoinedAt = Date.now();
      saslAccount = typeof e.account === 'string' ? e.account : undefined;
    });
    await Promise.all([watcher2.join(CHANNEL), alice2.join(CHANNEL)]);
    const backAt = Date.now();
    gate.open = true;
    const isQueued = (m: Received) => fromBot(m) && /^alice: q\d+ done$/.test(m.text);
    const got = await waitForCount(watcher2, isQueued, queued, 30_000);
    await until(() => rejoinedAt || undefined, 'the bot to rejoin', 5000);
    alice2.say(CHANNEL, '!superset slow 0 back');
    const back = await watcher2.waitFor((m) => fromBot(m) && m.text === 'alice2: back done', 15_000);
    await sleep(1500); // late copies
    const all = watcher2.messages.filter(isQueued).map((m) => m.text);
    return {
      outageMs: backAt - downAt,
      rejoinMs: rejoinedAt - backAt,
      saslAccount,
      queued,
      delivered: new Set(all.filter((t) => tags.some((tag) => t === `alice: ${tag} done`))).size,
      duplicates: duplicatesIn(all),
      queuedDeliveredMs: Math.max(...got.map((m) => m.time)) - rejoinedAt,
      answersAfter: back.account === 'deckhand',
      maxReconnectMs,
    };
  } finally {
    for (const c of cleanup) await c().catch(() => {});
  }
}
