/**
 * A Deckhand gateway in a process of its own (IRC with SASL, leader election from the config), so a test
 * can kill it with SIGKILL. Started by spawnGateway() (spawn-gateway.ts) like worker-child.ts.
 * Prints "ready" once started and "leader" when it becomes the leader.
 */
import { pino } from 'pino';
import { startApp } from '../../src/app.js';
import { IrcAdapter } from '../../src/bot/irc.js';
import { parseConfig } from '../../src/config/load.js';
import { createRedis } from '../../src/core/redis.js';
import { StaticDirectory } from './static-directory.js';
import { verbsWithSlow } from './slow-verb.js';

interface Spec {
  prefix: string;
  config: unknown;
  password?: string;
}

const spec = JSON.parse(process.env.DECKHAND_TEST_GATEWAY ?? '{}') as Spec;
const config = parseConfig(spec.config);
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const redis = createRedis(config.redis);
const irc = new IrcAdapter({ config: config.irc!, ...(spec.password ? { password: spec.password } : {}), log, redis, prefix: spec.prefix });
const app = await startApp({
  config,
  role: 'gateway',
  log,
  adapters: [irc],
  redis,
  directory: new StaticDirectory(),
  verbs: verbsWithSlow,
  prefix: spec.prefix,
});
process.stdout.write('ready\n');
const watch = setInterval(() => {
  if (app.leader?.isLeader && irc.connected) {
    process.stdout.write('leader\n');
    clearInterval(watch);
  }
}, 50);
process.once('SIGTERM', () => void app.stop().then(() => process.exit(0)));
