// What exactly runs for a deploy: the argument vector and working directory, built only from the
// config and names already checked against the registry. Nothing typed in chat reaches argv.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Config, EnvironmentConfig } from '../config/schema.js';
import type { ServiceRegistry } from '../core/registry.js';
import { DeployNotConfiguredError, PathEscapeError, RefusedArgumentsError } from './errors.js';

export type DeployConfig = NonNullable<EnvironmentConfig['deploy']>;
export type Phase = 'diff' | 'apply' | 'history' | 'rollback';

export interface ToolRun {
  tool: 'helmfile' | 'helm';
  argv: string[];
  /** Absolute, inside the checkout. */
  cwd: string;
  phase: Phase;
  /** Values files of the run that hold secrets (their strings are redacted). */
  secretFiles: string[];
}

export interface Target {
  service: string;
  environment: string;
  env: EnvironmentConfig;
  deploy: DeployConfig;
}

// Config values that become arguments: never an option, never a shell-looking string.
const HELMFILE_ENV = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const REPO_CHART = /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/;
const REL_PATH = /^[A-Za-z0-9._][A-Za-z0-9._/-]*$/;

export function target(config: Config, registry: ServiceRegistry, service: string, environment: string): Target {
  const env = registry.environment(service, environment);
  if (!env.deploy)
    throw new DeployNotConfiguredError(`${service} ${environment} has no deploy configured (services.${service}.environments.${environment}.deploy)`);
  return { service, environment, env, deploy: env.deploy };
}

/** Environments of a service that can be deployed, in config order. */
export function deployableEnvironments(registry: ServiceRegistry, service: string): string[] {
  return registry.environments(service).filter((e) => registry.environment(service, e).deploy);
}

function checkoutRoot(config: Config): string {
  const checkout = config.deploymentCharts?.checkout;
  if (!checkout) throw new DeployNotConfiguredError('deploys are not configured: set deploymentCharts.checkout');
  try {
    return realpathSync(checkout);
  } catch {
    throw new DeployNotConfiguredError(`the deployment-charts checkout ${checkout} does not exist on this worker`);
  }
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

/** A relative path from the config, resolved (symlinks too) and required to stay inside the checkout. */
function confined(root: string, base: string, rel: string, what: string): string {
  if (path.isAbsolute(rel) || !REL_PATH.test(rel) || rel.split('/').includes('..')) throw new PathEscapeError(`${what} "${rel}"`);
  const lexical = path.resolve(base, rel);
  if (!inside(root, lexical)) throw new PathEscapeError(`${what} "${rel}"`);
  const real = existsSync(lexical) ? realpathSync(lexical) : lexical;
  if (!inside(root, real)) throw new PathEscapeError(`${what} "${rel}"`);
  return real;
}

export function workdir(config: Config, t: Target): string {
  const root = checkoutRoot(config);
  const dir = t.deploy.dir;
  if (dir === undefined) return root;
  const cwd = confined(root, root, dir, `${t.service} ${t.environment} deploy.dir`);
  if (!existsSync(cwd)) throw new DeployNotConfiguredError(`${t.service} ${t.environment}: ${dir} does not exist in the deployment-charts checkout`);
  return cwd;
}

function need(ok: boolean, what: string): void {
  if (!ok) throw new RefusedArgumentsError(`refused: ${what} is not a plain name (check the config)`);
}

export interface PlanOptions {
  /** roll_restart=1: recreate the pods (helmfile only). */
  restart?: boolean;
}

/** `helmfile -e <env> [--selector name=x] diff --suppress-secrets --detailed-exitcode`, or helm-diff's equivalent. */
export function plan(config: Config, t: Target, phase: Phase, o: PlanOptions = {}): ToolRun {
  const cwd = workdir(config, t);
  const d = t.deploy;
  if (d.tool === 'helmfile') {
    need(HELMFILE_ENV.test(d.environment), `helmfile environment "${d.environment}"`);
    const globals = ['-e', d.environment, ...(d.selector ? ['--selector', d.selector] : [])];
    if (phase === 'diff') return { tool: 'helmfile', cwd, phase, secretFiles: [], argv: [...globals, 'diff', '--suppress-secrets', '--detailed-exitcode'] };
    const restart = o.restart ? ['--state-values-set', 'roll_restart=1'] : [];
    return { tool: 'helmfile', cwd, phase, secretFiles: [], argv: [...globals, ...restart, 'apply', '--suppress-secrets', '--skip-diff-on-install'] };
  }
  if (o.restart) throw new RefusedArgumentsError(`${t.service} ${t.environment} is deployed with plain helm: restart works with helmfile's roll_restart only`);
  need(K8S_NAME.test(d.release), `helm release "${d.release}"`);
  if (d.namespace !== undefined) need(K8S_NAME.test(d.namespace), `namespace "${d.namespace}"`);
  const root = checkoutRoot(config);
  const chart = d.chart;
  if (!REPO_CHART.test(chart) || chart.startsWith('.')) {
    confined(root, cwd, chart, `${t.service} ${t.environment} chart`);
  }
  const values = d.valuesFiles.map((f) => ({ rel: f, abs: confined(root, cwd, f, `${t.service} ${t.environment} values file`) }));
  const ns = d.namespace ? ['--namespace', d.namespace] : [];
  const files = values.flatMap((v) => ['-f', v.rel]);
  const secretFiles = values.filter((v) => /secret/i.test(path.basename(v.rel))).map((v) => v.abs);
  if (phase === 'diff') {
    return { tool: 'helm', cwd, phase, secretFiles, argv: ['diff', 'upgrade', d.release, ...ns, chart, ...files, '--suppress-secrets', '--detailed-exitcode'] };
  }
  // as run by hand today: helm upgrade paws --namespace prod ./paws -f paws/secrets.yaml
  return { tool: 'helm', cwd, phase, secretFiles, argv: ['upgrade', d.release, ...ns, chart, ...files] };
}

/**
 * Every environment's secret values files (paws/secrets.yaml): their values are secrets wherever they
 * show up — a pod's log or an event as much as a deploy's output. A file a bad config points outside
 * the checkout is left out here (the deploy itself refuses it).
 */
export function secretValuesFiles(config: Config): string[] {
  const files = new Set<string>();
  if (!config.deploymentCharts?.checkout) return [];
  for (const [service, svc] of Object.entries(config.services))
    for (const [environment, env] of Object.entries(svc.environments)) {
      if (env.deploy?.tool !== 'helm') continue;
      try {
        for (const f of plan(config, { service, environment, env, deploy: env.deploy }, 'diff').secretFiles) files.add(f);
      } catch {
        // refused paths and names: the deploy says so
      }
    }
  return [...files];
}

/** How a run reads in a log header and in tests: `helmfile -e dse-k8s-eqiad diff …`. */
export function commandLine(run: Pick<ToolRun, 'tool' | 'argv'>): string {
  return [run.tool, ...run.argv].join(' ');
}
