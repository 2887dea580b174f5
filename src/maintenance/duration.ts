// Durations as people type them in chat (30m, 2h, 1h30m, 1d, or ISO 8601 PT30M) and as they read them
// ("2h 5m", "in 2h 5m", "12m ago").
import { luxon } from '../core/luxon.js';

const SHORT = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?(?:(\d+)s)?$/i;

/** Milliseconds, or undefined when the text is not a duration. `0m` is a duration (of 0). */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const m = SHORT.exec(t);
  if (m && (m[1] ?? m[2] ?? m[3] ?? m[4]) !== undefined) {
    const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0)) as [number, number, number, number];
    return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
  }
  if (/^P/i.test(t)) {
    const iso = luxon().Duration.fromISO(t.toUpperCase());
    if (iso.isValid) return iso.as('milliseconds');
  }
  return undefined;
}

/** `2h 5m`, `30m`, `1d 2h`, `45s`: at most two units; past a minute, to the nearest minute (days drop the minutes). */
export function formatDuration(ms: number): string {
  const total = Math.round(Math.abs(ms) / 1000);
  if (total < 60) return `${total}s`;
  const mins = Math.round(total / 60);
  const d = Math.floor(mins / 1440);
  const h = Math.floor((mins % 1440) / 60);
  const m = mins % 60;
  if (d) return h ? `${d}d ${h}h` : `${d}d`;
  if (h) return m ? `${h}h ${m}m` : `${h}h`;
  return `${m}m`;
}

/** How far `at` is from `now`, as the asker reads it: `in 2h 5m`, `12m ago`, `now`. */
export function relative(at: number, now: number): string {
  const diff = at - now;
  if (Math.abs(diff) < 30_000) return 'now';
  return diff > 0 ? `in ${formatDuration(diff)}` : `${formatDuration(diff)} ago`;
}
