import { randomUUID } from 'node:crypto';
import { Worker, type Queue } from 'bullmq';
import type { Access } from '../auth/access.js';
import { parseCommand } from '../commands/parse.js';
import type { Config } from '../config/schema.js';
import { toUserLine, UserError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ServiceRegistry } from '../core/registry.js';
import type { ChatMessage, Identity, JobData, JobResult, NetworkName, OutgoingMessage, ReplyTarget } from '../core/types.js';
import type { Handler } from '../handlers/types.js';
import type { HistoryAccess } from '../history/access.js';
import type { Metrics } from '../metrics.js';
import { commandQueue, outboxName, type QueueContext } from '../jobs/queues.js';
import type { ChatAdapter } from './adapter.js';
import { replyLines } from './reply.js';

export interface GatewayOptions {
  config: Config;
  registry: ServiceRegistry;
  access: Access;
  queues: QueueContext;
  adapters: ChatAdapter[];
  handlers: readonly Handler[];
  log: Logger;
  /** Job history: denied and enqueued commands are recorded; `jobs`/`job` read it. */
  history?: HistoryAccess;
  metrics?: Metrics;
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
      // One drain per network, one message at a time, so lines keep their order.
      const drain = new Worker<OutgoingMessage>(outboxName(adapter.network), async (job) => adapter.send(job.data), {
        connection: this.o.queues.connection,
        prefix: this.o.queues.prefix,
        concurrency: 1,
      });
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
    };
    const answer = (lines: string[], isPrivate = false) => adapter.send(replyLines(replyTo, lines, isPrivate));
    const { history, metrics } = this.o;
    let verb = 'unknown';
    try {
      const parsed = parseCommand(msg.text, this.o.handlers, this.o.registry, randomUUID());
      if (!parsed.ok) return (metrics?.command(verb, 'invalid'), await answer([toUserLine(parsed.error)], true));
      const { command, spec } = parsed;
      verb = command.verb;
      const handler = spec as Handler;
      const identity: Identity = { network: msg.network, nick: msg.sender.nick, ...(msg.sender.account ? { account: msg.sender.account } : {}) };
      const decision = await this.o.access.authorize(identity, command, spec);
      if (!decision.allowed) {
        metrics?.command(verb, 'denied');
        await history?.store.denied(command, decision.identity, replyTo, decision.reason).catch((err: unknown) => this.o.log.error({ err }, 'history write failed'));
        return await answer([toUserLine(decision.error)], true);
      }
      const outcome = await handler.handle({
        command, message: msg, identity: decision.identity, config: this.o.config,
        registry: this.o.registry, access: this.o.access, verbs: this.o.handlers, ...(history ? { history } : {}),
      });
      if (outcome.kind === 'reply') return (metrics?.command(verb, 'replied'), await answer(outcome.lines, outcome.private));
      const data: JobData = { kind: outcome.jobKind, command, requester: decision.identity, replyTo, queuedAt: Date.now() };
      const job = await this.commands.add(outcome.jobKind, data);
      metrics?.command(verb, 'enqueued');
      // The BullMQ job id is the history id (`!job 42`).
      await history?.store.queued(job.id, data).catch((err: unknown) => this.o.log.error({ err, jobId: job.id }, 'history write failed'));
    } catch (e) {
      metrics?.command(verb, e instanceof UserError ? 'invalid' : 'error');
      if (!(e instanceof UserError)) this.o.log.error({ err: e, text: msg.text.slice(0, 200) }, 'command failed');
      await answer([toUserLine(e)], true).catch((err) => this.o.log.error({ err }, 'reply failed'));
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
