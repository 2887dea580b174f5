import { randomUUID } from 'node:crypto';
import type { Worker, Queue } from 'bullmq';
import type { Access } from '../auth/access.js';
import { requiredGroups } from '../auth/policy.js';
import { parseCommand } from '../commands/parse.js';
import { resolveSchedule, SCHEDULE_KIND } from '../commands/when.js';
import type { Config } from '../config/schema.js';
import { toUserParts, UserError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { MetricsSink } from '../core/metrics.js';
import type { Line } from '../core/parts.js';
import type { ServiceRegistry } from '../core/registry.js';
import { replyLines } from '../core/reply.js';
import type { ChatMessage, Identity, JobData, JobResult, NetworkName, OutgoingMessage, ReplyTarget } from '../core/types.js';
import type { AnyVerb } from '../handlers/index.js';
import type { HistoryAccess } from '../history/access.js';
import { commandQueue, type QueueContext } from '../jobs/queues.js';
import type { Fence } from '../core/fence.js';
import { isRedisUnreachable, QUEUE_UNREACHABLE } from '../core/redis.js';
import { startDrain } from './outbox-drain.js';
import type { Clock } from '../maintenance/clock.js';
import type { ChatAdapter } from './adapter.js';
import { checkRateLimit } from './rate-limit.js';
import { renderFor } from './render.js';

export interface GatewayOptions {
  config: Config;
  registry: ServiceRegistry;
  access: Access;
  queues: QueueContext;
  adapters: ChatAdapter[];
  verbs: readonly AnyVerb[];
  log: Logger;
  /** The time verbs read their arguments at (maintenance windows: "now", "in 2h"). */
  clock?: Clock;
  /** Job history: denied and enqueued commands are recorded; `jobs`/`job` read it. */
  history?: HistoryAccess;
  metrics?: MetricsSink;
  /**
   * Networks only the leader serves (IRC: one connection for every gateway): started by lead(), stopped by
   * standDown(). Others (Slack, the console) are served by every gateway from start().
   */
  leaderOnly?: readonly NetworkName[];
  /** The leader's fence, passed before each message a leader-only network sends. */
  fence?: Fence;
  /** Where commands are enqueued: a connection that fails at once while Redis is down (core/redis createFailFastRedis). */
  enqueueScope?: QueueContext;
}

/**
 * Holds the chat connections: takes each message, parses it, checks it, and either answers at once
 * or enqueues a job; drains each network's outbox into its adapter.
 */
export class Gateway {
  private readonly adapters = new Map<NetworkName, ChatAdapter>();
  private readonly drains = new Map<NetworkName, Worker<OutgoingMessage>[]>();
  private leading = false;
  private readonly commands: Queue<JobData, JobResult>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: GatewayOptions) {
    for (const a of o.adapters) this.adapters.set(a.network, a);
    this.commands = commandQueue(o.enqueueScope ?? o.queues);
  }

  private leaderOnly(a: ChatAdapter): boolean {
    return this.o.leaderOnly?.includes(a.network) ?? false;
  }

  private onMessage = (msg: ChatMessage) => this.track(this.take(msg));

  /** The network's outbox, and the adapter's own when it has one (a console: the answers to it; announcements stay on the network's). */
  private startDrain(adapter: ChatAdapter): void {
    const drains = [undefined, adapter.outbox].filter((x, i) => i === 0 || x !== undefined).map((instance) => this.drain(adapter, instance));
    this.drains.set(adapter.network, drains);
  }

  private drain(adapter: ChatAdapter, instance: string | undefined): Worker<OutgoingMessage> {
    return startDrain({
      queues: this.o.queues,
      adapter,
      ...(instance ? { instance } : {}),
      log: this.o.log,
      ...(this.leaderOnly(adapter) && this.o.fence ? { fence: this.o.fence } : {}),
      deliver: async (msg: OutgoingMessage) => {
        // the outcome of buttons, for a network that showed none, has nothing to say
        if (msg.settled && !msg.lines.length && !adapter.capabilities.buttons) return;
        await adapter.send(renderFor(msg, adapter.capabilities));
      },
    });
  }

  /** Became the leader: connect the leader-only networks and drain their outboxes. */
  async lead(): Promise<void> {
    if (this.leading) return;
    this.leading = true;
    const mine = [...this.adapters.values()].filter((a) => this.leaderOnly(a));
    for (const a of mine) this.startDrain(a);
    await Promise.all(mine.map((a) => a.start(this.onMessage)));
  }

  /** Lost the lease: stop sending at once (what is not yet acknowledged stays in the outbox for the next leader). */
  async standDown(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    const mine = [...this.adapters.values()].filter((a) => this.leaderOnly(a));
    const drains = mine.flatMap((a) => this.drains.get(a.network) ?? []);
    for (const a of mine) this.drains.delete(a.network);
    await Promise.all([...drains.map((d) => d.close(true)), ...mine.map((a) => a.stop().catch(() => {}))]);
  }

  async start(): Promise<void> {
    const always = [...this.adapters.values()].filter((a) => !this.leaderOnly(a));
    for (const adapter of always) this.startDrain(adapter);
    await Promise.all(always.map((a) => a.start(this.onMessage)));
  }

  /** Taking a message never throws: every failure becomes one line to the asker. */
  async take(msg: ChatMessage): Promise<void> {
    const adapter = this.adapters.get(msg.network);
    if (!adapter) return;
    const replyTo: ReplyTarget = {
      network: msg.network,
      target: msg.isPrivate ? msg.sender.nick : msg.channel,
      ...(msg.threadId ? { threadId: msg.threadId } : {}),
      nick: msg.sender.nick,
      ...(msg.clicked ? { clicked: true } : {}),
      ...(adapter.outbox ? { outbox: adapter.outbox } : {}),
    };
    const answer = (lines: Line[], isPrivate = false) => adapter.send(renderFor(replyLines(replyTo, lines, isPrivate), adapter.capabilities));
    const { history, metrics, config, registry, access } = this.o;
    let verbName = 'unknown';
    try {
      const parsed = parseCommand(msg.text, this.o.verbs, registry, randomUUID());
      if (!parsed.ok) return (metrics?.command(verbName, 'invalid'), await answer([toUserParts(parsed.error)], true));
      const limited = checkRateLimit(config, msg); // per-user command rate limit (src/bot/rate-limit.ts)
      if (limited) return limited.reply ? await answer([limited.reply], true) : undefined;
      // Redis down: say so now, before anything is recorded or queued (its commands would wait and run later)
      if (!this.redisReady()) return (metrics?.command(verbName, 'error'), await answer([QUEUE_UNREACHABLE], true));
      const { command, spec: verb } = parsed;
      verbName = command.verb;
      const account =
        msg.sender.account ?? (verb.anonymous && requiredGroups(config, command.service, verb) === 'public' ? undefined : await msg.sender.lookupAccount?.());
      const identity: Identity = { network: msg.network, nick: msg.sender.nick, ...(account ? { account } : {}) };
      const decision = await access.authorize(identity, command, verb);
      if (!decision.allowed) {
        metrics?.command(verbName, 'denied');
        await history?.store
          .denied(command, decision.identity, replyTo, decision.reason)
          .catch((err: unknown) => this.o.log.error({ err }, 'history write failed'));
        return await answer([toUserParts(decision.error)], true);
      }
      const now = this.o.clock?.now() ?? Date.now();
      // `… at 14:00 UTC`: read with this clock, once (the worker schedules it: src/handlers/schedule-change.ts)
      const at = command.schedule !== undefined ? resolveSchedule(command.schedule, now) : undefined;
      // the verb reads its arguments once, here; the worker runs with what it made of them
      const args: unknown = verb.parse({ command, config, registry, now });
      const reply = await verb.check?.(
        { command, message: msg, identity: decision.identity, config, registry, access, verbs: this.o.verbs, ...(history ? { history } : {}) },
        args,
      );
      if (reply || !verb.run) {
        metrics?.command(verbName, 'replied');
        return await answer(reply?.lines ?? [`${verbName}: nothing to do`], reply?.private);
      }
      const data: JobData = {
        kind: at ? SCHEDULE_KIND : verb.verb,
        command,
        args,
        requester: decision.identity,
        replyTo,
        queuedAt: Date.now(),
        ...(at ? { schedule: { at } } : {}),
      };
      const job = await this.commands.add(verb.verb, data);
      metrics?.command(verbName, 'enqueued');
      // The BullMQ job id is the history id (`!job 42`).
      await history?.store.queued(job.id, data).catch((err: unknown) => this.o.log.error({ err, jobId: job.id }, 'history write failed'));
    } catch (e) {
      metrics?.command(verbName, e instanceof UserError ? 'invalid' : 'error');
      const down = !(e instanceof UserError) && isRedisUnreachable(e);
      if (!(e instanceof UserError)) this.o.log.error({ err: e, text: msg.text.slice(0, 200) }, down ? 'command refused: Redis unreachable' : 'command failed');
      await answer(down ? [QUEUE_UNREACHABLE] : [toUserParts(e)], true).catch((err) => this.o.log.error({ err }, 'reply failed'));
    }
  }

  /** Both connections up (the one commands are queued on fails at once when not). */
  private redisReady(): boolean {
    const ready = (c: { status?: string }) => c.status === undefined || c.status === 'ready';
    return ready(this.o.queues.connection) && ready((this.o.enqueueScope ?? this.o.queues).connection);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Wait for commands being taken (tests, clean shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.adapters.values()].map((a) => a.stop().catch(() => {})));
    await this.idle();
    await Promise.all([...this.drains.values()].flat().map((d) => d.close()));
    this.drains.clear();
    await this.commands.close();
  }
}
