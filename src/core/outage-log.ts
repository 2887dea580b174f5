// A BullMQ worker emits 'error' for every failed reconnect while Redis is away: dozens a second from
// each worker. One warning when an outage starts, and one a minute with a count while it lasts, tell
// the person reading the log as much; errors that are not Redis being unreachable are logged each time.
// (BullMQ does not pass a reconnect on to its Worker, so an outage counts as over after a quiet spell.)
import type { Logger } from './log.js';
import { isRedisUnreachable } from './redis.js';

/** How often, at most, an outage that goes on is mentioned again. */
const REPEAT_MS = 60_000;
/** No error for this long: the next one is a new outage. */
const QUIET_MS = 30_000;

export function errorLogger(log: Logger, what: string, fields: Record<string, unknown> = {}, now: () => number = Date.now): (err: unknown) => void {
  let since = -Infinity;
  let last = -Infinity;
  let told = 0;
  let quiet = 0;
  return (err) => {
    if (!isRedisUnreachable(err)) return log.error({ ...fields, err }, what);
    const t = now();
    const error = err instanceof Error ? err.message : String(err);
    if (t - last > QUIET_MS) {
      since = told = t;
      quiet = 0;
      log.warn({ ...fields, error }, `${what}: Redis unreachable, retrying`);
    } else if (t - told >= REPEAT_MS) {
      log.warn({ ...fields, error, downMs: t - since, errors: quiet }, `${what}: Redis still unreachable, retrying`);
      told = t;
      quiet = 0;
    } else quiet++;
    last = t;
  };
}
