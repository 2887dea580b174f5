// A verb is one module: its spec, how it reads its arguments (once, in the gateway), an optional
// gateway-side check, and what it does on the worker. `defineVerb` is all a new verb needs.
import type { Access } from '../auth/access.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import type { Line } from '../core/parts.js';
import type { ServiceRegistry } from '../core/registry.js';
import type { RedisScope } from '../core/scope.js';
import type { ChatMessage, Command, Identity, JobData, JobResult, OutgoingMessage } from '../core/types.js';
import type { ScheduledRun } from '../deploy/engine.js';
import type { VerbSpec } from '../core/verb.js';
import type { HistoryAccess } from '../history/access.js';
import type { KubeClient } from '../kube/client.js';
import type { Clock } from '../maintenance/clock.js';

/** What `parse` may read: the command as typed, the config, and the time it was asked. */
export interface ParseContext {
  command: Command;
  config: Config;
  registry: ServiceRegistry;
  now: number;
}

/** The gateway side: the asker, already allowed by the verb's spec. */
export interface GatewayContext {
  command: Command;
  message: ChatMessage;
  identity: Identity;
  config: Config;
  registry: ServiceRegistry;
  access: Access;
  /** Every verb's spec (help, whoami). */
  verbs: readonly VerbSpec[];
  /** The job history (`jobs`, `job`), when the app has one. */
  history?: HistoryAccess;
}

/** An answer given at once, without a job. */
export interface Reply {
  lines: Line[];
  /** Only the asker should see it where the network can do that. */
  private?: boolean;
}

/** The worker side. */
export interface RunContext {
  config: Config;
  registry: ServiceRegistry;
  kube: KubeClient;
  access: Access;
  log: Logger;
  clock: Clock;
  /** The BullMQ job id, which is also the history id (`job 42`). */
  jobId: string;
  /** Redis and the key prefix (deploy locks, confirmations, logs, maintenance windows). */
  scope: RedisScope;
  /** Post a message to any network's outbox: announcements to a service's channels, progress lines. */
  post(msg: OutgoingMessage): Promise<void>;
  /** Queue a follow-up job (the next roll-out step); returns its id. */
  enqueue(data: JobData): Promise<string>;
  /** Set when this run is a scheduled change whose time came (src/handlers/schedule-change.ts). */
  scheduled?: ScheduledRun;
}

/** When a job's worker died mid-run (BullMQ failed it as stalled): the context to clean up in. */
export type InterruptContext = Omit<RunContext, 'kube' | 'jobId'>;

export interface Verb<A = unknown> extends VerbSpec {
  /** Reads the words after the verb into typed, JSON-safe arguments. Throws UserError. Runs once, in the gateway. */
  parse(ctx: ParseContext): A;
  /** Gateway side, after the permission check: a Reply answers at once (no job); throwing refuses; nothing goes on to `run`. */
  check?(ctx: GatewayContext, args: A): Promise<Reply | undefined>;
  /** Worker side: the job. Verbs without it must answer in `check`. */
  run?(ctx: RunContext, args: A, data: JobData<A>): Promise<JobResult>;
  /** Its worker died mid-run: undo what it held and say what happened (lines for the asker). */
  interrupted?(ctx: InterruptContext, data: JobData<A>, jobId: string, reason: string): Promise<Line[]>;
}

/** A verb, typed by its arguments. (Identity at run time; it exists for inference.) */
export function defineVerb<A>(verb: Verb<A>): Verb<A> {
  return verb;
}
