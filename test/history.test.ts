// The job history on the real Redis: records, indexes, filters, ordering, limits, the bounded compressed
// log, retention, a 10,000-job history answered without scanning, and the round trip of real status
// and deploy jobs through the whole bot.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bullPrefix } from '../src/core/scope.js';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { ServiceRegistry } from '../src/core/registry.js';
import { jobs } from '../src/handlers/jobs.js';
import type { GatewayContext as HandlerContext } from '../src/handlers/verb.js';
import { buildQuery, jobLine, parseJobArgs } from '../src/history/format.js';
import { scheduleRetention, trimHistory } from '../src/history/retention.js';
import { HistoryStore, type JobStatus } from '../src/history/store.js';
import { exampleConfig } from './support/config.js';
import { jobData, seedHistory } from './support/history.js';
import { CaptureAdapter, startDeployHarness, type Harness } from './support/deploy-harness.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { monitorRedis } from './support/redis-monitor.js';
import { startStack, type Stack } from './support/stack.js';

const config = exampleConfig();
const registry = new ServiceRegistry(config);
let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(() => redis?.disconnect());

const T0 = Date.UTC(2026, 5, 2, 14, 2, 0);
const data = jobData;

async function withStore<T>(f: (s: HistoryStore, prefix: string) => Promise<T>, o = {}): Promise<T> {
  const prefix = freshPrefix('hist');
  try {
    return await f(new HistoryStore({ connection: redis, prefix }, o), prefix);
  } finally {
    await dropPrefix(prefix);
  }
}

describe('store', () => {
  it('records a job through its life, in any order of writes, and finds it by every index', async () => {
    await withStore(async (s) => {
      const d = data({ env: 'staging', user: 'alice', at: T0 });
      // the worker's "running" lands before the gateway's "queued": status does not go back
      await s.started('7', d, { at: T0 + 200, host: 'w1' });
      expect(await s.queued('7', d)).toBe(7);
      expect((await s.get(7))!.status).toBe('running');
      await s.finished('7', d, {
        status: 'succeeded',
        summary: 'deployed superset staging in 1m12s',
        changed: { helmRevision: 'staging=43', commit: 'abc1234def' },
        log: 'line 1\n\u001b[32mline 2\u001b[0m\n',
        at: T0 + 200 + 72_000,
      });
      const r = (await s.get(7))!;
      expect(r).toMatchObject({
        id: 7,
        kind: 'deploy',
        service: 'superset',
        environment: 'staging',
        status: 'succeeded',
        durationMs: 72_000,
        host: 'w1',
        requester: { network: 'irc', nick: 'alice', account: 'alice', user: 'alice' },
        channel: '#analytics',
        changed: { helmRevision: 'staging=43', commit: 'abc1234def' },
        logLines: 2,
        queuedAt: T0,
        startedAt: T0 + 200,
      });
      expect(await s.log(7)).toEqual(['line 1', '\u001b[32mline 2\u001b[0m']);
      expect(jobLine(r, T0 + 3600_000)).toBe('#7 deploy superset staging by alice 14:02 UTC 1m12s succeeded');
      // it left the running index and is in the succeeded one only
      expect(await redis.zscore(s.index.status('running'), '7')).toBeNull();
      expect(await redis.zscore(s.index.status('succeeded'), '7')).toBe(String(T0));
      for (const q of [
        { service: 'superset' },
        { service: 'superset', environment: 'staging' },
        { user: 'ALICE' },
        { kind: 'deploy' },
        { status: 'succeeded' as JobStatus },
        {},
      ]) {
        expect((await s.query({ ...q, limit: 5 })).map((x) => x.id)).toEqual([7]);
      }
    });
  });

  it('filters, orders newest first and limits', async () => {
    await withStore(async (s) => {
      const rows: [string, string, string | undefined, string, JobStatus][] = [
        ['deploy', 'superset', 'staging', 'alice', 'succeeded'],
        ['status', 'superset', undefined, 'bob', 'succeeded'],
        ['deploy', 'superset', 'production', 'alice', 'failed'],
        ['deploy', 'paws', 'production', 'carol', 'succeeded'],
        ['restart', 'superset', 'staging', 'carol', 'cancelled'],
        ['deploy', 'superset', 'staging', 'bob', 'succeeded'],
      ];
      let id = 0;
      for (const [kind, service, env, nick, status] of rows) {
        id++;
        const d = data({ kind, service, ...(env ? { env } : {}), nick, at: T0 + id * 3600_000 });
        await s.queued(String(id), d);
        if (status !== 'cancelled' || id % 2) await s.started(String(id), d, { at: d.queuedAt + 10 });
        await s.finished(String(id), d, { status, summary: `${kind} ${status}`, at: d.queuedAt + 1000 });
      }
      const ids = async (args: string, now = T0 + 7 * 3600_000) =>
        (await s.query(buildQuery(parseJobArgs(args.split(' ').filter(Boolean)), registry, { defaultLimit: 10, maxLimit: 50, now }))).map((r) => r.id);
      expect(await ids('')).toEqual([6, 5, 4, 3, 2, 1]);
      expect(await ids('superset')).toEqual([6, 5, 3, 2, 1]);
      expect(await ids('superset staging')).toEqual([6, 5, 1]);
      expect(await ids('superset --kind deploy')).toEqual([6, 3, 1]);
      expect(await ids('--user alice')).toEqual([3, 1]);
      expect(await ids('superset --status succeeded --user bob')).toEqual([6, 2]);
      expect(await ids('--status=failed')).toEqual([3]);
      expect(await ids('--since 3h')).toEqual([6, 5, 4]);
      expect(await ids('superset --limit 2')).toEqual([6, 5]);
      expect(await ids('paws --user alice')).toEqual([]);
      expect(await ids('--kind flag')).toEqual([]);
    });
  });

  it('is attributed to the account and directory user, never the nick: --user finds neither a nick nor a spoofer', async () => {
    await withStore(async (s) => {
      const irc = (nick: string, account?: string, user?: string) => ({ network: 'irc', nick, ...(account ? { account } : {}), ...(user ? { user } : {}) });
      const job = (id: number, requester: ReturnType<typeof irc>) => ({ ...data({ at: T0 + id * 1000 }), requester });
      await s.finished('1', job(1, irc('alice2', 'alice', 'alice')), { status: 'succeeded', summary: 'ok' }); // alice under another nick
      await s.finished('2', job(2, irc('alice', 'carol', 'carol')), { status: 'succeeded', summary: 'ok' }); // carol using the nick alice
      const denied = await s.denied(
        { service: 'superset', verb: 'deploy', environment: 'staging', args: [], requestId: 'x' },
        irc('alice'),
        { network: 'irc', target: 'alice', nick: 'alice' },
        'needs a services account',
        T0 + 3000,
      );
      await s.finished('4', job(4, { network: 'slack', nick: 'Bob B.', account: 'U0BOB', user: 'bob' }), { status: 'succeeded', summary: 'ok' });
      await s.finished('5', job(5, irc('dana', 'dana')), { status: 'failed', summary: 'no' }); // an account without a directory user

      const ids = async (user: string) => (await s.query({ user, limit: 10 })).map((r) => r.id);
      expect(await ids('alice')).toEqual([1]);
      expect(await ids('carol')).toEqual([2]);
      expect(await ids('bob')).toEqual([4]);
      expect(await ids('U0BOB')).toEqual([4]);
      expect(await ids('Bob')).toEqual([4]);
      expect(await ids('dana')).toEqual([5]);
      expect(await ids('alice2')).toEqual([]);
      const line = (id: number) => s.get(id).then((r) => jobLine(r!, T0));
      expect(await line(denied)).toBe(`#${denied} deploy superset staging by alice (no account) 14:02 UTC denied`);
      expect(await line(1)).toMatch(/ by alice 14:02/);
      expect(await line(2)).toMatch(/ by carol 14:02/);
      expect(await line(5)).toMatch(/ by dana 14:02/);

      // a history written when nicks were indexed too: a nick-only match is still no match, and trimming clears it
      await redis.zadd(s.index.user('alice'), T0 + 3000, String(denied));
      expect(await ids('alice')).toEqual([1]);
      await s.remove([denied]);
      expect(await redis.zscore(s.index.user('alice'), String(denied))).toBeNull();
    });
  });

  it('turns bad filters into one clear line', () => {
    const bad = (args: string) => {
      try {
        buildQuery(parseJobArgs(args.split(' ')), registry, { defaultLimit: 5, maxLimit: 25 });
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(bad('supreset')).toBe('unknown service "supreset" (did you mean superset?)');
    expect(bad('superset prod')).toBe('superset has no environment "prod" (did you mean production, staging?)');
    expect(bad('--status done')).toBe('--status done: use one of queued, running, succeeded, failed, cancelled, interrupted, denied, scheduled');
    expect(bad('--since yesterday')).toBe('--since yesterday: use a count and a unit, like 30m, 12h, 2d or 1w');
    expect(bad('--limit 500')).toBe('--limit 500: use a number from 1 to 25');
    expect(bad('--limit')).toBe('--limit needs a value');
    expect(bad('--colour red')).toBe('unknown option --colour: jobs [service] [env] [--user U] [--status S] [--kind K] [--since 2d] [--limit N]');
    expect(bad('--user a;b')).toBe('--user a;b: not a user name');
  });

  it('never mixes two jobs under one id when the job counter started again', async () => {
    await withStore(async (s) => {
      for (const i of [1, 2, 3]) await s.finished(String(i), data({ nick: 'alice', at: T0 + i }), { status: 'succeeded', summary: `old ${i}`, log: 'old log' });
      // the queue was emptied and its counter is gone: a denied command skips the ids in use
      const denied = await s.denied(
        { service: 'superset', verb: 'deploy', environment: 'staging', args: [], requestId: 'd' },
        { network: 'irc', nick: 'bob' },
        { network: 'irc', target: '#a', nick: 'bob' },
        'needs a login',
        T0 + 10,
      );
      expect(denied).toBe(4);
      // a new BullMQ job 1: the old record 1 goes, with its log and index entries
      await s.queued('1', data({ kind: 'status', nick: 'carol', at: T0 + 20 }));
      expect(await s.get(1)).toMatchObject({ kind: 'status', status: 'queued', requester: { nick: 'carol' } });
      expect((await s.get(1))!.summary).toBeUndefined();
      expect(await s.log(1)).toBeUndefined();
      expect((await s.query({ user: 'alice', limit: 10 })).map((r) => r.id)).toEqual([3, 2]);
      // at start, the counter is moved past the newest job
      await redis.set(s.idKey, '0');
      await s.syncCounter();
      expect(await redis.get(s.idKey)).toBe('4');
    });
  });

  it('keeps the end of a huge log, compressed', async () => {
    await withStore(
      async (s) => {
        const lines = Array.from({ length: 20_000 }, (_, i) => `helmfile output line ${i} ${'x'.repeat(40)}`);
        const d = data({ at: T0 });
        await s.finished('3', d, { status: 'failed', summary: 'failed', log: lines });
        const log = (await s.log(3))!;
        expect(log).toHaveLength(5001);
        expect(log[0]).toBe('… 15000 earlier lines not kept');
        expect(log.at(-1)).toBe(lines.at(-1));
        const stored = (await redis.getBuffer(s.logKey(3)))!.length;
        expect(stored).toBeLessThan(log.join('\n').length / 5);
        expect((await s.get(3))!).toMatchObject({ logLines: 5001, logDropped: 15000 });
      },
      { maxLogLines: 5000 },
    );
  });

  it('trims by age and by count, index entries and logs included, on a schedule under a lock', async () => {
    await withStore(async (s) => {
      const day = 86_400_000;
      const now = T0 + 100 * day;
      for (let i = 1; i <= 30; i++) {
        const d = data({ kind: i % 2 ? 'deploy' : 'status', env: 'staging', at: now - (30 - i) * day });
        await s.finished(String(i), d, { status: 'succeeded', summary: 'ok', log: 'x' });
      }
      expect(await trimHistory(s, { maxAgeDays: 10, maxCount: 1000, batch: 7 }, now)).toEqual({ byAge: 19, byCount: 0 });
      expect((await s.query({ limit: 100 })).map((r) => r.id)).toEqual([30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20]);
      expect(await trimHistory(s, { maxAgeDays: 10, maxCount: 4 }, now)).toEqual({ byAge: 0, byCount: 7 });
      expect((await s.query({ limit: 100 })).map((r) => r.id)).toEqual([30, 29, 28, 27]);
      // nothing is left behind in any index, nor a record or log of a trimmed job
      for (const k of [s.index.service('superset'), s.index.environment('superset', 'staging'), s.index.user('alice'), s.index.status('succeeded')])
        expect(await redis.zcard(k)).toBe(4);
      expect((await redis.zcard(s.index.kind('deploy'))) + (await redis.zcard(s.index.kind('status')))).toBe(4);
      expect(await redis.exists(s.recordKey(1), s.logKey(1), s.recordKey(26), s.logKey(26))).toBe(0);
      // the scheduled trim: two processes, one lock; both finish, the count holds
      const a = scheduleRetention(s, { maxAgeDays: 3650, maxCount: 2, everyMs: 3600_000, log: pino({ level: 'silent' }) });
      const b = scheduleRetention(s, { maxAgeDays: 3650, maxCount: 2, everyMs: 3600_000 });
      await Promise.all([a.runNow(), b.runNow()]);
      await Promise.all([a.stop(), b.stop()]);
      expect(await s.count()).toBe(2);
      expect(await redis.exists(s.key('trim-lock'))).toBe(0);
    });
  });

  it('answers `!jobs superset --limit 10` over 10,000 jobs quickly, reading only what it shows', async () => {
    await withStore(async (s, prefix) => {
      await seedHistory(s, 10_000);
      expect(await s.count()).toBe(10_000);
      const ctx = {
        command: { service: '', verb: 'jobs', args: ['superset', '--limit', '10'], requestId: 'x' },
        message: { network: 'irc', channel: '#a', isPrivate: false, sender: { id: 'a', nick: 'a' }, text: '' },
        identity: { network: 'irc', nick: 'a' },
        config,
        registry,
        access: {} as HandlerContext['access'],
        verbs: [],
        history: { store: s },
      } as HandlerContext;
      const q = jobs.parse({ command: ctx.command, config, registry, now: Date.now() });
      await jobs.check!(ctx, q); // warm

      // Every command Redis runs for our prefix, seen from outside (redis-cli MONITOR).
      const monitor = await monitorRedis(REDIS_URL, (args) => args.some((a) => a.includes(prefix)));
      const out = (await jobs.check!(ctx, q))!;
      await new Promise((r) => setTimeout(r, 100));
      const seen = (await monitor.stop()).map((args) => args.join(' '));

      expect(out.lines).toHaveLength(10);
      const lines = (out as { lines: string[] }).lines;
      expect(lines[0]).toMatch(/^#\d+ \w+ superset( \w+)? by \w+ .* (succeeded|failed)$/);
      const ids = lines.map((l) => Number(/^#(\d+)/.exec(l)![1]));
      expect([...ids].sort((a, b) => b - a)).toEqual(ids);
      // one index range read + one hash per line shown: no SCAN/KEYS, nothing proportional to the history
      expect(seen.length).toBeLessThanOrEqual(11);
      expect(seen.filter((c) => /^(scan|keys|zrange|zrangebyscore|smembers|hgetall)\b/i.test(c) && !/^hgetall/i.test(c))).toEqual([]);
      expect(seen.filter((c) => /^zrevrangebyscore/i.test(c))).toHaveLength(1);
      expect(seen.filter((c) => /^hgetall/i.test(c))).toHaveLength(10);
      // how fast it is: `npm run bench` (jobsQueryMs)
    });
  }, 60000);
});

describe('real jobs through the whole bot', () => {
  let stack: Stack;
  let chat: CaptureAdapter;
  beforeAll(async () => {
    chat = new CaptureAdapter('irc');
    stack = await startStack({ adapters: [chat] });
  });
  afterAll(async () => stack?.stop());

  it('records a status job: queued, ran, succeeded, with the lines it answered as its log', async () => {
    chat.say('alice', '!superset status production');
    await chat.waitFor(/^alice: superset production: 4\/4 ready/);
    const h = stack.app.history;
    let r = (await h.query({ service: 'superset', limit: 1 }))[0]!;
    for (let i = 0; i < 50 && r.status !== 'succeeded'; i++) {
      await new Promise((res) => setTimeout(res, 20));
      r = (await h.get(r.id))!;
    }
    expect(r).toMatchObject({
      kind: 'status',
      verb: 'status',
      service: 'superset',
      environment: 'production',
      status: 'succeeded',
      channel: '#analytics',
      requester: { network: 'irc', nick: 'alice', account: 'alice' },
    });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.startedAt).toBeGreaterThanOrEqual(r.queuedAt);
    expect((await h.log(r.id))!.join('\n')).toContain('superset production: 4/4 ready');
    // the history id is the BullMQ job id
    const q = new Queue('commands', { connection: stack.app.redis, prefix: bullPrefix(stack.prefix, 'commands') });
    expect((await Job.fromId(q, String(r.id)))?.data.command.environment).toBe('production');
    await q.close();

    chat.clear();
    chat.say('alice', '!jobs superset');
    const line = await chat.waitFor(/^alice: #\d+ status superset production by alice/);
    expect(line.line).toMatch(new RegExp(`^alice: #${r.id} status superset production by alice \\d\\d:\\d\\d UTC \\d+(\\.\\d)?(ms|s) succeeded$`));
  });
});

describe('deploy jobs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startDeployHarness();
  });
  afterAll(async () => h?.stop());

  it('records a deploy with its helm revision and full log, and a denied deploy', async () => {
    h.chat.say('alice', '!superset deploy staging');
    const done = await h.chat.waitFor(/^alice: deployed superset staging/);
    const id = Number(/!job (\d+)/.exec(done.line)![1]);
    const store = h.app.history;
    let r = (await store.get(id))!;
    for (let i = 0; i < 50 && r.status === 'running'; i++) {
      await new Promise((res) => setTimeout(res, 20));
      r = (await store.get(id))!;
    }
    expect(r).toMatchObject({
      id,
      kind: 'deploy',
      service: 'superset',
      environment: 'staging',
      status: 'succeeded',
      changed: { helmRevision: 'staging=43' },
      requester: { user: 'alice' },
    });
    const log = (await store.log(id))!;
    expect(log).toContain('REVISION: 43');
    expect(log.join('\n')).not.toContain(h.tools.secret);

    h.chat.say('mallory', '!superset deploy staging');
    await h.chat.waitFor(/^mallory: deploy superset staging needs one of/);
    const denied = (await store.query({ status: 'denied', limit: 5 }))[0]!;
    expect(denied).toMatchObject({ kind: 'deploy', service: 'superset', environment: 'staging', status: 'denied', requester: { nick: 'mallory' } });
    expect(denied.reason).toMatch(/needs one of superset-admins, ops/);
    expect(denied.id).toBeGreaterThan(id);

    h.chat.clear();
    h.chat.say('bob', `!job ${id}`);
    const detail = await h.chat.waitFor(/^bob: #\d+ deploy superset staging/);
    expect(detail.line).toMatch(
      new RegExp(`^bob: #${id} deploy superset staging by alice: succeeded in \\S+ — deployed superset staging in \\S+: release staging → revision 43`),
    );
    await h.chat.waitFor(/^changed: helm revision staging=43$/);
    await h.chat.waitFor(new RegExp(`^log: \\d+ lines — !job ${id} log$`));
    h.chat.say('bob', '!jobs superset staging');
    await h.chat.waitFor(new RegExp(`^bob: #${denied.id} deploy superset staging by mallory \\d\\d:\\d\\d UTC denied$`));
    await h.chat.waitFor(new RegExp(`^#${id} deploy superset staging by alice \\d\\d:\\d\\d UTC \\S+ succeeded$`));
  });
});
