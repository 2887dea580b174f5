import type { ChatMessage } from '../core/types.js';

/**
 * A per-user command rate limit: at most `perMinute` commands in any 60 s. The first command over
 * the limit gets one line ("slow down: 10 commands a minute; try again in 20s"); the ones after it,
 * until the user may run commands again, get nothing, so a burst costs one line, not thirty.
 */
export class CommandRateLimit {
  private readonly users = new Map<string, { times: number[]; told: boolean }>();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 60_000,
  ) {}

  /**
   * Count a command by `who`. Undefined: go ahead. Otherwise it is refused, with `reply` the one line
   * to answer (absent when the user was already told).
   */
  take(who: string): { reply?: string } | undefined {
    if (!(this.perMinute > 0)) return undefined;
    const t = this.now();
    let u = this.users.get(who);
    if (!u) this.users.set(who, (u = { times: [], told: false }));
    while (u.times.length && t - u.times[0]! >= this.windowMs) u.times.shift();
    if (u.times.length < this.perMinute) {
      u.times.push(t);
      u.told = false;
      if (this.users.size > 10_000) this.prune(t);
      return undefined;
    }
    if (u.told) return {};
    u.told = true;
    const waitS = Math.max(1, Math.ceil((u.times[0]! + this.windowMs - t) / 1000));
    return { reply: `slow down: ${this.perMinute} command${this.perMinute === 1 ? '' : 's'} a minute; try again in ${waitS}s` };
  }

  private prune(t: number): void {
    for (const [k, u] of this.users) if (!u.times.length || t - u.times.at(-1)! >= this.windowMs) this.users.delete(k);
  }
}

/** Who a message counts against: the network account where there is one, else the nick. */
export function rateLimitKey(msg: Pick<ChatMessage, 'network' | 'sender'>): string {
  return msg.sender.account ? `${msg.network} account ${msg.sender.account}` : `${msg.network} nick ${msg.sender.nick.toLowerCase()}`;
}

const limits = new WeakMap<object, CommandRateLimit>();

/**
 * The gateway's hook: one limit per configuration (so per gateway process). Undefined: go ahead;
 * `{reply}`: answer that one line and stop; `{}`: stop without a word.
 *
 *   const limited = checkRateLimit(this.o.config, msg);
 *   if (limited) return limited.reply ? await answer([limited.reply], true) : undefined;
 */
export function checkRateLimit(config: { rateLimit?: { perMinute: number } }, msg: Pick<ChatMessage, 'network' | 'sender'>): { reply?: string } | undefined {
  const perMinute = config.rateLimit?.perMinute ?? DEFAULT_PER_MINUTE;
  let l = limits.get(config);
  if (!l || l.perMinute !== perMinute) limits.set(config, (l = new CommandRateLimit(perMinute)));
  return l.take(rateLimitKey(msg));
}

export const DEFAULT_PER_MINUTE = 10;
