// The probes of each kind of service, as their charts name things (overridable per service): where
// the health endpoint is and how its answer is read. `{release}` is the environment's helm release.
import type { HealthConfig, HealthKind, ProbeConfig } from '../config/health.js';

/** How a probe's answer is judged: a body that says OK, Airflow's health JSON, or any 2xx. */
export type ProbeCheck = 'ok-text' | 'airflow' | 'status';

export interface ProbeSpec {
  name: string;
  service: string;
  port: number | string;
  path: string;
  scheme: 'http' | 'https';
  check: ProbeCheck;
}

interface KindDefaults {
  check: ProbeCheck;
  path: string;
  probes: Omit<ProbeSpec, 'scheme' | 'check'>[];
}

// Superset: gunicorn's /health answers "OK" (the operator's web server probe). Airflow: the health JSON,
// 200 even when a part is unhealthy (its API server in 3, the webserver in 2). JupyterHub (zero-to-jupyterhub):
// the hub's /hub/health on 8081, configurable-http-proxy's /_chp_healthz on the public proxy service.
export const KIND_DEFAULTS: Record<HealthKind, KindDefaults> = {
  superset: { check: 'ok-text', path: '/health', probes: [{ name: 'health', service: 'superset-{release}', port: 8088, path: '/health' }] },
  airflow3: {
    check: 'airflow',
    path: '/api/v2/monitor/health',
    probes: [{ name: 'airflow', service: '{release}-api-server', port: 8080, path: '/api/v2/monitor/health' }],
  },
  airflow2: { check: 'airflow', path: '/health', probes: [{ name: 'airflow', service: '{release}-webserver', port: 8080, path: '/health' }] },
  jupyterhub: {
    check: 'status',
    path: '/hub/health',
    probes: [
      { name: 'hub', service: 'hub', port: 8081, path: '/hub/health' },
      { name: 'proxy', service: 'proxy-public', port: 80, path: '/_chp_healthz' },
    ],
  },
};

/** The probes of a service's environment: the configured ones (path defaulting to the kind's) or the kind's, `{release}` filled in. */
export function probesFor(health: HealthConfig, release: string): ProbeSpec[] {
  const d = KIND_DEFAULTS[health.kind];
  const list: (ProbeConfig | (typeof d.probes)[number])[] = health.probes ?? d.probes;
  return list.map((p) => {
    const service = p.service.replaceAll('{release}', release);
    return {
      name: p.name ?? service,
      service,
      port: p.port,
      path: p.path ?? d.path,
      scheme: 'scheme' in p ? p.scheme : 'http',
      check: d.check,
    };
  });
}
