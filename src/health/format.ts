// What `status` shows of an environment's health beyond pods: the operator's CR leads
// (`superset staging: Running 2/2, tag 6.0.0 (operator)`), with what is not Ready under it; the probes
// are short phrases beside the ready count (`scheduler: no heartbeat for 6m`).
import { cmd, line, type Line } from '../core/parts.js';
import { oneLine } from '../core/sanitize.js';
import type { HealthReport } from './check.js';
import type { OperatorView } from './operator.js';

export function probePhrases(r: HealthReport | undefined): string[] {
  return (r?.probes ?? []).map((p) => p.text);
}

export function operatorHead(label: string, v: OperatorView | { error: string }, extra: string[] = []): string {
  if ('error' in v) return oneLine([`${label}: operator's Superset not read (${v.error})`, ...extra].join(', '));
  if (!v.found) return oneLine([`${label}: Superset ${v.namespace}/${v.name} not found (operator)`, ...extra].join(', '));
  const head = `${label}: ${v.phase}${v.ready ? ` ${v.ready}` : ''}${v.tag ? `, tag ${v.tag}` : ''} (operator)`;
  return oneLine([head, ...extra].join(', '));
}

/** The lines under the head: why it is degraded, components not Ready, lifecycle tasks running or failed, an upgrade waiting. */
export function operatorDetails(service: string, environment: string, v: OperatorView | { error: string }): Line[] {
  if ('error' in v || !v.found) return [];
  const lines: Line[] = [];
  if (v.message && !v.healthy) lines.push(oneLine(`  ${v.phase}: ${v.message}`));
  for (const c of v.components) lines.push(oneLine(`  ${c.name}: ${c.phase}, ${c.ready} ready${c.message ? ` (${c.message})` : ''}`));
  for (const t of v.tasks) {
    const tries = t.state === 'Failed' ? ` after ${t.attempts} attempt${t.attempts === 1 ? '' : 's'}` : `, attempt ${Math.max(1, t.attempts)}`;
    lines.push(oneLine(`  lifecycle ${t.name}: ${t.state}${tries}${t.message ? ` (${t.message})` : ''}`));
  }
  if (v.upgrade && v.phase === 'AwaitingApproval')
    lines.push(
      line`  upgrade ${oneLine(v.upgrade.fromTag)} → ${oneLine(v.upgrade.toTag)} waits for approval: ${cmd(`${service} approve-upgrade ${environment}`)}`,
    );
  return lines;
}
