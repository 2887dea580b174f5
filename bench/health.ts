// Issue 15 figures: what a health probe through the API server's service proxy costs (the fake API
// forwarding to a local HTTP server: Superset's /health and Airflow's health JSON), the operator CR read,
// and how closely a hanging probe keeps to its bound.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkHealth } from '../src/health/check.js';
import { KubeClient, kubeConfigForUrl } from '../src/kube/client.js';
import { makeSuperset } from '../src/sandbox/kube-api-superset.js';
import { startFakeKubeApi } from '../src/sandbox/kube-api.js';
import { exampleConfig } from '../test/support/config.js';
import { percentile, round } from './stats.js';

export async function benchHealth(n = 400): Promise<Record<string, unknown>> {
  const hung: ServerResponse[] = [];
  let hang = false;
  const app = createServer((req, res) => {
    if (req.url === '/health') return hang ? void hung.push(res) : void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
    const beat = new Date(Date.now() - 3000).toISOString();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        metadatabase: { status: 'healthy' },
        scheduler: { status: 'healthy', latest_scheduler_heartbeat: beat },
        triggerer: { status: 'healthy', latest_triggerer_heartbeat: beat },
        dag_processor: { status: 'healthy', latest_dag_processor_heartbeat: beat },
      }),
    );
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const upstream = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  const api = await startFakeKubeApi();
  api.proxies.set('superset-next', 'superset-staging', [8088], upstream);
  api.proxies.set('airflow-search', 'airflow-api-server', [8080], upstream);
  api.upsertSuperset(makeSuperset({ namespace: 'superset-next', name: 'superset', phase: 'Running', tag: '6.0.0' }));
  const base = exampleConfig();
  const config = exampleConfig({
    services: {
      superset: {
        ...base.services.superset!,
        health: { kind: 'superset', timeoutMs: 200 },
        environments: { staging: { ...base.services.superset!.environments.staging!, operator: { name: 'superset' } } },
      },
      'airflow-search': { ...base.services['airflow-search']!, health: { kind: 'airflow3', probes: [{ service: 'airflow-api-server', port: 8080 }] } },
    },
    rollouts: {},
  });
  const kube = new KubeClient(kubeConfigForUrl(api.url, ['dse-k8s-eqiad']), { timeoutMs: 3000 });
  const time = async (service: string, env: string): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const r = await checkHealth(kube, config, service, env, Date.now);
      out.push(performance.now() - t);
      if (!r.probes.every((p) => p.ok)) throw new Error(`probe failed: ${r.probes.map((p) => p.text).join(', ')}`);
    }
    return out;
  };
  try {
    await time('superset', 'staging'); // warm-up (connections, JIT)
    const superset = await time('superset', 'staging');
    const airflow = await time('airflow-search', 'production');
    hang = true;
    const bound: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const r = await checkHealth(kube, config, 'superset', 'staging', Date.now);
      bound.push(performance.now() - t);
      if (r.probes[0]!.ok || !/no answer within/.test(r.probes[0]!.text)) throw new Error(`a hanging probe said: ${r.probes[0]!.text}`);
    }
    const p = (xs: number[], q: number) => round(percentile(xs, q), 2);
    return {
      healthProbes: {
        supersetCrAndProbeP50Ms: p(superset, 50),
        supersetCrAndProbeP99Ms: p(superset, 99),
        airflowProbeP50Ms: p(airflow, 50),
        airflowProbeP99Ms: p(airflow, 99),
        hangingProbeBoundMs: 200,
        hangingProbeAnsweredP50Ms: p(bound, 50),
        hangingProbeAnsweredMaxMs: round(Math.max(...bound), 2),
        n,
        goal: 'a probe round (CR read + service proxy GET) in a few ms on loopback; a hanging probe answered within its bound + 50 ms',
        note: 'fake API and applications on loopback: the Kubernetes API server and the network add their own latency in production',
      },
    };
  } finally {
    for (const r of hung) r.destroy();
    await api.close();
    await new Promise((r) => app.close(r));
  }
}
