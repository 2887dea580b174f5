// What the sandbox's helm "renders" from a release's values files, and how a change reads as a
// helm-diff: the main container's image (app.version), the replicas (resources.replicas), and the
// pod template's annotations a real chart would change with its config (checksum/config, and the
// feature flags in effect). Only these are managed; everything else of a deployment is left alone.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const FLAGS_ANNOTATION = 'deckhand.sandbox/feature-flags';
export const RESTART_ANNOTATION = 'deckhand.sandbox/restarted-at';
const CHECKSUM = 'checksum/config';
const MANAGED = [CHECKSUM, FLAGS_ANNOTATION, RESTART_ANNOTATION];

/** The managed part of one deployment. */
export interface DeploymentState {
  image: string;
  containerName: string;
  replicas: number;
  annotations: Record<string, string>;
}
export type ReleaseState = Record<string, DeploymentState>;

type Values = Record<string, unknown>;
const isMap = (v: unknown): v is Values => !!v && typeof v === 'object' && !Array.isArray(v);

/** Helm's merge: maps merge, everything else (lists too) replaces. */
export function mergeValues(a: Values, b: Values): Values {
  const out: Values = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isMap(v) && isMap(out[k]) ? mergeValues(out[k] as Values, v) : v;
  return out;
}

/** Read and merge values files in order (missing ones skipped, like helmfile's missingFileHandler: Warn). The real chart file has a duplicate key: last wins, as in helm. */
export function readValues(files: string[]): Values {
  let v: Values = {};
  for (const f of files) {
    if (!existsSync(f)) continue;
    const doc: unknown = parse(readFileSync(f, 'utf8'), { uniqueKeys: false });
    if (isMap(doc)) v = mergeValues(v, doc);
  }
  return v;
}

/** Every flag turned on by a `*feature_flags` key (a list: presence; a map: true), sorted. */
export function flagsOf(v: unknown, out = new Set<string>()): Set<string> {
  if (!isMap(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    if (/feature_flags$/.test(k)) {
      if (Array.isArray(x)) for (const f of x) out.add(String(f));
      else if (isMap(x)) for (const [f, on] of Object.entries(x)) if (on === true) out.add(f);
    } else flagsOf(x, out);
  }
  return out;
}

/** The desired state: the live deployment with what the values say about image, replicas and config. */
export function render(values: Values, live: DeploymentState, restartAt?: string): DeploymentState {
  const app = isMap(values.app) ? values.app : {};
  const version = typeof app.version === 'string' && app.version !== 'latest' ? app.version : undefined;
  const repo = live.image.replace(/@sha256:.*$/, '').replace(/:[^:/]*$/, '');
  const resources = isMap(values.resources) ? values.resources : {};
  const replicas = typeof resources.replicas === 'number' ? resources.replicas : live.replicas;
  const annotations: Record<string, string> = {
    [CHECKSUM]: createHash('sha256')
      .update(JSON.stringify(values.config ?? {}))
      .digest('hex')
      .slice(0, 16),
  };
  const flags = [...flagsOf(values)].sort();
  if (flags.length) annotations[FLAGS_ANNOTATION] = flags.join(',');
  const restarted = restartAt ?? live.annotations[RESTART_ANNOTATION];
  if (restarted) annotations[RESTART_ANNOTATION] = restarted;
  return { image: version ? `${repo}:${version}` : live.image, containerName: live.containerName, replicas, annotations };
}

/** Only the managed annotations of a live template. */
export function managedAnnotations(all: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(all ?? {}).filter(([k]) => MANAGED.includes(k)));
}

/** The merge patch that makes `live` into `want` (annotations no longer wanted are removed). */
export function patchFor(want: DeploymentState, live: DeploymentState, containers: { name: string; image?: string }[]): object {
  const annotations: Record<string, string | null> = {};
  for (const k of Object.keys(live.annotations)) if (!(k in want.annotations)) annotations[k] = null;
  Object.assign(annotations, want.annotations);
  return {
    spec: {
      replicas: want.replicas,
      template: {
        metadata: { annotations },
        spec: { containers: containers.map((c, i) => (i === 0 ? { ...c, image: want.image } : c)) },
      },
    },
  };
}

/** helm-diff's lines for one deployment, or none when nothing managed changes. */
export function diffLines(namespace: string, name: string, chart: string, live: DeploymentState, want: DeploymentState): string[] {
  const body: string[] = [];
  if (live.replicas !== want.replicas) body.push('  spec:', `-   replicas: ${live.replicas}`, `+   replicas: ${want.replicas}`);
  const keys = [...new Set([...Object.keys(live.annotations), ...Object.keys(want.annotations)])].sort();
  const ann = keys.flatMap((k) =>
    live.annotations[k] === want.annotations[k]
      ? []
      : [
          ...(k in live.annotations ? [`-         ${k}: ${live.annotations[k]}`] : []),
          ...(k in want.annotations ? [`+         ${k}: ${want.annotations[k]}`] : []),
        ],
  );
  const image = live.image === want.image ? [] : [`-           image: ${live.image}`, `+           image: ${want.image}`];
  if (ann.length || image.length) {
    if (!body.length) body.push('  spec:');
    body.push('    template:');
    if (ann.length) body.push('      metadata:', '        annotations:', ...ann);
    if (image.length) body.push('      spec:', '        containers:', `          - name: ${want.containerName}`, ...image);
  }
  if (!body.length) return [];
  const chartName = path.basename(chart);
  return [`${namespace}, ${name}, Deployment (apps) has changed:`, `  # Source: ${chartName}/templates/deployment.yaml`, ...body];
}
