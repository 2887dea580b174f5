// The two changes Deckhand makes to deployment-charts, end to end for one job: check the input, see
// whether the file is shared, then plan → commit → publish in the job's worktree (src/charts/git.ts).
// Meant to run as the deploy's "change" step, inside the deploy lock of the environment.
import path from 'node:path';
import { ChartsNotConfiguredError, SharedFileError } from './errors.js';
import { resolveFile, sharedWith, type Candidate } from './files.js';
import { planFlag, type FlagsSpec } from './flags.js';
import { commitChange, type ChangeHooks, type Committed, type GitSettings, type Person } from './git.js';
import { checkFlagName, checkVersion } from './validate.js';
import { findShadows, planVersion, type Shadow, type VersionSpec } from './version.js';

export type OnShared = 'refuse' | 'own-file' | 'edit';

export interface FlagTarget {
  /** `superset staging`: how people name the environment (matches a Candidate name). */
  name: string;
  /** Commit subject prefix: `superset-next`. */
  label: string;
  spec: FlagsSpec;
  /** Every other environment's flags file, to tell who shares the file. */
  others: Candidate[];
}

export interface VersionTarget {
  name: string;
  label: string;
  spec: VersionSpec;
  /** Every other environment's version file, to tell who shares it. */
  others: Candidate[];
  /** When the version file is shared and the request did not say --shared. */
  onShared: OnShared;
  /** The environment's own values file (for onShared: own-file). */
  ownFile?: string;
  /** Every environment's own values file: those that set the keys themselves do not follow the shared file. */
  ownFiles: Candidate[];
}

export type Undo = { kind: 'flag'; name: string; on: boolean } | { kind: 'upgrade'; version: string };

export type EditOutcome =
  | { kind: 'no-change'; reason: string }
  | (Committed & {
      /** One line: what changed where. */
      description: string;
      /** Other environments the edited file belongs to too (edited for them as well). */
      shared: string[];
      /** Environments sharing the file whose own file overrides the keys (the edit does not reach them). */
      shadowed: Shadow[];
      /** What reverts it (`flag NAME off`, `upgrade <previous>`), when known. */
      undo?: Undo;
    });

export interface EditRequest {
  /** Deckhand job id. */
  jobId: string;
  /** The person who asked, from the directory. */
  author: Person;
  /** The request said --shared (or --all): editing a file other environments use is meant. */
  shared?: boolean;
}

function dirLabel(root: string, file: string): string {
  return path.basename(path.dirname(resolveFile(root, file).real));
}

/** Turn a feature flag on or off for one environment: a commit, or no change; refusals are thrown (UserError). */
export async function toggleFlag(git: GitSettings, t: FlagTarget, req: EditRequest, name: string, on: boolean, hooks?: ChangeHooks): Promise<EditOutcome> {
  checkFlagName(name);
  const shared = sharedWith(git.checkout, t.spec.file, t.others, t.name);
  if (shared.length && !req.shared) throw new SharedFileError(t.spec.file, shared);
  const label = shared.length ? dirLabel(git.checkout, t.spec.file) : t.label;
  let description = '';
  const r = await commitChange(
    git,
    { id: req.jobId, author: req.author, label },
    (wt) => {
      const p = planFlag(wt, t.spec, name, on);
      if (p.kind === 'refused') throw p.error;
      if (p.kind === 'no-change') return p;
      description = p.description;
      return { kind: 'edit', file: p.real, text: p.after, summary: p.summary };
    },
    hooks,
  );
  if (r.kind === 'no-change') return r;
  return { ...r, description, shared, shadowed: [], undo: { kind: 'flag', name, on: !on } };
}

/** Set the version keys for one environment (or, with --shared, for every environment of its shared file). */
export async function upgradeVersion(git: GitSettings, t: VersionTarget, req: EditRequest, version: string, hooks?: ChangeHooks): Promise<EditOutcome> {
  checkVersion(version);
  let spec = t.spec;
  let shared = sharedWith(git.checkout, spec.file, t.others, t.name);
  if (shared.length && !req.shared) {
    if (t.onShared === 'refuse') throw new SharedFileError(spec.file, shared, 'add --shared (or --all) to edit it for all of them');
    if (t.onShared === 'own-file') {
      if (!t.ownFile)
        throw new ChartsNotConfiguredError(`${t.name} has no values file of its own to set the version in (services.<service>.environments.<env>.values)`);
      spec = { ...spec, file: t.ownFile };
      shared = sharedWith(git.checkout, spec.file, t.others.concat(t.ownFiles), t.name);
      if (shared.length) throw new SharedFileError(spec.file, shared);
    }
  }
  const shadowed = shared.length
    ? findShadows(
        git.checkout,
        spec.file,
        spec.keys,
        t.ownFiles.filter((c) => shared.includes(c.name) || c.name === t.name),
      )
    : [];
  const label = shared.length ? dirLabel(git.checkout, spec.file) : t.label;
  let description = '';
  let undo: string | undefined;
  const r = await commitChange(
    git,
    { id: req.jobId, author: req.author, label },
    (wt) => {
      const p = planVersion(wt, spec, version);
      if (p.kind === 'no-change') return p;
      description = p.description;
      undo = p.undo;
      return { kind: 'edit', file: p.real, text: p.after, summary: p.summary, body: spec.keys.map((k) => `${k}: ${version}`).join('\n') };
    },
    hooks,
  );
  if (r.kind === 'no-change') return r;
  return { ...r, description, shared, shadowed, ...(undo ? { undo: { kind: 'upgrade' as const, version: undo } } : {}) };
}
