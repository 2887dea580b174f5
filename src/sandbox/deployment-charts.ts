// The sandbox's deployment-charts repository: a real git checkout, created on the first sandbox start
// (and completed later when the config names files it lacks), shaped like Wikimedia's
// operations/deployment-charts for what the config points at: each deployable environment's
// helmfile.d/<…>/helmfile.yaml (plain YAML the sandbox helmfile reads) with its values files, the
// chart defaults holding the feature flags, the version file shared by a service's environments
// through a git symlink, and plain-helm charts. `flag` and `upgrade` commit here; the sandbox helm
// renders from here. Values start as what the sandbox cluster runs, so the first diff shows only what
// the repository adds (its config checksum), and production runs an older image than staging.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { Config, EnvironmentConfig } from '../config/schema.js';

/** The five flags the real chart turns on everywhere (notes/real-world-files.md). */
const DEFAULT_FLAGS = ['ENABLE_TEMPLATE_PROCESSING', 'DASHBOARD_NATIVE_FILTERS', 'ENABLE_FILTER_BOX_MIGRATION', 'PRESTO_EXPAND_DATA', 'CACHE_QUERY_BY_USER'];
const SANDBOX_AUTHOR = { name: 'Deckhand sandbox', email: 'sandbox@deckhand.invalid' };

type Doc = Record<string, unknown>;

function setPath(doc: Doc, dotted: string, value: unknown): Doc {
  const keys = dotted.split('.');
  let at = doc;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Doc;
  at[keys.at(-1)!] = value;
  return doc;
}

/** `…@sha256:…` of the image: what values files call app.version. */
const versionOf = (image: string): string | undefined => /:([^:/]+@sha256:[0-9a-f]{64})$/.exec(image)?.[1] ?? /:([^:/@]+)$/.exec(image)?.[1];

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=master', '-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: SANDBOX_AUTHOR.name,
      GIT_AUTHOR_EMAIL: SANDBOX_AUTHOR.email,
      GIT_COMMITTER_NAME: SANDBOX_AUTHOR.name,
      GIT_COMMITTER_EMAIL: SANDBOX_AUTHOR.email,
    },
  });
}

interface Planned {
  /** Relative to the checkout. */
  rel: string;
  text?: string;
  /** A symlink to this (relative to the link's directory). */
  link?: string;
}

const header = (what: string) => `# SANDBOX ${what}, written by Deckhand's sandbox (src/sandbox/deployment-charts.ts): not a production file\n`;

function releaseName(envName: string, env: EnvironmentConfig): string {
  const d = env.deploy!;
  return d.tool === 'helm' ? d.release : (d.release ?? d.selector?.slice('name='.length) ?? envName);
}

/** What the config needs in the checkout, with contents from the sandbox cluster's deployments. */
export function plannedFiles(config: Config, deployments: V1Deployment[]): Planned[] {
  const files = new Map<string, Planned>();
  const add = (p: Planned) => void (files.has(p.rel) ? undefined : files.set(p.rel, p));
  const liveOf = (env: EnvironmentConfig, release: string) =>
    deployments.find((d) => d.metadata?.namespace === env.namespace && d.metadata?.annotations?.['meta.helm.sh/release-name'] === release) ??
    deployments.find((d) => d.metadata?.namespace === env.namespace);

  for (const [sname, service] of Object.entries(config.services)) {
    const chart = service.flags?.defaults?.file.match(/^charts\/([^/]+)\/values\.yaml$/)?.[1] ?? sname.split('-')[0]!;
    const envs = Object.entries(service.environments).filter(([, e]) => e.deploy);
    const dirOf = (e: EnvironmentConfig) => e.deploy!.dir ?? '';
    const fill = (p: string, e: EnvironmentConfig) => p.replace(/^\{dir\}\//, dirOf(e) ? `${dirOf(e)}/` : '');
    // the version file: one, shared through symlinks, when every environment's resolves to the same name in its own dir
    const versionKeys = service.upgrade?.keys ?? [];
    const lastLive = envs.length ? liveOf(envs.at(-1)![1], releaseName(envs.at(-1)![0], envs.at(-1)![1])) : undefined;
    const version = lastLive ? versionOf(lastLive.spec?.template.spec?.containers[0]?.image ?? '') : undefined;
    if (service.upgrade?.file && version) {
      const targets = envs.map(([, e]) => fill(service.upgrade!.file!, e));
      const versions = setPathAll({}, versionKeys, version);
      if (envs.length > 1 && new Set(targets.map((t) => path.basename(t))).size === 1 && new Set(targets).size > 1) {
        const common = path.join(path.dirname(path.dirname(targets[0]!)), `_${chart}_common_`, path.basename(targets[0]!));
        add({ rel: common, text: header(`version file shared by ${sname}'s environments`) + stringify(versions) });
        for (const t of targets) add({ rel: t, link: path.relative(path.dirname(t), common) });
      } else for (const t of targets) add({ rel: t, text: header(`${sname} version file`) + stringify(versions) });
    }
    if (service.flags?.defaults) {
      const f = service.flags.defaults;
      const defaults = service.flags.shape === 'map' ? Object.fromEntries(DEFAULT_FLAGS.map((x) => [x, true])) : DEFAULT_FLAGS;
      add({ rel: f.file, text: header(`${chart} chart defaults`) + stringify(setPath({ app: { version: 'latest' } }, f.path, defaults)) });
      add({ rel: path.join(path.dirname(f.file), 'Chart.yaml'), text: `apiVersion: v2\nname: ${chart}\nversion: 0.9.4\n` });
    }
    for (const [ename, env] of envs) {
      const d = env.deploy!;
      const release = releaseName(ename, env);
      const live = liveOf(env, release);
      for (const layer of service.flags?.layers ?? []) add({ rel: fill(layer, env), text: header(`${sname} values layer`) + '{}\n' });
      if (env.values) {
        const doc: Doc = {};
        if (live?.spec?.replicas !== undefined) setPath(doc, 'resources.replicas', live.spec.replicas);
        if (service.flags) setPath(doc, service.flags.path, service.flags.shape === 'map' ? {} : []);
        add({ rel: env.values, text: header(`${sname} ${ename} values`) + stringify(doc) });
      }
      if (d.tool === 'helmfile') {
        const dir = dirOf(env);
        const values = [
          ...(service.flags?.layers ?? []).map((l) => fill(l, env)),
          ...(service.upgrade?.file ? [fill(service.upgrade.file, env)] : []),
          env.values,
        ]
          .filter((v): v is string => !!v)
          .map((v) => path.relative(dir, v));
        const release_ = { name: release, namespace: env.namespace, chart: `wmf-stable/${chart}`, values: [...new Set(values)] };
        add({ rel: path.join(dir, 'helmfile.yaml'), text: header(`helmfile for ${sname} ${ename}`) + stringify({ releases: [release_] }) });
      } else {
        const base = d.dir ?? '';
        const chartDir = path.join(base, d.chart);
        add({ rel: path.join(chartDir, 'Chart.yaml'), text: `apiVersion: v2\nname: ${path.basename(d.chart)}\nversion: 0.1.0\n` });
        add({ rel: path.join(chartDir, 'values.yaml'), text: header(`${path.basename(d.chart)} chart values`) + '{}\n' });
        for (const v of d.valuesFiles)
          add({ rel: path.join(base, v), text: header(`${sname} values`) + 'sandbox: { note: "made-up values, no real secret here" }\n' });
      }
    }
  }
  return [...files.values()];
}

function setPathAll(doc: Doc, keys: string[], value: unknown): Doc {
  for (const k of keys) setPath(doc, k, value);
  return doc;
}

/** Create the checkout on first use, add what the config needs and it lacks, and commit that. Returns its path. */
export function ensureSandboxCharts(dir: string, config: Config, deployments: V1Deployment[]): string {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(path.join(dir, '.git'))) git(dir, 'init', '-q');
  const created: string[] = [];
  for (const f of plannedFiles(config, deployments)) {
    const abs = path.join(dir, f.rel);
    if (existsSync(abs) || isLink(abs)) continue;
    mkdirSync(path.dirname(abs), { recursive: true });
    if (f.link) symlinkSync(f.link, abs);
    else writeFileSync(abs, f.text ?? '');
    created.push(f.rel);
  }
  if (created.length) {
    git(dir, 'add', '--', ...created);
    git(dir, 'commit', '-q', '-m', 'sandbox: deployment-charts for the configured services', '--', ...created);
  }
  return dir;
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
