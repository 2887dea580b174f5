// `rollback`: an Operation of the deploy engine (same checks, lock, confirmation and announcements as a
// deploy). Inside the lock it reads the release's history, refuses a revision that does not exist or is
// the one deployed, and otherwise runs `helm rollback` and reads back the revision it made.
import type { Config } from '../config/schema.js';
import { cmd, line, type Line } from '../core/parts.js';
import type { Operation, OperationTools } from './engine.js';
import { deployedRevision, describeRevision, historyRun, parseHistory, releaseOf, rollbackRun, type HelmRevision } from './helm-history.js';
import type { Target, ToolRun } from './plan.js';
import type { RunOutcome } from './runner.js';

/** Runs a tool like a deploy does; what `helm history` and `releases` need of it. */
export type Exec = (run: ToolRun, onLine: (line: string) => void, o?: { maxLineChars?: number }) => Promise<RunOutcome>;

/** helm's own error line, if it printed one. */
export function helmError(lines: string[]): string | undefined {
  return lines.find((l) => /^Error:/.test(l.trim()))?.trim();
}

/** The release's revisions, oldest first, or why they could not be read. */
export async function readHistory(
  config: Config,
  t: Target,
  exec: Exec,
  failed: (run: ToolRun, o: RunOutcome) => string,
): Promise<HelmRevision[] | { error: string }> {
  const run = historyRun(config, t);
  const out: string[] = [];
  const o = await exec(run, (l) => out.push(l), { maxLineChars: 1024 * 1024 });
  if (o.exitCode !== 0 || o.timedOut || o.cancelled) return { error: `helm history: ${failed(run, o)}${helmError(out) ? `: ${helmError(out)}` : ''}` };
  const h = parseHistory(out.join('\n'));
  return h ?? { error: 'helm history: the answer was not the JSON list of revisions' };
}

export function rollbackOperation(config: Config, t: Target, wanted?: number): Operation {
  const rel = releaseOf(t);
  const label = `${t.service} ${t.environment}`;
  const releasesCmd = cmd(`${t.service} releases ${t.environment}`);
  let to: HelmRevision | undefined;
  const history = (tools: OperationTools) => readHistory(config, t, tools.exec, tools.failed);
  return {
    tool: 'helm',
    async prepare(tools) {
      const h = await history(tools);
      if ('error' in h) return { refused: `cannot roll back ${label}: ${h.error}` };
      const current = deployedRevision(h);
      if (!current) return { refused: line`cannot roll back ${label}: release ${rel.name} has no deployed revision (see ${releasesCmd})` };
      if (wanted === undefined) {
        to = [...h].reverse().find((r) => r.revision < current.revision && r.status === 'superseded');
        if (!to) return { refused: line`cannot roll back ${label}: release ${rel.name} has no earlier revision to go back to (see ${releasesCmd})` };
      } else {
        to = h.find((r) => r.revision === wanted);
        const range = h.length ? ` (it has ${h[0]!.revision}–${h[h.length - 1]!.revision})` : '';
        if (!to) return { refused: line`cannot roll back ${label}: release ${rel.name} has no revision ${wanted}${range}; see ${releasesCmd}` };
        if (to.revision === current.revision)
          return { refused: line`nothing to roll back: revision ${wanted} is the one deployed on ${label} (see ${releasesCmd})` };
      }
      const lines: Line[] = [
        `release ${rel.name} in ${rel.namespace}: ${describeRevision(current)} → ${describeRevision(to)}; the cluster will then differ from git until the next deploy`,
      ];
      return { text: `from ${describeRevision(current)} → ${describeRevision(to)}`, digest: `${current.revision}>${to.revision}`, lines };
    },
    async apply(tools) {
      const target = to!;
      const run = rollbackRun(config, t, target.revision);
      const out: string[] = [];
      const o = await tools.exec(run, (l) => out.push(l));
      if (o.exitCode !== 0 || o.timedOut || o.cancelled) {
        const err = helmError(out);
        return { ok: false, text: `${tools.failed(run, o)}${err && !o.timedOut && !o.cancelled ? `: ${err}` : ''}` };
      }
      const after = await history(tools);
      const now = 'error' in after ? undefined : deployedRevision(after);
      const note = `${label} now differs from git; the next deploy re-applies git`;
      if (!now) return { ok: true, text: `release ${rel.name} rolled back to revision ${target.revision}`, note };
      return {
        ok: true,
        text: `release ${rel.name} → revision ${now.revision} (${describeRevision(target)} again)`,
        revisions: { [rel.name]: now.revision },
        note,
      };
    },
  };
}
