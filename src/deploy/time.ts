import { humanDuration, shortAge } from '../core/time.js';
import { utc } from '../maintenance/when.js';

/** Wall-clock time people can compare across time zones: 14:02 UTC (date added when not today). */
export function clock(ms: number, now = Date.now()): string {
  return utc(ms, now);
}

export function ago(since: number, now = Date.now()): string {
  return shortAge(Math.max(0, now - since));
}

export { humanDuration };
