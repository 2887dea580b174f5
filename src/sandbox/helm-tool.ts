// The sandbox's `helmfile` and `helm`: small programs, put first on PATH by the sandbox
// (src/sandbox/tools.ts writes the wrappers), that answer the commands Deckhand runs — helmfile
// diff/apply, helm diff upgrade/upgrade/history/rollback — against the SANDBOX cluster only, through
// its Kubernetes API: the release's values files in the sandbox deployment-charts checkout are
// rendered (helm-render.ts), compared with the live deployments, and applied as merge patches; then
// the new pods are waited for, like helm --atomic/--wait. Revisions are kept in the state directory.
//
//   node helm-tool.js <api url> <state dir> helmfile|helm <argv…>
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { HelmRevision } from '../deploy/helm-history.js';
import { diffLines, managedAnnotations, patchFor, readValues, render, type DeploymentState, type ReleaseState } from './helm-render.js';

/** A revision as `helm history -o json` shows it, and the release as it was then. */
interface Revision extends HelmRevision {
  state: ReleaseState;
}

interface Release {
  name: string;
  namespace: string;
  chart: string;
  valuesFiles: string[];
}

const [apiUrl, stateDir, tool, ...argv] = process.argv.slice(2) as [string, string, string, ...string[]];
const out = (s: string) => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');

function option(names: string[]): string | undefined {
  const i = argv.findIndex((a) => names.includes(a));
  return i >= 0 ? argv[i + 1] : undefined;
}

async function api<T>(method: string, p: string, body?: unknown): Promise<T> {
  const r = await fetch(apiUrl + p, {
    method,
    ...(body ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/merge-patch+json' } } : {}),
  });
  const json = (await r.json()) as T & { message?: string };
  if (!r.ok) throw new Error(json.message ?? `${method} ${p}: HTTP ${r.status}`);
  return json;
}

function repoRoot(from: string): string {
  for (let d = from; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return from;
  }
}

/** The release a helmfile.yaml of the sandbox repository describes (plain YAML), or helm's arguments. */
function release(): Release {
  const cwd = process.cwd();
  if (tool === 'helmfile') {
    const doc = parse(readFileSync(path.join(cwd, 'helmfile.yaml'), 'utf8')) as {
      releases?: { name: string; namespace: string; chart: string; values?: string[] }[];
    };
    const wanted = option(['--selector', '-l'])?.replace(/^name=/, '');
    const r = doc.releases?.find((x) => !wanted || x.name === wanted);
    if (!r) throw new Error(`no release matches the selector name=${wanted}`);
    const chartDir = path.join(repoRoot(cwd), 'charts', path.basename(r.chart));
    return {
      name: r.name,
      namespace: r.namespace,
      chart: r.chart,
      valuesFiles: [path.join(chartDir, 'values.yaml'), ...(r.values ?? []).map((v) => path.resolve(cwd, v))],
    };
  }
  // helm upgrade|diff upgrade <release> [--namespace ns] <chart> -f <file>…
  const words = argv[0] === 'diff' ? argv.slice(2) : argv.slice(1);
  const positional = words.filter(
    (w, i) => !w.startsWith('-') && !['--namespace', '-n', '-f', '--values', '--timeout', '--kubeconfig'].includes(words[i - 1] ?? ''),
  );
  const files = words.flatMap((w, i) => (['-f', '--values'].includes(words[i - 1] ?? '') ? [path.resolve(cwd, w)] : []));
  const chart = positional[1] ?? `./${positional[0]}`;
  return {
    name: positional[0]!,
    namespace: option(['--namespace', '-n']) ?? 'default',
    chart,
    valuesFiles: [path.resolve(cwd, chart, 'values.yaml'), ...files],
  };
}

async function deploymentsOf(r: { name: string; namespace: string }): Promise<V1Deployment[]> {
  const list = await api<{ items: V1Deployment[] }>('GET', `/apis/apps/v1/namespaces/${r.namespace}/deployments`);
  const mine = list.items.filter((d) => d.metadata?.annotations?.['meta.helm.sh/release-name'] === r.name);
  return mine.length ? mine : list.items;
}

function liveState(d: V1Deployment): DeploymentState {
  const c = d.spec!.template.spec!.containers[0]!;
  return { image: c.image!, containerName: c.name, replicas: d.spec?.replicas ?? 1, annotations: managedAnnotations(d.spec?.template.metadata?.annotations) };
}

const historyFile = (r: { name: string; namespace: string }) => path.join(stateDir, `release-${r.namespace}-${r.name}.json`);
const tagOf = (image: string) => image.replace(/@sha256:.*$/, '').replace(/^.*:/, '');

async function history(r: { name: string; namespace: string }): Promise<Revision[]> {
  const f = historyFile(r);
  if (existsSync(f)) return JSON.parse(readFileSync(f, 'utf8')) as Revision[];
  // first contact: what runs now is revision 1
  const deps = await deploymentsOf(r);
  const state = Object.fromEntries(deps.map((d) => [d.metadata!.name!, liveState(d)]));
  const first = Object.values(state)[0];
  return [
    {
      revision: 1,
      updated: new Date(Date.now() - 6 * 86400_000).toISOString(),
      status: 'deployed',
      chart: deps[0]?.metadata?.labels?.chart ?? 'unknown-0.1.0',
      app_version: first ? tagOf(first.image).slice(0, 17) : '',
      description: 'Install complete',
      state,
    },
  ];
}

function saveRevision(r: { name: string; namespace: string }, revs: Revision[], state: ReleaseState, description: string): number {
  const prev = revs.at(-1)!;
  for (const x of revs) if (x.status === 'deployed') x.status = 'superseded';
  const first = Object.values(state)[0];
  const revision = prev.revision + 1;
  revs.push({
    revision,
    updated: new Date().toISOString(),
    status: 'deployed',
    chart: prev.chart,
    app_version: first ? tagOf(first.image).slice(0, 17) : '',
    description,
    state,
  });
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(historyFile(r), JSON.stringify(revs, null, 1));
  return revision;
}

/** Patch every deployment to its wanted state, then wait until its pods are the new ones and Ready. */
async function applyState(namespace: string, deps: V1Deployment[], want: ReleaseState, timeoutMs: number): Promise<void> {
  for (const d of deps) {
    const w = want[d.metadata!.name!];
    if (w)
      await api('PATCH', `/apis/apps/v1/namespaces/${namespace}/deployments/${d.metadata!.name}`, patchFor(w, liveState(d), d.spec!.template.spec!.containers));
  }
  const until = Date.now() + timeoutMs;
  for (const d of deps) {
    const w = want[d.metadata!.name!];
    if (!w) continue;
    const sel = Object.entries(d.spec?.selector?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    for (;;) {
      const pods = (await api<{ items: V1Pod[] }>('GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(sel)}`)).items.filter((p) =>
        p.metadata?.ownerReferences?.some((o) => o.name.startsWith(`${d.metadata!.name}-`)),
      );
      const current = pods.filter(
        (p) =>
          p.spec?.containers[0]?.image === w.image &&
          Object.entries(w.annotations).every(([k, v]) => p.metadata?.annotations?.[k] === v) &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      if (current.length === w.replicas && pods.length === w.replicas) break;
      if (Date.now() > until)
        throw new Error(`timed out waiting for the condition (deployment ${d.metadata!.name}: ${current.length}/${w.replicas} new pods ready)`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }
}

async function diffOrApply(apply: boolean): Promise<number> {
  const r = release();
  const restart = argv.some((a) => a === 'roll_restart=1');
  const values = readValues(r.valuesFiles);
  const deps = await deploymentsOf(r);
  const now = new Date().toISOString();
  const want: ReleaseState = {};
  const lines: string[] = [];
  for (const d of deps) {
    const live = liveState(d);
    const w = render(values, live, apply && restart ? now : undefined);
    want[d.metadata!.name!] = w;
    lines.push(...diffLines(r.namespace, d.metadata!.name!, r.chart, live, w));
  }
  out(`Comparing release=${r.name}, chart=${r.chart}, namespace=${r.namespace}`);
  for (const l of lines) out(l);
  if (!apply) return lines.length ? 2 : 0;
  if (!lines.length) {
    out('');
    out('No affected releases');
    return 0;
  }
  const revs = await history(r);
  out(`Upgrading release=${r.name}, chart=${r.chart}, namespace=${r.namespace}`);
  await applyState(r.namespace, deps, want, 120_000);
  const rev = saveRevision(r, revs, want, 'Upgrade complete');
  out(`Release "${r.name}" has been upgraded. Happy Helming!`);
  out(`NAME: ${r.name}`);
  out(`LAST DEPLOYED: ${new Date().toUTCString()}`);
  out(`NAMESPACE: ${r.namespace}`);
  out('STATUS: deployed');
  out(`REVISION: ${rev}`);
  return 0;
}

async function main(): Promise<number> {
  // marked, but without brackets: Deckhand finds helm's JSON answer by its first '['
  err(`SANDBOX ${tool}: Deckhand's sandbox ${tool}, changing only the sandbox cluster at ${apiUrl}`);
  if (tool === 'helmfile') {
    const sub = argv.find((a) => ['diff', 'apply', 'sync'].includes(a));
    if (!sub) return (err(`SANDBOX helmfile: only diff and apply are played here`), 1);
    return diffOrApply(sub !== 'diff');
  }
  const sub = argv[0];
  if (sub === 'diff') return diffOrApply(false);
  if (sub === 'upgrade') return diffOrApply(true);
  const r = { name: argv[1]!, namespace: option(['-n', '--namespace']) ?? 'default' };
  if (sub === 'history') {
    const revs = await history(r);
    out(JSON.stringify(revs.map(({ state: _s, ...x }) => x)));
    return 0;
  }
  if (sub === 'rollback') {
    const revs = await history(r);
    const to = Number(argv[2]);
    const target = revs.find((x) => x.revision === to);
    if (!target) return (err(`Error: release has no ${argv[2]} version`), 1);
    await applyState(r.namespace, await deploymentsOf(r), target.state, 120_000);
    saveRevision(r, revs, target.state, `Rollback to ${to}`);
    out('Rollback was a success! Happy Helming!');
    return 0;
  }
  err(`SANDBOX helm: "${sub}" is not played here`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(`Error: ${(e as Error).message}`);
    process.exit(1);
  },
);
