// Start times as typed in chat: ISO 8601, `now`, and natural forms (`14:00 UTC`, `tomorrow 09:30 UTC`,
// `in 2h`) read by chrono-node. A time without a zone is UTC. Shown back always in UTC.
import type * as Chrono from 'chrono-node/en';
import { luxon } from '../core/luxon.js';
import { onFirstUse } from '../core/on-first-use.js';
import { createRequire } from 'node:module';

// chrono-node is loaded the first time a time in words is read, not at start (alone it costs ~4 MB
// here; within a whole gateway too little to tell from noise), and English only: the whole package
// loads every locale (~8 MB more). require() keeps parsing synchronous, as verbs' parse is.
const chrono = onFirstUse(() => createRequire(import.meta.url)('chrono-node/en') as typeof Chrono);

/** A start read from the first `tokens` words. */
export interface ParsedStart {
  at: number;
  /** How many tokens it took. */
  tokens: number;
}

const MAX_START_TOKENS = 5;

/** One candidate start text → ms, or undefined. Throws nothing. */
export function parseStartText(text: string, now: number): number | { vague: true } | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (/^now$/i.test(t)) return now;
  // ISO 8601 with a date: 2026-12-01T14:00Z, 2026-12-01T14:00:00+02:00, 2026-12-01 (midnight UTC)
  if (/^\d{4}-\d{2}-\d{2}/.test(t) && !/\s/.test(t)) {
    const iso = luxon().DateTime.fromISO(t, { zone: 'utc' });
    return iso.isValid ? iso.toMillis() : undefined;
  }
  const results = chrono().parse(t, { instant: new Date(now), timezone: 'UTC' });
  const r = results[0];
  if (!r || results.length !== 1 || r.index !== 0 || r.text.length !== t.length || r.end) return undefined;
  // "tomorrow" alone (noon by chrono's guess) is too vague for a maintenance window
  if (!r.start.isCertain('hour') && !/^in\s/i.test(t)) return { vague: true };
  return r.start.date().getTime();
}

/**
 * The start at the head of `tokens`, followed by a token `isNext` accepts (the duration): the longest
 * such head wins, so `in 2h 30m DB upgrade` reads as start `in 2h`, duration `30m`.
 */
export function parseStart(tokens: string[], now: number, isNext: (token: string) => boolean): ParsedStart | { vague: string } | undefined {
  let vague: string | undefined;
  for (let k = Math.min(MAX_START_TOKENS, tokens.length - 1); k >= 1; k--) {
    if (!isNext(tokens[k]!)) continue;
    const text = tokens.slice(0, k).join(' ');
    const at = parseStartText(text, now);
    if (typeof at === 'number') return { at, tokens: k };
    if (at && !vague) vague = text;
  }
  return vague ? { vague } : undefined;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const hm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

/** `14:00 UTC` today, else `2026-12-01 14:00 UTC`. */
export function utc(ms: number, now: number): string {
  return dayOf(ms) === dayOf(now) ? `${hm(ms)} UTC` : `${dayOf(ms)} ${hm(ms)} UTC`;
}

/** `14:00–14:30 UTC`, `2026-12-01 14:00–14:30 UTC`, or across days `2026-12-01 23:00 UTC – 2026-12-02 01:00 UTC`. */
export function utcRange(start: number, end: number, now: number): string {
  if (dayOf(start) === dayOf(end)) return `${dayOf(start) === dayOf(now) ? '' : `${dayOf(start)} `}${hm(start)}–${hm(end)} UTC`;
  return `${utc(start, now)} – ${utc(end, now)}`;
}
