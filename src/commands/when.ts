// The time words at the end of a scheduled change (`deploy production at 14:00 UTC`, `in 2h`,
// `tomorrow 09:30 UTC`): found by the parser, read by the gateway with its clock. The time forms are
// the maintenance windows' (src/maintenance/when.ts); only the leading `at` is this grammar's.
import { UsageError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';
import { formatDuration } from '../maintenance/duration.js';
import { parseStartText, utc } from '../maintenance/when.js';

/** Words that begin the time of a scheduled change. */
const STARTS = new Set(['at', 'in', 'tomorrow', 'today', 'tonight']);
/** `at` + the longest form (`tomorrow at 09:30 UTC`). */
const MAX_WORDS = 6;

/** The job kind of a request to schedule a change (the job history shows `schedule superset production`); the change itself keeps its verb. */
export const SCHEDULE_KIND = 'schedule';

export const SCHEDULE_HELP = 'say at 14:00 UTC, in 2h, tomorrow 09:30 UTC or at 2026-12-01T14:00Z';
export const MAX_AHEAD_MS = 30 * 86400_000;

const options = (w: string): boolean => w.startsWith('--');

/**
 * Splits the trailing time words off a command's words. Options (`--during-maintenance`) may sit among
 * them and stay with the words. The earliest start that reads as a time wins (`tomorrow at 09:30 UTC`);
 * when none reads, the earliest start word is taken anyway, so the asker hears that the time was not
 * understood rather than that the verb does not take those words.
 */
export function splitSchedule(words: string[]): { words: string[]; schedule?: string } {
  let fallback: number | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.toLowerCase();
    // only these words start a time (`at 2026-12-01T14:00Z` for a date): image versions look like dates (2026-02-16-150514)
    if (!STARTS.has(w)) continue;
    const tail = words.slice(i).filter((x) => !options(x));
    if (tail.length > MAX_WORDS) continue;
    const text = tail.join(' ');
    const kept = [...words.slice(0, i), ...words.slice(i).filter(options)];
    if (typeof parseStartText(withoutAt(text), Date.now()) === 'number') return { words: kept, schedule: text };
    fallback ??= i;
  }
  if (fallback === undefined) return { words };
  const tail = words.slice(fallback);
  return { words: [...words.slice(0, fallback), ...tail.filter(options)], schedule: tail.filter((x) => !options(x)).join(' ') };
}

function withoutAt(text: string): string {
  return text.replace(/^at\s+/i, '');
}

/** The time of a scheduled change, or one clear line: not understood, vague, in the past, too far ahead. */
export function resolveSchedule(text: string, now: number, maxAheadMs = MAX_AHEAD_MS): number {
  const at = parseStartText(withoutAt(text), now);
  if (at === undefined) throw new UsageError(`time "${quoteBack(text, 60)}" not understood: ${SCHEDULE_HELP}`);
  if (typeof at !== 'number') throw new UsageError(`time "${quoteBack(text, 60)}" needs a time of day, e.g. tomorrow 09:30 UTC`);
  if (at <= now) {
    throw new UsageError(`${utc(at, now)} is in the past (it is ${utc(now, now)} now): give a later time, or leave the time out to do it now`);
  }
  if (at - now > maxAheadMs) throw new UsageError(`${utc(at, now)} is more than ${formatDuration(maxAheadMs)} ahead: schedule changes at most that far`);
  return at;
}
