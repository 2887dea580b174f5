// `services.<s>.health`: application health probes reached through the Kubernetes API's service
// proxy (no new network path or credential). The kind gives the probes' defaults (src/health/kinds.ts);
// `probes` replaces them where a chart names its services differently.
import { z } from 'zod';

export const HEALTH_KINDS = ['superset', 'airflow2', 'airflow3', 'jupyterhub'] as const;
export type HealthKind = (typeof HEALTH_KINDS)[number];

/** A service name as Kubernetes spells it; `{release}` is the environment's helm release. */
const serviceName = z.string().regex(/^[a-z0-9{}]([-a-z0-9{}]*[a-z0-9{}])?$/, 'must be a Kubernetes service name (may hold {release})');

export const probeSchema = z.strictObject({
  /** How the probe is named in chat ("hub", "proxy"); default the service name. */
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,30}$/)
    .optional(),
  service: serviceName,
  /** The service's port: a number or the port's name. */
  port: z.union([z.number().int().min(1).max(65535), z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a port number or name')]),
  /** The path after /proxy; default the kind's. */
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be a plain path starting with /')
    .optional(),
  scheme: z.enum(['http', 'https']).default('http'),
});
export type ProbeConfig = z.infer<typeof probeSchema>;

export const healthSchema = z.strictObject({
  kind: z.enum(HEALTH_KINDS),
  /** Each probe answers within this, or counts as failed ("no answer within 3s"). */
  timeoutMs: z.number().int().positive().max(60_000).default(3000),
  /** Airflow: a scheduler heartbeat older than this is unhealthy (Airflow's scheduler_health_check_threshold, 30 s). */
  heartbeatSeconds: z.number().positive().default(30),
  probes: z.array(probeSchema).min(1).optional(),
});
export type HealthConfig = z.infer<typeof healthSchema>;
