import type { Job } from 'bullmq';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import type { ServiceRegistry } from '../core/registry.js';
import type { JobData, JobResult, OutgoingMessage } from '../core/types.js';
import type { KubeClient } from '../kube/client.js';
import type { Access } from '../auth/access.js';
import type { QueueContext } from './queues.js';

export interface ProcessorContext {
  config: Config;
  registry: ServiceRegistry;
  kube: KubeClient;
  access: Access;
  log: Logger;
  job: Job<JobData, JobResult>;
  /** Post a message to any network's outbox: announcements to a service's channels, progress lines. */
  post(msg: OutgoingMessage): Promise<void>;
  /** Redis and the key prefix (deploy locks, confirmations, logs; follow-up jobs). Filled in by the worker. */
  queues: QueueContext;
}

/** A processor turns one job's data into a result; it knows nothing of chat networks. */
export type Processor = (data: JobData, ctx: ProcessorContext) => Promise<JobResult>;

/**
 * A job failed outside its processor (its worker died and BullMQ failed it as stalled): clean up what
 * the job held and say what happened. Returns the lines for the requester instead of the generic one.
 */
export type FailureHook = (job: Job<JobData, JobResult>, reason: string, ctx: Omit<ProcessorContext, 'job' | 'kube'>) => Promise<string[]>;
