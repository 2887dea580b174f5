// IRC channel topics the bot changes for a while (the maintenance suffix) and puts back after. What to
// put back is kept in Redis, under the deployment's key prefix, so a restarted gateway still restores it:
//   <prefix>:irc:topic:<channel, lower-cased>:<key>   {"before": …, "set": …} (kept 30 days)
import type { Redis } from 'ioredis';
import { oneLine } from '../core/sanitize.js';

export interface SavedTopic {
  /** The topic the bot replaced. */
  before: string;
  /** The topic the bot set, as the server echoed it: restore only while the channel still shows it. */
  set: string;
}

const KEEP_MS = 30 * 86400_000;
const SEP = ' | ';
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** At most `max` UTF-8 bytes, cut between code points, with … when cut. */
export function cutBytes(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  let out = '';
  for (const ch of text) {
    if (bytes(out + ch) + 3 > max) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * "<before> | <suffix>" within `maxBytes` (the server's TOPICLEN): the suffix is sanitised to one line;
 * when it all does not fit, the old topic is shortened first (it comes back whole at the end), then the suffix.
 */
export function suffixedTopic(before: string, suffix: string, maxBytes: number): string {
  const s = cutBytes(oneLine(suffix).trim(), maxBytes);
  if (!before.trim()) return s;
  const room = maxBytes - bytes(SEP) - bytes(s);
  if (room < 8) return s;
  return `${cutBytes(before, room)}${SEP}${s}`;
}

/** Saved topics: in Redis when given one, else in this process only. */
export class TopicMemory {
  private readonly local = new Map<string, SavedTopic>();

  constructor(
    private readonly redis?: Redis,
    private readonly prefix = 'deckhand',
  ) {}

  private key(channel: string, key: string): string {
    return [this.prefix, 'irc', 'topic', channel, key].join(':');
  }

  async get(channel: string, key: string): Promise<SavedTopic | undefined> {
    const k = this.key(channel, key);
    if (!this.redis) return this.local.get(k);
    const raw = await this.redis.get(k);
    return raw ? (JSON.parse(raw) as SavedTopic) : undefined;
  }

  async save(channel: string, key: string, saved: SavedTopic): Promise<void> {
    const k = this.key(channel, key);
    if (!this.redis) this.local.set(k, saved);
    else await this.redis.set(k, JSON.stringify(saved), 'PX', KEEP_MS);
  }

  async drop(channel: string, key: string): Promise<void> {
    const k = this.key(channel, key);
    if (!this.redis) this.local.delete(k);
    else await this.redis.del(k);
  }
}
