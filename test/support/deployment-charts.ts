/**
 * A bare "remote" and a checkout of it, shaped like Wikimedia's operations/deployment-charts (facts in
 * ../shared/notes/real-world-files.md), for the flag and version edits (src/charts):
 * - charts/superset/values.yaml: the list-shaped `config.superset.feature_flags` (the five real
 *   defaults) and `extra_feature_flags` defined TWICE in the same map (once empty, once `[]`), with
 *   `auth_role_mappings`, `app.version: latest`, `assets.version: latest`;
 * - helmfile.d/dse-k8s-services/superset-next/values-staging.yaml with the historic per-instance
 *   `extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER]`, superset/values-production.yaml;
 * - superset/ and superset-next/ values-dse-k8s-eqiad.yaml as git symlinks (mode 120000) to
 *   _superset_common_/values-dse-k8s-eqiad.yaml, which holds app.version/assets.version;
 * - the Airflow instances sharing _airflow_common_/values-dse-k8s-eqiad.yaml the same way.
 * Git runs with no global or system config (GIT_CONFIG_GLOBAL=/dev/null), so a developer's own
 * settings (signing, hooks, default branch) cannot change what the tests see.
 */
import { helmfile } from './charts-repo.js';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const IMAGE = '2026-02-16-150514-b1a59e3aa1338ab93a8fff9291fb01936bba3c5c@sha256:4f1c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0';
export const NEXT_IMAGE = '2026-06-02-091245-0c5d8e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819@sha256:9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9';
export const AIRFLOW_IMAGE = 'airflow-2.11.2-py3.11-2026-06-10-101010@sha256:0011223344556677889900aabbccddeeff00112233445566778899aabbccddee';

const S = 'helmfile.d/dse-k8s-services';
export const PATHS = {
  chart: 'charts/superset/values.yaml',
  production: `${S}/superset/values-production.yaml`,
  staging: `${S}/superset-next/values-staging.yaml`,
  supersetShared: `${S}/_superset_common_/values-dse-k8s-eqiad.yaml`,
  supersetLink: `${S}/superset/values-dse-k8s-eqiad.yaml`,
  nextLink: `${S}/superset-next/values-dse-k8s-eqiad.yaml`,
  airflowShared: `${S}/_airflow_common_/values-dse-k8s-eqiad.yaml`,
  airflowTest: `${S}/airflow-test-k8s/values-production.yaml`,
  airflowTestLink: `${S}/airflow-test-k8s/values-dse-k8s-eqiad.yaml`,
  airflowSearch: `${S}/airflow-search/values-production.yaml`,
  airflowSearchLink: `${S}/airflow-search/values-dse-k8s-eqiad.yaml`,
} as const;

export const CHART_VALUES = `# Default values for superset.
# This is a YAML-formatted file.
# Declare variables to be passed into your templates.
helm_scaffold_version: 0.4 # This can be useful when backporting fixes.
docker:
  registry: docker-registry.discovery.wmnet
  pull_policy: IfNotPresent
resources:
  replicas: 1
app:
  image: repos/data-engineering/superset
  version: latest # we use latest everywhere in the defaults.
  port: 8088
assets:
  image: repos/data-engineering/superset-frontend-assets
  version: latest
config:
  superset:
    # LDAP groups → Superset roles, given at every login
    auth_role_mappings:
      nda:
        - sql_lab
      superset-admins:
        - Admin
        - sql_lab
      wmf:
        - sql_lab
    auth_user_registration_role: Alpha
    # Enabled on every instance. Helm replaces lists instead of merging them:
    # an instance adds flags of its own through extra_feature_flags.
    feature_flags:
      - ENABLE_TEMPLATE_PROCESSING
      - DASHBOARD_NATIVE_FILTERS
      - ENABLE_FILTER_BOX_MIGRATION
      - PRESTO_EXPAND_DATA
      - CACHE_QUERY_BY_USER
    extra_feature_flags:
    # Per-instance feature flags, rendered after feature_flags
    extra_feature_flags: []
`;

export const PRODUCTION_VALUES = `resources:
  replicas: 4
config:
  superset:
    # nothing beyond the chart's flags in production
    extra_feature_flags: []
`;

export const STAGING_VALUES = `# superset-next: the staging copy of Superset, where new versions and features are tried first
resources:
  replicas: 2
config:
  superset:
    # Try new features here before enabling them for everyone in charts/superset/values.yaml
    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER]
`;

export const SUPERSET_SHARED = `# Shared by superset (production) and superset-next (staging) through symlinks.
app:
  version: ${IMAGE}
assets:
  version: ${IMAGE}
`;

/** Lines that differ between a and b, once the common first and last lines are set aside. */
export function changedLines(a: string, b: string): { removed: string[]; added: string[] } {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  let j = 0;
  while (j < x.length - i && j < y.length - i && x[x.length - 1 - j] === y[y.length - 1 - j]) j++;
  return { removed: x.slice(i, x.length - j), added: y.slice(i, y.length - j) };
}

export interface DeploymentCharts {
  /** Temp directory holding everything below. */
  root: string;
  /** The bare "remote" (origin of the checkout). */
  remote: string;
  /** The deploy host's checkout (deploymentCharts.checkout). */
  checkout: string;
  /** Environment for git: no global/system config, fixed identity for the fixture's own commits. */
  env: Record<string, string>;
  git(cwd: string, ...args: string[]): string;
  /** Another clone of the remote: a colleague's laptop. */
  clone(name: string): string;
  /** Write a file in a clone, commit it (as Colleague) and return the commit id. */
  commit(cwd: string, rel: string, text: string, message: string): string;
  read(rel: string, cwd?: string): string;
  cleanup(): void;
}

export function createDeploymentCharts(): DeploymentCharts {
  const root = mkdtempSync(path.join(tmpdir(), 'deckhand-dc-'));
  const remote = path.join(root, 'remote.git');
  const checkout = path.join(root, 'checkout');
  const env: Record<string, string> = {
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  };
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'init.defaultBranch=master', ...args], {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        ...env,
        GIT_AUTHOR_NAME: 'Colleague',
        GIT_AUTHOR_EMAIL: 'colleague@example.org',
        GIT_COMMITTER_NAME: 'Colleague',
        GIT_COMMITTER_EMAIL: 'colleague@example.org',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const write = (base: string, rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(base, rel)), { recursive: true });
    writeFileSync(path.join(base, rel), text);
  };
  const link = (base: string, target: string, rel: string) => {
    mkdirSync(path.dirname(path.join(base, rel)), { recursive: true });
    symlinkSync(target, path.join(base, rel));
  };

  git(root, 'init', '-q', '--bare', remote);
  git(root, 'init', '-q', checkout);
  const w = (rel: string, text: string) => write(checkout, rel, text);
  w(`${S}/global.yaml`, 'kubernetesApi:\n  host: dse-k8s-ctrl.svc.eqiad.wmnet\n');
  w(PATHS.supersetShared, SUPERSET_SHARED);
  w(`${S}/superset/helmfile.yaml`, helmfile('superset', 'production', 'superset', 'wmf-stable/superset'));
  w(PATHS.production, PRODUCTION_VALUES);
  link(checkout, '../_superset_common_/values-dse-k8s-eqiad.yaml', PATHS.supersetLink);
  w(`${S}/superset-next/helmfile.yaml`, helmfile('superset-next', 'staging', 'superset-next', 'wmf-stable/superset'));
  w(PATHS.staging, STAGING_VALUES);
  link(checkout, '../_superset_common_/values-dse-k8s-eqiad.yaml', PATHS.nextLink);
  w(PATHS.airflowShared, `app:\n  version: ${AIRFLOW_IMAGE}\n`);
  for (const inst of ['airflow-search', 'airflow-test-k8s', 'airflow-analytics-test']) {
    w(`${S}/${inst}/helmfile.yaml`, helmfile(inst, 'production', inst, 'wmf-stable/airflow'));
    w(`${S}/${inst}/values-production.yaml`, `config:\n  airflow:\n    instance_name: ${inst.replace(/^airflow-/, '')}\n`);
    link(checkout, '../_airflow_common_/values-dse-k8s-eqiad.yaml', `${S}/${inst}/values-dse-k8s-eqiad.yaml`);
  }
  w('charts/superset/Chart.yaml', 'apiVersion: v2\nname: superset\nversion: 0.9.4\nappVersion: 4.1.2\n');
  w(PATHS.chart, CHART_VALUES);
  git(checkout, 'add', '.');
  git(checkout, 'commit', '-q', '-m', 'deployment-charts fixture');
  git(checkout, 'remote', 'add', 'origin', remote);
  git(checkout, 'push', '-q', '-u', 'origin', 'master');

  const fixture: DeploymentCharts = {
    root,
    remote,
    checkout,
    env,
    git,
    clone(name) {
      const dir = path.join(root, name);
      git(root, 'clone', '-q', remote, dir);
      return dir;
    },
    commit(cwd, rel, text, message) {
      write(cwd, rel, text);
      git(cwd, 'add', '--', rel);
      git(cwd, 'commit', '-q', '-m', message, '--', rel);
      return git(cwd, 'rev-parse', 'HEAD').trim();
    },
    read: (rel, cwd = checkout) => readFileSync(path.join(cwd, rel), 'utf8'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  return fixture;
}
