// The config of values-file edits (feature flags, versions) in the deployment-charts checkout. Every
// path is relative to the checkout; `{dir}` stands for the environment's deploy.dir.
import { z } from 'zod';

/** One key of a values file path (`config.superset.extra_feature_flags` has three). */
export const KEY = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$/;
/** A git remote name and a branch name (a subset of check-ref-format, never an option). */
export const REMOTE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;

export const dotted = z
  .string()
  .refine((p) => p.split('.').every((k) => KEY.test(k)), 'must be a dotted path of plain keys, like config.superset.extra_feature_flags');
export const relPath = z
  .string()
  .regex(/^[A-Za-z0-9._][A-Za-z0-9._/-]*$/, 'must be a plain path relative to the deployment-charts checkout')
  .refine((p) => !p.split('/').some((s) => s === '' || s === '.' || s === '..'), 'must not contain empty, . or .. parts');
export const dirPath = z
  .string()
  .regex(/^(?:\{dir\}\/)?[A-Za-z0-9._][A-Za-z0-9._/-]*$/, 'must be a plain path relative to the checkout, optionally starting with {dir}/')
  .refine(
    (p) =>
      !p
        .replace(/^\{dir\}\//, '')
        .split('/')
        .some((s) => s === '' || s === '.' || s === '..'),
    'must not contain empty, . or .. parts',
  );
const email = z.string().regex(/^[^\s<>@,;"'\\]+@[^\s<>@,;"'\\]+$/, 'must be an e-mail address');

export const deploymentChartsSchema = z.strictObject({
  checkout: z.string().min(1),
  remote: z.string().regex(REMOTE, 'must be a plain git remote name').default('origin'),
  branch: z.string().regex(BRANCH, 'must be a plain branch name').default('master'),
  /** direct: push to <remote>/<branch>; review: push to reviewRef; local: commit in the checkout only. `true`/`false` mean direct/local. */
  push: z.union([z.enum(['direct', 'review', 'local']), z.boolean().transform((b) => (b ? 'direct' : 'local'))]).default('local'),
  /** For push: review. {branch}, {job}, {label}; e.g. refs/heads/deckhand/{label}-{job} for a plain git server. */
  reviewRef: z
    .string()
    .regex(/^refs\/[A-Za-z0-9._/{}-]+$/, 'must be a ref like refs/for/{branch}')
    .default('refs/for/{branch}'),
  /** Gerrit Change-Id trailer (Gerrit refuses changes without one); default: on when pushing for review to a Gerrit refs/for/ ref. */
  changeId: z.boolean().optional(),
  committer: z.strictObject({ name: z.string().min(1), email }).default({ name: 'Deckhand', email: 'deckhand@localhost' }),
  /** Directory for the per-job worktrees (default: the system temp directory). */
  worktrees: z.string().optional(),
  gitTimeoutSeconds: z.number().positive().default(60),
  /** Starting over on top of a remote that moved meanwhile, at most this many times. */
  attempts: z.number().int().min(1).max(10).default(3),
});

export const flagsSchema = z.strictObject({
  /** The environment's key in its `values` file: config.superset.extra_feature_flags */
  path: dotted,
  /** Shape to create when the key is in no file yet: list (presence = on) or map (NAME: true|false). */
  shape: z.enum(['list', 'map']).default('list'),
  /** The chart defaults, read only: { file: charts/superset/values.yaml, path: config.superset.feature_flags } */
  defaults: z.strictObject({ file: relPath, path: dotted }).optional(),
  /** Values files Helm reads between the chart and the environment's file, read only ({dir}/values-dse-k8s-eqiad.yaml). */
  layers: z.array(dirPath).default([]),
  /** Allow turning off a flag a list in another file turns on, by copying that whole list into the environment's file. */
  overrideDefaults: z.boolean().default(false),
});

export const upgradeSchema = z.strictObject({
  /** Where the version keys live; default: the environment's `values`. Real repo: {dir}/values-dse-k8s-eqiad.yaml (a shared symlink). */
  file: dirPath.optional(),
  keys: z.array(dotted).min(1).default(['app.version', 'assets.version']),
  /** When that file is shared with other environments and the request lacks --shared: refuse, write the environment's own file, or edit anyway. */
  onShared: z.enum(['refuse', 'own-file', 'edit']).default('refuse'),
});

export type DeploymentChartsConfig = z.infer<typeof deploymentChartsSchema>;
export type FlagsConfig = z.infer<typeof flagsSchema>;
export type UpgradeConfig = z.infer<typeof upgradeSchema>;
