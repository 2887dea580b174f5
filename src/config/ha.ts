// The settings for running more than one gateway (leader election) and for a Redis that is itself highly
// available (Sentinel or Cluster). Kept apart from schema.ts, which imports them.
import { z } from 'zod';

const node = z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });

/** Extra `redis` keys: Sentinel (sentinels + the master's name) or Cluster (seed nodes); else `url` alone. */
export const redisHaShape = {
  /** Redis Sentinel: the sentinels to ask, and `name`, the master's name they monitor. */
  sentinels: z.array(node).min(1).optional(),
  name: z.string().min(1).optional(),
  /** Redis Cluster: seed nodes (any few masters); every key Deckhand and BullMQ use is cluster-safe. */
  cluster: z.array(node).min(1).optional(),
};

export function checkRedisHa(r: { sentinels?: unknown[] | undefined; name?: string | undefined; cluster?: unknown[] | undefined }, ctx: z.RefinementCtx): void {
  if (r.sentinels && !r.name) ctx.addIssue({ code: 'custom', path: ['redis', 'name'], message: 'Sentinel needs the master name (redis.name)' });
  if (r.name && !r.sentinels)
    ctx.addIssue({ code: 'custom', path: ['redis', 'sentinels'], message: 'redis.name is the Sentinel master name: give redis.sentinels too' });
  if (r.sentinels && r.cluster) ctx.addIssue({ code: 'custom', path: ['redis', 'cluster'], message: 'use either redis.sentinels or redis.cluster, not both' });
}

/**
 * Leader election between gateways: one holds the IRC connection(s) and runs the singletons.
 * `kubernetes`: a coordination.k8s.io/v1 Lease (in the cluster Deckhand runs in); `redis`: a fenced Redis lease.
 */
export const leaderSchema = z.strictObject({
  backend: z.enum(['redis', 'kubernetes']).default('redis'),
  /** Lease name (Kubernetes object name, or the Redis key's last part). */
  name: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a lower-case DNS name')
    .default('deckhand-gateway'),
  /** Kubernetes namespace of the Lease (default: the pod's own, from the service account, else "default"). */
  namespace: z.string().min(1).optional(),
  /** How long a lease lasts without renewal; the leader renews every `renewMs`, a standby tries every `retryMs`. */
  leaseMs: z.number().int().min(1000).default(10_000),
  renewMs: z.number().int().min(100).default(2_000),
  retryMs: z.number().int().min(100).default(1_000),
  /** This gateway's name in the lease (default: $POD_NAME, else host name and process id). */
  identity: z.string().min(1).optional(),
});
export type LeaderConfig = z.infer<typeof leaderSchema>;
