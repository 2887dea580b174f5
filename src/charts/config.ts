// The config src/charts needs, as zod fragments for src/config/schema.ts, and the functions that turn
// a (parsed) config into the targets of src/charts/change.ts.
//
// To add to src/config/schema.ts (see the report of issue 12):
//   configSchema:       deploymentCharts: deploymentChartsSchema.optional()      (replaces the inline object;
//                       checkout/remote/push:boolean keep working)
//   serviceSchema:      flags: flagsSchema.optional()                            (replaces { path })
//                       upgrade: upgradeSchema.optional()
//   environmentSchema:  values (exists): the environment's own values file, where its flags go
// Every path is relative to the checkout; `{dir}` stands for the environment's deploy.dir.
import { z } from 'zod';
import type { FlagTarget, VersionTarget } from './change.js';
import { ChartsNotConfiguredError } from './errors.js';
import type { Candidate } from './files.js';
import type { FlagsSpec } from './flags.js';
import type { GitSettings } from './git.js';
import { BRANCH, KEY, REMOTE } from './validate.js';
import type { VersionSpec } from './version.js';

const dotted = z
  .string()
  .refine((p) => p.split('.').every((k) => KEY.test(k)), 'must be a dotted path of plain keys, like config.superset.extra_feature_flags');
const relPath = z
  .string()
  .regex(/^[A-Za-z0-9._][A-Za-z0-9._/-]*$/, 'must be a plain path relative to the deployment-charts checkout')
  .refine((p) => !p.split('/').some((s) => s === '' || s === '.' || s === '..'), 'must not contain empty, . or .. parts');
const dirPath = z
  .string()
  .regex(/^(?:\{dir\}\/)?[A-Za-z0-9._][A-Za-z0-9._/-]*$/, 'must be a plain path relative to the checkout, optionally starting with {dir}/')
  .refine((p) => !p.replace(/^\{dir\}\//, '').split('/').some((s) => s === '' || s === '.' || s === '..'), 'must not contain empty, . or .. parts');
const email = z.string().regex(/^[^\s<>@,;"'\\]+@[^\s<>@,;"'\\]+$/, 'must be an e-mail address');

export const deploymentChartsSchema = z.object({
  checkout: z.string().min(1),
  remote: z.string().regex(REMOTE, 'must be a plain git remote name').default('origin'),
  branch: z.string().regex(BRANCH, 'must be a plain branch name').default('master'),
  /** direct: push to <remote>/<branch>; review: push to reviewRef; local: commit in the checkout only. `true`/`false` mean direct/local. */
  push: z.union([z.enum(['direct', 'review', 'local']), z.boolean().transform((b) => (b ? 'direct' : 'local'))]).default('local'),
  /** For push: review. {branch}, {job}, {label}; e.g. refs/heads/deckhand/{label}-{job} for a plain git server. */
  reviewRef: z.string().regex(/^refs\/[A-Za-z0-9._/{}-]+$/, 'must be a ref like refs/for/{branch}').default('refs/for/{branch}'),
  /** Gerrit Change-Id trailer (Gerrit refuses changes without one); default: on when pushing for review to a Gerrit refs/for/ ref. */
  changeId: z.boolean().optional(),
  committer: z.object({ name: z.string().min(1), email }).default({ name: 'Deckhand', email: 'deckhand@localhost' }),
  /** Directory for the per-job worktrees (default: the system temp directory). */
  worktrees: z.string().optional(),
  gitTimeoutSeconds: z.number().positive().default(60),
  /** Starting over on top of a remote that moved meanwhile, at most this many times. */
  attempts: z.number().int().min(1).max(10).default(3),
});

export const flagsSchema = z.object({
  /** The environment's key in its `values` file: config.superset.extra_feature_flags */
  path: dotted,
  /** Shape to create when the key is in no file yet: list (presence = on) or map (NAME: true|false). */
  shape: z.enum(['list', 'map']).default('list'),
  /** The chart defaults, read only: { file: charts/superset/values.yaml, path: config.superset.feature_flags } */
  defaults: z.object({ file: relPath, path: dotted }).optional(),
  /** Values files Helm reads between the chart and the environment's file, read only ({dir}/values-dse-k8s-eqiad.yaml). */
  layers: z.array(dirPath).default([]),
  /** Allow turning off a flag a list in another file turns on, by copying that whole list into the environment's file. */
  overrideDefaults: z.boolean().default(false),
});

export const upgradeSchema = z.object({
  /** Where the version keys live; default: the environment's `values`. Real repo: {dir}/values-dse-k8s-eqiad.yaml (a shared symlink). */
  file: dirPath.optional(),
  keys: z.array(dotted).min(1).default(['app.version', 'assets.version']),
  /** When that file is shared with other environments and the request lacks --shared: refuse, write the environment's own file, or edit anyway. */
  onShared: z.enum(['refuse', 'own-file', 'edit']).default('refuse'),
});

export type DeploymentChartsConfig = z.infer<typeof deploymentChartsSchema>;
export type FlagsConfig = z.infer<typeof flagsSchema>;
export type UpgradeConfig = z.infer<typeof upgradeSchema>;

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

function everyEnvironment(services: ChartsServices, fileOf: (svc: ChartsServiceView, env: ChartsEnvironmentView, where: string) => string | undefined): Candidate[] {
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
  if (!env.values) throw new ChartsNotConfiguredError(`${service} ${environment} has no values file for its flags (services.${service}.environments.${environment}.values)`);
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
  if (!file) throw new ChartsNotConfiguredError(`${service} ${environment}: no file for the version (services.${service}.upgrade.file or the environment's values)`);
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
