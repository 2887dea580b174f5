import { humanDuration, shortAge } from '../core/time.js';

/** Wall-clock time people can compare across time zones: 14:02 UTC (date added when not today). */
export function clock(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const hm = d.toISOString().slice(11, 16);
  return d.toISOString().slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? `${hm} UTC` : `${d.toISOString().slice(0, 10)} ${hm} UTC`;
}

export function ago(since: number, now = Date.now()): string {
  return shortAge(Math.max(0, now - since));
}

export { humanDuration };
