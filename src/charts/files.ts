// Files of the deployment-charts checkout (or of a job's worktree of it): configured paths resolved,
// symlinks followed, and confined to the checkout. In the real repository the per-environment
// `values-dse-k8s-eqiad.yaml` files are git symlinks (mode 120000) to one file in `_superset_common_/`:
// editing "staging's" file edits production's too, which is why sharedWith() exists.
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ValuesFileError } from './errors.js';
import { checkRelPath } from './validate.js';
import { readValues, type ValuesFile } from './values.js';

export interface RepoFile {
  /** As configured (relative to the checkout), e.g. helmfile.d/dse-k8s-services/superset-next/values-dse-k8s-eqiad.yaml */
  file: string;
  /** What it resolves to, relative to the checkout, e.g. helmfile.d/dse-k8s-services/_superset_common_/values-dse-k8s-eqiad.yaml */
  real: string;
  /** Absolute path of the real file. */
  abs: string;
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

/** Resolve a configured path in the checkout at `root`, following symlinks; it must exist and stay inside. */
export function resolveFile(root: string, rel: string): RepoFile {
  checkRelPath(rel, 'values file');
  const realRoot = realpathSync(root);
  const lexical = path.resolve(realRoot, rel);
  let abs: string;
  try {
    abs = realpathSync(lexical);
  } catch {
    throw new ValuesFileError(`${rel} does not exist in the deployment-charts checkout (check the config)`);
  }
  if (!inside(realRoot, abs) || abs === realRoot) throw new ValuesFileError(`refused: ${rel} resolves outside the deployment-charts checkout`);
  return { file: rel, real: path.relative(realRoot, abs).split(path.sep).join('/'), abs };
}

export interface LoadedFile extends RepoFile {
  values: ValuesFile;
}

export function loadFile(root: string, rel: string): LoadedFile {
  const f = resolveFile(root, rel);
  let text: string;
  try {
    text = readFileSync(f.abs, 'utf8');
  } catch {
    throw new ValuesFileError(`${rel} cannot be read (is it a file?)`);
  }
  return { ...f, values: readValues(text, rel) };
}

export interface Candidate {
  /** Who the file belongs to, as shown to people: `superset production`. */
  name: string;
  file: string;
}

/**
 * The other candidates whose configured file is the same real file as `rel` (through a symlink, or
 * the same path). Candidates whose file does not exist are skipped.
 */
export function sharedWith(root: string, rel: string, candidates: readonly Candidate[], self?: string): string[] {
  const mine = resolveFile(root, rel).real;
  const out: string[] = [];
  for (const c of candidates) {
    if (c.name === self) continue;
    try {
      if (resolveFile(root, c.file).real === mine && !out.includes(c.name)) out.push(c.name);
    } catch {
      // not there: not shared
    }
  }
  return out;
}
