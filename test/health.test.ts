// The health domain's judgements, on the bodies the real applications send: Airflow's health JSON
// (200 even when unhealthy), Superset's OK, the operator CR's status; and the config's defaults per kind.
import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../src/config/load.js';
import { airflowVerdict } from '../src/health/airflow.js';
import { probesFor } from '../src/health/kinds.js';
import { operatorDetail, viewOf } from '../src/health/operator.js';
import { judge } from '../src/health/probe.js';
import { makeSuperset } from '../src/sandbox/kube-api-superset.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
const airflow = (o: Record<string, unknown>) =>
  JSON.stringify({
    metadatabase: { status: 'healthy' },
    scheduler: { status: 'healthy', latest_scheduler_heartbeat: ago(4) },
    triggerer: { status: null, latest_triggerer_heartbeat: null },
    dag_processor: null,
    ...o,
  });

describe('Airflow health JSON', () => {
  test('healthy: the heartbeat age is what status shows', () => {
    expect(airflowVerdict(airflow({}), NOW, 30_000)).toEqual({ ok: true, text: 'scheduler heartbeat 4s ago' });
  });

  test('a heartbeat older than the threshold is unhealthy even where Airflow still says healthy', () => {
    const body = airflow({ scheduler: { status: 'healthy', latest_scheduler_heartbeat: ago(360) } });
    expect(airflowVerdict(body, NOW, 30_000)).toEqual({ ok: false, text: 'scheduler: no heartbeat for 6m' });
    expect(airflowVerdict(body, NOW, 600_000).ok).toBe(true); // a threshold of 10 minutes
  });

  test('no heartbeat at all, an unhealthy metadatabase and triggerer are each named', () => {
    const body = airflow({
      metadatabase: { status: 'unhealthy' },
      scheduler: { status: 'unhealthy', latest_scheduler_heartbeat: null },
      triggerer: { status: 'unhealthy', latest_triggerer_heartbeat: ago(100) },
    });
    expect(airflowVerdict(body, NOW, 30_000)).toEqual({ ok: false, text: 'metadatabase: unhealthy; scheduler: no heartbeat; triggerer: unhealthy' });
  });

  test('a body that is not the health JSON is a failed probe that says so', () => {
    expect(airflowVerdict('<html>login</html>', NOW, 30_000)).toEqual({
      ok: false,
      text: 'answered something that is not Airflow\'s health JSON: "<html>login</html>"',
    });
    expect(airflowVerdict('{"status":"ok"}', NOW, 30_000).ok).toBe(false);
  });
});

describe('probe answers', () => {
  const superset = probesFor({ kind: 'superset', timeoutMs: 3000, heartbeatSeconds: 30 }, 'staging')[0]!;
  test('the kind gives the service, port and path; {release} is filled in', () => {
    expect(superset).toEqual({ name: 'health', service: 'superset-staging', port: 8088, path: '/health', scheme: 'http', check: 'ok-text' });
    expect(probesFor({ kind: 'jupyterhub', timeoutMs: 3000, heartbeatSeconds: 30 }, 'prod').map((p) => `${p.name} ${p.service}:${p.port}${p.path}`)).toEqual([
      'hub hub:8081/hub/health',
      'proxy proxy-public:80/_chp_healthz',
    ]);
    expect(
      probesFor({ kind: 'airflow2', timeoutMs: 3000, heartbeatSeconds: 30, probes: [{ service: 'airflow-webserver', port: 'http', scheme: 'http' }] }, 'x')[0],
    ).toMatchObject({
      service: 'airflow-webserver',
      port: 'http',
      path: '/health',
      check: 'airflow',
    });
  });

  test('Superset: OK is healthy; anything else, or a 503, is not', () => {
    expect(judge(superset, { code: 200, body: 'OK', contentType: 'text/plain' }, NOW, 30_000)).toEqual({ ok: true, text: 'health OK' });
    expect(judge(superset, { code: 200, body: '<html>', contentType: 'text/html' }, NOW, 30_000)).toEqual({
      ok: false,
      text: 'health: answered "<html>" instead of OK',
    });
    expect(judge(superset, { code: 503, body: 'db down\r\nPRIVMSG #x :owned', contentType: 'text/plain' }, NOW, 30_000)).toEqual({
      ok: false,
      text: 'health: HTTP 503 (db down PRIVMSG #x :owned)', // no line break reaches a chat line
    });
  });

  test("the API server's own refusal is read from its Status", () => {
    const status = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'no endpoints available for service "superset-staging:8088"',
      code: 503,
    });
    expect(judge(superset, { code: 503, body: status, contentType: 'application/json' }, NOW, 30_000).text).toBe(
      'health: HTTP 503 (no endpoints available for service "superset-staging:8088")',
    );
  });
});

describe('the operator CR', () => {
  const t = { namespace: 'superset-next', name: 'superset' };
  test('Running with everything Ready: healthy, nothing listed', () => {
    const v = viewOf(t, makeSuperset({ ...t, phase: 'Running', tag: '6.0.0' }) as unknown as Record<string, unknown>);
    expect(v).toMatchObject({ found: true, phase: 'Running', ready: '2/2', tag: '6.0.0', healthy: true, components: [], tasks: [] });
  });

  test('Degraded: components not Ready, lifecycle tasks failed or running, and why', () => {
    const v = viewOf(
      t,
      makeSuperset({
        ...t,
        phase: 'Degraded',
        tag: '6.0.0',
        message: 'celeryWorker unavailable',
        components: { webServer: { ready: 2, desired: 2 }, celeryWorker: { ready: 0, desired: 1, phase: 'Unavailable' } },
        tasks: { migrate: { state: 'Failed', attempts: 3 }, seed: { state: 'Running', attempts: 1 }, init: { state: 'Complete', attempts: 1 } },
      }) as unknown as Record<string, unknown>,
    );
    expect(v.healthy).toBe(false);
    expect(v.components).toEqual([{ name: 'celeryWorker', phase: 'Unavailable', ready: 0 }]);
    expect(v.tasks.map((x) => `${x.name} ${x.state} ${x.attempts}`)).toEqual(['migrate Failed 3', 'seed Running 1']);
    expect(operatorDetail(v)).toBe('operator: Degraded (celeryWorker unavailable)');
  });

  test('no control character from the CR reaches a line (component names, messages, tags)', () => {
    const raw = makeSuperset({
      ...t,
      phase: 'Degraded',
      tag: '6.0.0\r\nQUIT',
      components: { 'evil\r\nPRIVMSG #x :hi': { ready: 0, desired: 1, phase: 'Unavailable', message: 'a\nb' } },
    });
    const v = viewOf(t, raw as unknown as Record<string, unknown>);
    expect(JSON.stringify(v)).not.toMatch(/\\[rn]/);
    expect(v.components[0]).toEqual({ name: 'evil PRIVMSG #x :hi', phase: 'Unavailable', ready: 0, message: 'a b' });
  });

  test('Blocked is down; AwaitingApproval is not, and carries the upgrade', () => {
    expect(viewOf(t, makeSuperset({ ...t, phase: 'Blocked', tag: '6.0.0' }) as unknown as Record<string, unknown>).healthy).toBe(false);
    const v = viewOf(
      t,
      makeSuperset({ ...t, phase: 'AwaitingApproval', tag: '5.0.0', upgrade: { fromTag: '5.0.0', toTag: '6.0.0', approvalToken: 'tok' } }) as unknown as Record<
        string,
        unknown
      >,
    );
    expect(v).toMatchObject({ healthy: true, upgrade: { fromTag: '5.0.0', toTag: '6.0.0', approvalToken: 'tok' } });
  });
});

describe('config', () => {
  const base = { services: { superset: { environments: { staging: { namespace: 'superset-next', selector: 'app=superset' } } } } };
  test('health and operator with their defaults', () => {
    const c = parseConfig({
      ...base,
      services: {
        superset: {
          health: { kind: 'superset' },
          environments: { staging: { ...base.services.superset.environments.staging, operator: { name: 'superset' } } },
        },
      },
    });
    expect(c.services.superset!.health).toEqual({ kind: 'superset', timeoutMs: 3000, heartbeatSeconds: 30 });
    expect(c.services.superset!.environments.staging!.operator).toEqual({ name: 'superset' });
    expect(c.monitor.healthSeconds).toBe(15);
  });

  test('an unknown kind or key is refused with the place named', () => {
    expect(() => parseConfig({ ...base, services: { superset: { ...base.services.superset, health: { kind: 'flask' } } } })).toThrow(
      /services\.superset\.health\.kind/,
    );
    expect(() => parseConfig({ ...base, services: { superset: { ...base.services.superset, health: { kind: 'superset', timeout: 3 } } } })).toThrow(/timeout/);
    expect(() =>
      parseConfig({
        ...base,
        services: { superset: { ...base.services.superset, health: { kind: 'superset', probes: [{ service: 'x', port: 80, path: 'health?x=1' }] } } },
      }),
    ).toThrow(/path/);
  });
});
