// A release's helm history and its rollback: the argument vectors (from the config only, like plan.ts),
// and what `helm history -o json` answers, read into revisions.
import type { Config } from '../config/schema.js';
import { RefusedArgumentsError } from './errors.js';
import { workdir, type Target, type ToolRun } from './plan.js';

const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const KUBECONFIG = /^\/[A-Za-z0-9._/-]+$/;

export interface Release {
  name: string;
  namespace: string;
}

/** One entry of `helm history <release> -o json`. */
export interface HelmRevision {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
  description: string;
}

/** The environment's helm release: deploy.release, the helmfile selector's name=…, else the environment's name. */
export function releaseOf(t: Target): Release {
  const d = t.deploy;
  const name = d.tool === 'helm' ? d.release : (d.release ?? d.selector?.slice('name='.length) ?? t.environment);
  const namespace = (d.tool === 'helm' ? d.namespace : undefined) ?? t.env.namespace;
  for (const [what, v] of [
    ['helm release', name],
    ['namespace', namespace],
  ] as const) {
    if (!K8S_NAME.test(v)) throw new RefusedArgumentsError(`refused: ${what} "${v}" is not a plain name (check the config)`);
  }
  return { name, namespace };
}

function kubeconfigArgs(t: Target): string[] {
  const k = t.deploy.kubeconfig;
  if (k === undefined) return [];
  if (!KUBECONFIG.test(k)) throw new RefusedArgumentsError(`refused: kubeconfig "${k}" is not an absolute path (check the config)`);
  return ['--kubeconfig', k];
}

/** `helm history <release> -n <ns> -o json [--kubeconfig …]`, in the environment's directory. */
export function historyRun(config: Config, t: Target): ToolRun {
  const r = releaseOf(t);
  return {
    tool: 'helm',
    cwd: workdir(config, t),
    phase: 'history',
    secretFiles: [],
    argv: ['history', r.name, '-n', r.namespace, '-o', 'json', ...kubeconfigArgs(t)],
  };
}

/** `helm rollback <release> <revision> -n <ns> --wait --timeout <s>s [--kubeconfig …]`: helm gives up a minute before the job would stop it. */
export function rollbackRun(config: Config, t: Target, revision: number): ToolRun {
  const r = releaseOf(t);
  if (!Number.isSafeInteger(revision) || revision < 1) throw new RefusedArgumentsError(`refused: revision ${revision} is not a revision number`);
  const seconds = Math.max(30, Math.floor(config.deploy.timeoutMinutes * 60) - 60);
  return {
    tool: 'helm',
    cwd: workdir(config, t),
    phase: 'rollback',
    secretFiles: [],
    argv: ['rollback', r.name, String(revision), '-n', r.namespace, '--wait', '--timeout', `${seconds}s`, ...kubeconfigArgs(t)],
  };
}

/** The revisions helm answered, oldest first; undefined when the output is not helm's JSON. */
export function parseHistory(out: string): HelmRevision[] | undefined {
  const start = out.indexOf('[');
  if (start < 0) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(out.slice(start, out.lastIndexOf(']') + 1));
  } catch {
    return undefined;
  }
  if (!Array.isArray(raw)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
  return raw
    .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object' && Number.isSafeInteger((e as { revision?: unknown }).revision))
    .map((e) => ({
      revision: e.revision as number,
      updated: str(e.updated),
      status: str(e.status),
      chart: str(e.chart),
      app_version: str(e.app_version),
      description: str(e.description),
    }))
    .sort((a, b) => a.revision - b.revision);
}

/** The revision running now: the last one helm marks deployed. */
export function deployedRevision(h: HelmRevision[]): HelmRevision | undefined {
  return [...h].reverse().find((r) => r.status === 'deployed');
}

/** "revision 43 (superset-0.12.7, app 4.1.2)" */
export function describeRevision(r: HelmRevision): string {
  return `revision ${r.revision} (${[r.chart, r.app_version && `app ${r.app_version}`].filter(Boolean).join(', ')})`;
}
