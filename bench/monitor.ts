// Issue 6 figure: downtimeDetectMs — from the fake Kubernetes API's watch event that makes a service
// unhealthy (its pods into CrashLoopBackOff) to the [DOWN] line received by a real IRC client, through
// the whole bot (watch → monitor → outbox on Redis → gateway → ircd), hysteresis set to 0.
import { pino } from 'pino';
import { startApp } from '../src/app.js';
import { IrcAdapter } from '../src/bot/irc.js';
import { KubeClient, kubeConfigForUrl } from '../src/kube/client.js';
import { configContexts } from '../src/kube/contexts.js';
import { makeDeployment, makePod, SUPERSET_IMAGE, SUPERSET_NEXT_IMAGE } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi } from '../src/sandbox/kube-api.js';
import { exampleConfig } from '../test/support/config.js';
import { connectClient, startIrcd } from '../test/support/ircd.js';
import { dropPrefix, freshPrefix, REDIS_URL } from '../test/support/redis.js';
import { ms, percentile, round } from './stats.js';

const CHANNEL = '#bench-monitor';

function env(namespace: string, release: string, image: string, count: number, crash: boolean) {
  const name = `superset-${release}`;
  const labels = { app: 'superset', release };
  const pods = Array.from({ length: count }, (_, i) =>
    makePod({ namespace, labels, image, deployment: name, seed: i, ...(crash ? { waiting: 'CrashLoopBackOff' as const } : {}) }),
  );
  return { pods, deployment: makeDeployment({ namespace, name, labels, image, replicas: count }) };
}

export async function benchMonitor(n = 30): Promise<Record<string, unknown>> {
  const prod = env('superset', 'production', SUPERSET_IMAGE, 4, false);
  const stg = env('superset-next', 'staging', SUPERSET_NEXT_IMAGE, 2, false);
  const [ircd, api] = await Promise.all([
    startIrcd(),
    startFakeKubeApi({ host: '127.0.0.1', port: 0, seed: { pods: [...prod.pods, ...stg.pods], deployments: [prod.deployment, stg.deployment], events: [] } }),
  ]);
  const prefix = freshPrefix('bench-monitor');
  const base = exampleConfig();
  const config = exampleConfig({
    redis: { url: REDIS_URL, prefix },
    irc: { host: ircd.host, port: ircd.port, tls: false, nick: 'deckhand', channels: [CHANNEL], rate: { burst: 1000, perSecond: 10000 } },
    services: { superset: { ...base.services.superset!, announce: { irc: [CHANNEL], slack: [] } } },
    rollouts: {},
    monitor: { enabled: true, downAfterSeconds: 0, upAfterSeconds: 0, resyncSeconds: 300, pollSeconds: 5, leaseSeconds: 15, expected: 'announce' },
  });
  const log = pino({ level: 'silent' });
  const kube = new KubeClient(kubeConfigForUrl(api.url, configContexts(config)), { timeoutMs: 5000 });
  const app = await startApp({ config, role: 'all', log, adapters: [new IrcAdapter({ config: config.irc!, log })], kube, prefix });
  const user = await connectClient(ircd, { nick: 'watcher' });
  try {
    await user.join(CHANNEL);
    for (let i = 0; i < 100 && !app.monitor?.isLeader; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300)); // watches established

    const line = (prefixText: string) =>
      new Promise<void>((resolve) => {
        const on = (e: { message: string }) => {
          if (e.message.startsWith(prefixText)) {
            user.client.off('privmsg', on);
            resolve();
          }
        };
        user.client.on('privmsg', on);
      });
    const samples: number[] = [];
    const warm = 3;
    for (let i = 0; i < n + warm; i++) {
      const down = line('[DOWN] superset production');
      const start = process.hrtime.bigint();
      api.setPods('superset', env('superset', 'production', SUPERSET_IMAGE, 4, true).pods);
      await down;
      if (i >= warm) samples.push(ms(start));
      const up = line('[RECOVERED] superset production');
      api.setPods('superset', prod.pods);
      await up;
    }
    return {
      downtimeDetectMs: {
        n,
        p50Ms: round(percentile(samples, 50)),
        p99Ms: round(percentile(samples, 99)),
        goal: 'p50 <= 2000 ms (aim 500 with watch)',
        note: 'in-process bot (all role), monitor thresholds 0 s; watch event on the fake API → [DOWN] line at a real IRC client; 3 warm-up rounds dropped',
      },
    };
  } finally {
    await user.quit();
    await app.stop();
    await Promise.all([ircd.stop(), api.close()]);
    await dropPrefix(prefix);
  }
}
