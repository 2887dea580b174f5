import { randomUUID } from 'node:crypto';
import { Worker, type Queue } from 'bullmq';
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
import { commandQueue, outboxName, type QueueContext } from '../jobs/queues.js';
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
}

/**
 * Holds the chat connections: takes each message, parses it, checks it, and either answers at once
 * or enqueues a job; drains each network's outbox into its adapter.
 */
export class Gateway {
  private readonly adapters = new Map<NetworkName, ChatAdapter>();
  private readonly drains: Worker<OutgoingMessage>[] = [];
  private readonly commands: Queue<JobData, JobResult>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: GatewayOptions) {
    for (const a of o.adapters) this.adapters.set(a.network, a);
    this.commands = commandQueue(o.queues);
  }

  async start(): Promise<void> {
    for (const adapter of this.adapters.values()) {
      // One drain per network. One message at a time keeps lines in order; an adapter that orders lines itself
      // (IRC: per asker, fairly, waiting for its connection) takes many at once.
      const drain = new Worker<OutgoingMessage>(
        outboxName(adapter.network),
        async (job) => {
          // the outcome of buttons, for a network that showed none, has nothing to say
          if (job.data.settled && !job.data.lines.length && !adapter.capabilities.buttons) return;
          await adapter.send(renderFor(job.data, adapter.capabilities));
        },
        {
          connection: this.o.queues.connection,
          prefix: this.o.queues.prefix,
          concurrency: adapter.sendConcurrency ?? 1,
        },
      );
      drain.on('error', (err) => this.o.log.error({ err, network: adapter.network }, 'outbox error'));
      this.drains.push(drain);
    }
    await Promise.all([...this.adapters.values()].map((a) => a.start((msg) => this.track(this.take(msg)))));
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
    };
    const answer = (lines: Line[], isPrivate = false) => adapter.send(renderFor(replyLines(replyTo, lines, isPrivate), adapter.capabilities));
    const { history, metrics, config, registry, access } = this.o;
    let verbName = 'unknown';
    try {
      const parsed = parseCommand(msg.text, this.o.verbs, registry, randomUUID());
      if (!parsed.ok) return (metrics?.command(verbName, 'invalid'), await answer([toUserParts(parsed.error)], true));
      const limited = checkRateLimit(config, msg); // per-user command rate limit (src/bot/rate-limit.ts)
      if (limited) return limited.reply ? await answer([limited.reply], true) : undefined;
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
      if (!(e instanceof UserError)) this.o.log.error({ err: e, text: msg.text.slice(0, 200) }, 'command failed');
      await answer([toUserParts(e)], true).catch((err) => this.o.log.error({ err }, 'reply failed'));
    }
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
    await Promise.all(this.drains.map((d) => d.close()));
    await this.commands.close();
  }
}
