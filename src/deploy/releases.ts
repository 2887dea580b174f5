// `releases`: an environment's helm history as chat lines, with the Deckhand job behind each revision
// (the job history records `changed.helmRevision` like `staging=43`; a revision is that job's when helm
// wrote it while the job ran).
import type { Config } from '../config/schema.js';
import { cmd, line, type Line } from '../core/parts.js';
import { who, type JobRecord } from '../history/store.js';
import { releaseOf, type HelmRevision } from './helm-history.js';
import { target, type ToolRun } from './plan.js';
import { knownSecrets, Redactor } from './redact.js';
import { readHistory, type Exec } from './rollback.js';
import { childEnv, runTool, type RunOutcome } from './runner.js';
import { ago } from './time.js';
import type { ServiceRegistry } from '../core/registry.js';

export const COMPACT = 5;

/** A tool run outside a deploy (read-only: no lock), with the deploy's timeout and redaction. */
export function readOnlyExec(config: Config, logUser: string): { exec: Exec; failed: (run: ToolRun, o: RunOutcome) => string } {
  const redactor = new Redactor(knownSecrets(config));
  const s = config.deploy;
  const env = childEnv(logUser, s.passEnv);
  return {
    exec: (run, onLine, o) =>
      runTool(run, { env, timeoutMs: s.timeoutMinutes * 60_000, killGraceMs: s.killGraceSeconds * 1000, redact: redactor.stream(), onLine, ...o }),
    failed: (run, o) =>
      o.spawnError ?? (o.timedOut ? `${run.tool} timed out` : o.signal ? `${run.tool} was killed (${o.signal})` : `${run.tool} exited ${o.exitCode}`),
  };
}

/** `#12 deploy by alice` for the job that made this revision, if one did. */
export function jobOf(jobs: JobRecord[], release: string, r: HelmRevision): string | undefined {
  const at = Date.parse(r.updated);
  const j = jobs.find((x) => {
    const revs = (x.changed?.helmRevision ?? '').split(/,\s*/);
    if (!revs.includes(`${release}=${r.revision}`)) return false;
    // the same release name and number in another service's history: the time tells them apart
    return Number.isNaN(at) || !x.startedAt || (at >= x.startedAt - 2000 && at <= (x.finishedAt ?? Date.now()) + 2000);
  });
  return j ? `#${j.id} ${j.verb} by ${who(j)}` : undefined;
}

function revisionLine(r: HelmRevision, by: string | undefined, now: number): string {
  const when = Number.isNaN(Date.parse(r.updated)) ? r.updated : `${ago(Date.parse(r.updated), now)} ago`;
  return [`${r.revision}`, r.status, when, r.chart, r.app_version && `app ${r.app_version}`, r.description, by].filter(Boolean).join(' · ');
}

/** The lines for one environment: a head, then the newest revisions first. */
export async function releaseLines(
  config: Config,
  registry: ServiceRegistry,
  service: string,
  environment: string,
  o: { all: boolean; jobs: JobRecord[]; exec: ReturnType<typeof readOnlyExec> },
): Promise<Line[]> {
  const t = target(config, registry, service, environment);
  const rel = releaseOf(t);
  const h = await readHistory(config, t, o.exec.exec, o.exec.failed);
  const label = `${service} ${environment}`;
  if ('error' in h) return [`${label}: cannot read the releases: ${h.error}`];
  if (!h.length) return [`${label}: release ${rel.name} in ${rel.namespace} has no revisions`];
  const shown = [...h].reverse().slice(0, o.all ? h.length : COMPACT);
  const more = h.length - shown.length;
  const head: Line = more
    ? line`${label}: release ${rel.name} in ${rel.namespace}, last ${shown.length} of ${h.length} revisions (all: ${cmd(`${service} releases ${environment} --all`)})`
    : `${label}: release ${rel.name} in ${rel.namespace}, ${h.length} revision${h.length === 1 ? '' : 's'}`;
  const now = Date.now();
  return [head, ...shown.map((r) => revisionLine(r, jobOf(o.jobs, rel.name, r), now))];
}
