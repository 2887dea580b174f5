// Maintenance windows in Redis, under the deployment's key prefix and one hash tag ({maint}: Redis Cluster keeps them in one slot):
//   <prefix>:{maint}:seq            INCR → window ids (#1, #2, …: short enough to type in chat)
//   <prefix>:{maint}:window:<id>    the window as JSON (kept 30 days after its end)
//   <prefix>:{maint}:windows        ZSET id → end, of windows not cancelled (list, active)
//   <prefix>:{maint}:same:<digest>  a re-sent create (same service, times and reason) finds its window
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { areaKey, type RedisScope } from '../core/scope.js';

export interface WindowAuthor {
  nick: string;
  network: string;
  /** Directory user, when known. */
  user?: string;
}

export interface MaintenanceWindow {
  id: number;
  service: string;
  /** Only this environment; absent = every environment of the service. */
  environment?: string;
  start: number;
  end: number;
  reason: string;
  who: WindowAuthor;
  createdAt: number;
  state: 'scheduled' | 'cancelled';
  cancelledBy?: string;
  cancelledAt?: number;
  /** How many times the end was moved (names the end announcement's job). */
  extensions: number;
}

const KEEP_MS = 30 * 86400_000;

export function windowLabel(w: Pick<MaintenanceWindow, 'service' | 'environment'>): string {
  return w.environment ? `${w.service} ${w.environment}` : w.service;
}

/** The author as people know them: the directory user, else the nick. */
export function authorName(who: WindowAuthor): string {
  return who.user ?? who.nick;
}

export class MaintenanceStore {
  readonly redis: Redis;
  readonly prefix: string;

  constructor(scope: RedisScope) {
    this.redis = scope.connection;
    this.prefix = scope.prefix;
  }

  private key(...parts: (string | number)[]): string {
    // one hash tag: a window and the index of windows are written in one MULTI
    return [areaKey(this.prefix, 'maint'), ...parts].join(':');
  }

  /** A new window, or the one a re-sent identical command created (`created: false`). */
  async create(w: Omit<MaintenanceWindow, 'id' | 'state' | 'extensions'>): Promise<{ window: MaintenanceWindow; created: boolean }> {
    const digest = createHash('sha256')
      .update(JSON.stringify([w.service, w.environment ?? '', w.start, w.end, w.reason]))
      .digest('hex')
      .slice(0, 24);
    const sameKey = this.key('same', digest);
    const findSame = async (): Promise<MaintenanceWindow | undefined> => {
      const raw = await this.redis.get(sameKey);
      const found = raw ? await this.get(Number(raw)) : undefined;
      return found?.state === 'scheduled' ? found : undefined;
    };
    const before = await findSame();
    if (before) return { window: before, created: false };
    const id = await this.redis.incr(this.key('seq'));
    // two identical commands at once: the first SET wins, the other finds its window
    if ((await this.redis.set(sameKey, String(id), 'PXAT', w.end + KEEP_MS, 'NX')) !== 'OK') {
      for (let i = 0; i < 10; i++) {
        const other = await findSame(); // the winner saves its window right after its SET
        if (other) return { window: other, created: false };
        await new Promise((r) => setTimeout(r, 20));
      }
      await this.redis.set(sameKey, String(id), 'PXAT', w.end + KEEP_MS);
    }
    const window: MaintenanceWindow = { ...w, id, state: 'scheduled', extensions: 0 };
    await this.save(window);
    return { window, created: true };
  }

  async get(id: number): Promise<MaintenanceWindow | undefined> {
    if (!Number.isSafeInteger(id) || id <= 0) return undefined;
    const raw = await this.redis.get(this.key('window', id));
    return raw ? (JSON.parse(raw) as MaintenanceWindow) : undefined;
  }

  private async save(w: MaintenanceWindow): Promise<void> {
    const multi = this.redis.multi().set(this.key('window', w.id), JSON.stringify(w), 'PXAT', Math.max(w.end, w.cancelledAt ?? 0) + KEEP_MS);
    if (w.state === 'scheduled') multi.zadd(this.key('windows'), w.end, String(w.id));
    else multi.zrem(this.key('windows'), String(w.id));
    await multi.exec();
  }

  /** Windows not cancelled whose end is after `now` (running or to come), earliest start first. */
  async upcoming(now: number, service?: string): Promise<MaintenanceWindow[]> {
    // forget windows long over
    await this.redis.zremrangebyscore(this.key('windows'), '-inf', now - KEEP_MS);
    const ids = await this.redis.zrangebyscore(this.key('windows'), `(${now}`, '+inf');
    const windows = (await Promise.all(ids.map((id) => this.get(Number(id))))).filter((w): w is MaintenanceWindow => !!w && w.state === 'scheduled');
    return windows.filter((w) => !service || w.service === service).sort((a, b) => a.start - b.start || a.id - b.id);
  }

  /** The window covering `now` for this service (and environment, when the window names one). */
  async active(service: string, now: number, environment?: string): Promise<MaintenanceWindow | undefined> {
    const windows = await this.upcoming(now, service);
    return windows.find((w) => w.start <= now && now < w.end && (!w.environment || !environment || w.environment === environment));
  }

  async cancel(id: number, by: string, now: number): Promise<MaintenanceWindow | undefined> {
    const w = await this.get(id);
    if (!w) return undefined;
    const cancelled: MaintenanceWindow = { ...w, state: 'cancelled', cancelledBy: by, cancelledAt: now };
    await this.save(cancelled);
    return cancelled;
  }

  async extend(id: number, end: number): Promise<MaintenanceWindow | undefined> {
    const w = await this.get(id);
    if (!w) return undefined;
    const extended: MaintenanceWindow = { ...w, end, extensions: w.extensions + 1 };
    await this.save(extended);
    return extended;
  }

  /** At-least-once announcements: a step is posted unless this marker says it was. */
  async wasSent(id: number, step: string): Promise<boolean> {
    return (await this.redis.exists(this.key('sent', id, step))) === 1;
  }

  async markSent(id: number, step: string, until: number): Promise<void> {
    await this.redis.set(this.key('sent', id, step), '1', 'PXAT', until + KEEP_MS);
  }
}
