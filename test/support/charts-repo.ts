/**
 * A real git checkout in a temp directory shaped like operations/deployment-charts (see
 * notes/real-world-files.md): helmfile.d/dse-k8s-services/<service>/helmfile.yaml with its values files,
 * the shared values files as git symlinks, charts/superset, and a paws/ chart deployed with plain helm.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ChartsRepo {
  dir: string;
  git(...args: string[]): string;
  cleanup(): void;
}

const IMAGE = '2026-02-16-150514-b1a59e3aa1338ab93a8fff9291fb01936bba3c5c@sha256:4f1c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0';

/** A service's helmfile.yaml as in deployment-charts (shape: real-world-files.md). */
export function helmfile(service: string, release: string, namespace: string, chart: string): string {
  return `helmDefaults:
  atomic: true
  timeout: 600
  args:
    - --kubeconfig
    - /etc/kubernetes/${service}-deploy-{{ .Environment.Name }}.config

environments:
  dse-k8s-eqiad:
    values:
      - releases: [${release}]

hooks:
  - events: ["prepare", "cleanup"]
    command: "helmfile_log_sal"
    args: ["{{\`{{.HelmfileCommand}}\`}}", "[{{ .Environment.Name }}] Ran '{{\`{{ .HelmfileCommand }}\`}}' command on namespace '${namespace}' for release '${release}' ."]

releases:
  - name: ${release}
    namespace: ${namespace}
    chart: ${chart}
    recreatePods: {{ .StateValues | get "roll_restart" false }}
    values:
      - "/etc/helmfile-defaults/general-{{ .Environment.Name }}.yaml"
      - "values.yaml"
      - "/etc/helmfile-defaults/private/dse-k8s_services/${service}/{{ .Environment.Name }}.yaml"
      - "values-{{ .Environment.Name }}.yaml"
      - "values-{{ .Release.Name }}.yaml"
`;
}

export function createChartsRepo(): ChartsRepo {
  const dir = mkdtempSync(path.join(tmpdir(), 'deckhand-charts-'));
  const w = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  const link = (target: string, rel: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    symlinkSync(target, path.join(dir, rel));
  };
  const S = 'helmfile.d/dse-k8s-services';
  w(`${S}/global.yaml`, 'kubernetesApi:\n  host: dse-k8s-ctrl.svc.eqiad.wmnet\n');
  w(`${S}/_superset_common_/values-dse-k8s-eqiad.yaml`, `app:\n  version: ${IMAGE}\nassets:\n  version: ${IMAGE}\n`);
  w(`${S}/superset/helmfile.yaml`, helmfile('superset', 'production', 'superset', 'wmf-stable/superset'));
  w(`${S}/superset/values-production.yaml`, 'config:\n  superset:\n    extra_feature_flags: []\n');
  link('../_superset_common_/values-dse-k8s-eqiad.yaml', `${S}/superset/values-dse-k8s-eqiad.yaml`);
  w(`${S}/superset-next/helmfile.yaml`, helmfile('superset-next', 'staging', 'superset-next', 'wmf-stable/superset'));
  w(`${S}/superset-next/values-staging.yaml`, 'config:\n  superset:\n    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER]\n');
  link('../_superset_common_/values-dse-k8s-eqiad.yaml', `${S}/superset-next/values-dse-k8s-eqiad.yaml`);
  w(
    `${S}/_airflow_common_/values-dse-k8s-eqiad.yaml`,
    'app:\n  version: airflow-2.11.2-py3.11-2026-06-10-101010@sha256:0011223344556677889900aabbccddeeff00112233445566778899aabbccddee\n',
  );
  for (const inst of ['airflow-search', 'airflow-test-k8s', 'airflow-analytics-test']) {
    w(`${S}/${inst}/helmfile.yaml`, helmfile(inst, 'production', inst, 'wmf-stable/airflow'));
    w(`${S}/${inst}/values-production.yaml`, `config:\n  airflow:\n    instance_name: ${inst.replace(/^airflow-/, '')}\n`);
    link('../_airflow_common_/values-dse-k8s-eqiad.yaml', `${S}/${inst}/values-dse-k8s-eqiad.yaml`);
  }
  w('charts/superset/Chart.yaml', 'apiVersion: v2\nname: superset\nversion: 0.9.4\nappVersion: 4.1.2\n');
  w(
    'charts/superset/values.yaml',
    'app:\n  version: latest\nassets:\n  version: latest\nconfig:\n  superset:\n    feature_flags:\n      - ENABLE_TEMPLATE_PROCESSING\n      - DASHBOARD_NATIVE_FILTERS\n    extra_feature_flags:\n    extra_feature_flags: []\n',
  );
  w(
    'paws/Chart.yaml',
    'apiVersion: v2\nname: paws\nversion: 0.1.0\ndependencies:\n  - name: jupyterhub\n    version: 3.3.8\n    repository: https://hub.jupyter.org/helm-chart/\n',
  );
  w('paws/values.yaml', 'jupyterhub:\n  hub:\n    baseUrl: /\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Deckhand Test', '-c', 'user.email=deckhand@example.org', '-c', 'init.defaultBranch=master', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'deployment-charts fixture');
  // paws/secrets.yaml is not in git (like the real one, kept on the deploy host); its values are secrets
  return { dir, git, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** paws/secrets.yaml with a value that must never reach chat. */
export function writePawsSecrets(repo: ChartsRepo, secret: string): void {
  writeFileSync(
    path.join(repo.dir, 'paws/secrets.yaml'),
    `jupyterhub:\n  hub:\n    config:\n      MediaWikiOAuthenticator:\n        client_secret: ${secret}\n`,
  );
}
