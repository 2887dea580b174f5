// The functions that turn the (parsed) config into the targets of src/charts/change.ts. The schema
// fragments themselves live with the rest of the schema (src/config/charts.ts).
import type { z } from 'zod';
import { deploymentChartsSchema, flagsSchema, relPath, upgradeSchema } from '../config/charts.js';
import type { FlagTarget, VersionTarget } from './change.js';
import { ChartsNotConfiguredError } from './errors.js';
import type { Candidate } from './files.js';
import type { FlagsSpec } from './flags.js';
import type { GitSettings } from './git.js';
import type { VersionSpec } from './version.js';

/** The parts of the parsed Config this module reads (structural: works before and after the fragments are added). */
export interface ChartsEnvironmentView {
  values?: string | undefined;
  deploy?: { dir?: string | undefined } | undefined;
}
export interface ChartsServiceView {
  environments: Record<string, ChartsEnvironmentView>;
  flags?: unknown;
  upgrade?: unknown;
}
export type ChartsServices = Record<string, ChartsServiceView>;

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new ChartsNotConfiguredError(`${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`);
}

export type { DeploymentChartsConfig, FlagsConfig, UpgradeConfig } from '../config/charts.js';

export function gitSettings(dc: unknown, env?: Record<string, string>): GitSettings {
  if (dc === undefined || dc === null) throw new ChartsNotConfiguredError('flag and version edits are not configured: set deploymentCharts.checkout');
  const c = parse(deploymentChartsSchema, dc, 'deploymentCharts');
  return {
    checkout: c.checkout,
    remote: c.remote,
    branch: c.branch,
    push: c.push,
    reviewRef: c.reviewRef,
    changeId: c.changeId ?? (c.push === 'review' && c.reviewRef.startsWith('refs/for/')),
    committer: c.committer,
    ...(c.worktrees ? { worktrees: c.worktrees } : {}),
    timeoutMs: c.gitTimeoutSeconds * 1000,
    attempts: c.attempts,
    ...(env ? { env } : {}),
  };
}

function environmentOf(services: ChartsServices, service: string, environment: string): { svc: ChartsServiceView; env: ChartsEnvironmentView } {
  const svc = services[service];
  const env = svc?.environments[environment];
  if (!svc || !env) throw new ChartsNotConfiguredError(`no environment ${service} ${environment} in the config`);
  return { svc, env };
}

function expand(p: string, env: ChartsEnvironmentView, where: string): string {
  if (!p.startsWith('{dir}/')) return p;
  const dir = env.deploy?.dir;
  if (!dir) throw new ChartsNotConfiguredError(`${where} uses {dir}, but the environment has no deploy.dir`);
  return `${dir.replace(/\/+$/, '')}/${p.slice('{dir}/'.length)}`;
}

/** `superset-next` for helmfile.d/dse-k8s-services/superset-next; else `<service>-<environment>`. */
export function labelOf(service: string, environment: string, env: ChartsEnvironmentView): string {
  const dir = env.deploy?.dir?.replace(/\/+$/, '');
  return dir ? dir.split('/').at(-1)! : `${service}-${environment}`;
}

const nameOf = (service: string, environment: string) => `${service} ${environment}`;

function everyEnvironment(
  services: ChartsServices,
  fileOf: (svc: ChartsServiceView, env: ChartsEnvironmentView, where: string) => string | undefined,
): Candidate[] {
  const out: Candidate[] = [];
  for (const [s, svc] of Object.entries(services)) {
    for (const [e, env] of Object.entries(svc.environments)) {
      try {
        const file = fileOf(svc, env, `services.${s}.environments.${e}`);
        if (file) out.push({ name: nameOf(s, e), file });
      } catch {
        // not configured for this: cannot share
      }
    }
  }
  return out;
}

export function flagsSpec(services: ChartsServices, service: string, environment: string): FlagsSpec {
  const { svc, env } = environmentOf(services, service, environment);
  if (svc.flags === undefined) throw new ChartsNotConfiguredError(`${service} has no feature flags configured (services.${service}.flags)`);
  const f = parse(flagsSchema, svc.flags, `services.${service}.flags`);
  if (!env.values)
    throw new ChartsNotConfiguredError(`${service} ${environment} has no values file for its flags (services.${service}.environments.${environment}.values)`);
  return {
    label: nameOf(service, environment),
    file: parse(relPath, env.values, `services.${service}.environments.${environment}.values`),
    path: f.path,
    shape: f.shape,
    ...(f.defaults ? { defaults: f.defaults } : {}),
    layers: f.layers.map((l) => expand(l, env, `services.${service}.flags.layers`)),
    overrideDefaults: f.overrideDefaults,
  };
}

export function flagTarget(services: ChartsServices, service: string, environment: string): FlagTarget {
  const { env } = environmentOf(services, service, environment);
  return {
    name: nameOf(service, environment),
    label: labelOf(service, environment, env),
    spec: flagsSpec(services, service, environment),
    others: everyEnvironment(services, (svc, e) => (svc.flags !== undefined ? e.values : undefined)),
  };
}

function versionFile(svc: ChartsServiceView, env: ChartsEnvironmentView, where: string): string | undefined {
  if (svc.upgrade === undefined) return undefined;
  const u = parse(upgradeSchema, svc.upgrade, `${where}.upgrade`);
  return u.file ? expand(u.file, env, `${where}.upgrade.file`) : env.values;
}

export function versionTarget(services: ChartsServices, service: string, environment: string): VersionTarget {
  const { svc, env } = environmentOf(services, service, environment);
  if (svc.upgrade === undefined) throw new ChartsNotConfiguredError(`${service} has no upgrades configured (services.${service}.upgrade)`);
  const u = parse(upgradeSchema, svc.upgrade, `services.${service}.upgrade`);
  const file = versionFile(svc, env, `services.${service}`);
  if (!file)
    throw new ChartsNotConfiguredError(`${service} ${environment}: no file for the version (services.${service}.upgrade.file or the environment's values)`);
  const spec: VersionSpec = { label: nameOf(service, environment), file, keys: u.keys };
  return {
    name: nameOf(service, environment),
    label: labelOf(service, environment, env),
    spec,
    others: everyEnvironment(services, versionFile),
    onShared: u.onShared,
    ...(env.values ? { ownFile: env.values } : {}),
    ownFiles: everyEnvironment(services, (_svc, e) => e.values),
  };
}
