// Image versions in Helm values: `app.version` and `assets.version` (or the keys the service config
// names), usually in a file several environments share (superset/ and superset-next/ both link
// values-dse-k8s-eqiad.yaml to _superset_common_/values-dse-k8s-eqiad.yaml).
import { loadFile, resolveFile, type Candidate } from './files.js';
import { checkVersion, splitPath } from './validate.js';
import { lookup, readValues, setIn } from './values.js';

export interface VersionSpec {
  /** The environment(s) as people name them: `superset staging`. */
  label?: string;
  /** Values file holding the version keys, relative to the checkout; may be a symlink. */
  file: string;
  /** Dotted paths, e.g. ['app.version', 'assets.version']. */
  keys: readonly string[];
}

export type VersionPlan =
  | { kind: 'no-change'; version: string; file: string; real: string; reason: string }
  | {
      kind: 'edit';
      version: string;
      file: string;
      real: string;
      before: string;
      after: string;
      /** What each key held before (null: not set in this file) — for "undo with upgrade <previous>". */
      previous: Record<string, unknown>;
      /** The value to give `upgrade` to undo, when the keys held one valid version. */
      undo?: string;
      /** Short, for a commit subject: `upgrade to 2026-02-16-150514-b1a59e3aa133`. */
      summary: string;
      description: string;
    };

/** `2026-02-16-150514-<40 hex>@sha256:<64 hex>` → `2026-02-16-150514-b1a59e3aa133`; other tags as they are, without a digest. */
export function shortVersion(version: string): string {
  const tag = version.split('@')[0]!;
  const m = /^(.*\d{6})-([0-9a-f]{40})$/.exec(tag);
  return m ? `${m[1]}-${m[2]!.slice(0, 12)}` : tag;
}

/** The edit that sets every version key to `version` (only the keys that differ), or no change. The version is checked first. */
export function planVersion(root: string, spec: VersionSpec, version: string): VersionPlan {
  checkVersion(version);
  const keys = spec.keys.map((k) => splitPath(k, 'version key'));
  const f = loadFile(root, spec.file);
  const previous: Record<string, unknown> = {};
  keys.forEach((k, i) => (previous[spec.keys[i]!] = lookup(f.values, k)?.value ?? null));
  const todo = keys.filter((_, i) => previous[spec.keys[i]!] !== version);
  if (!todo.length) {
    return {
      kind: 'no-change',
      version,
      file: spec.file,
      real: f.real,
      reason: `${spec.label ?? spec.file} is already at ${shortVersion(version)} (${spec.keys.join(', ')} in ${f.real})`,
    };
  }
  let text = f.values.text;
  for (const k of todo) text = setIn(readValues(text, spec.file), k, version);
  const olds = [...new Set(Object.values(previous))];
  const undo = olds.length === 1 && typeof olds[0] === 'string' && olds[0] !== version ? olds[0] : undefined;
  let valid = false;
  try {
    if (undo) valid = checkVersion(undo) === undo;
  } catch {
    valid = false;
  }
  const summary = `upgrade to ${shortVersion(version)}`;
  return {
    kind: 'edit',
    version,
    file: spec.file,
    real: f.real,
    before: f.values.text,
    after: text,
    previous,
    ...(undo && valid ? { undo } : {}),
    summary,
    description: `set ${todo.map((k) => k.join('.')).join(', ')} to ${version} in ${f.real}${spec.label ? ` (${spec.label})` : ''}`,
  };
}

export interface Shadow {
  name: string;
  file: string;
  key: string;
  value: unknown;
}

/**
 * Environments whose own values file (read by Helm after the shared one) sets one of the keys: an edit
 * of the shared file does not reach them. `candidates` are the environments' own files.
 */
export function findShadows(root: string, sharedFile: string, keys: readonly string[], candidates: readonly Candidate[]): Shadow[] {
  const shared = resolveFile(root, sharedFile).real;
  const out: Shadow[] = [];
  for (const c of candidates) {
    let f;
    try {
      f = loadFile(root, c.file);
    } catch {
      continue;
    }
    if (f.real === shared) continue;
    for (const key of keys) {
      const found = lookup(f.values, splitPath(key, 'version key'));
      if (found && found.value !== null) out.push({ name: c.name, file: c.file, key, value: found.value });
    }
  }
  return out;
}
