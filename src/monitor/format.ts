// DOWN / RECOVERED as a channel reads them. IRC: one line; Slack: a section (❌/✅) with the same facts.
import { cmd, line, type Line } from '../core/parts.js';
import { oneLine } from '../core/sanitize.js';
import type { MessageSection } from '../core/types.js';
import type { PendingUpgrade } from '../health/operator.js';
import { formatDuration } from '../maintenance/duration.js';
import { utc } from '../maintenance/when.js';
import type { Observation } from './health.js';

export interface Announcement {
  lines: string[];
  sections: MessageSection[];
}

const label = (service: string, env: string): string => `${service} ${env}`;

export function downAnnouncement(service: string, env: string, o: Observation, since: number, now: number, expected?: string): Announcement {
  const facts = `${o.ready}/${o.expected} ready since ${utc(since, now)}${o.detail ? ` (${o.detail})` : ''}${expected ? ` (expected: ${expected})` : ''}`;
  return {
    lines: [`[DOWN] ${label(service, env)}: ${facts}`],
    sections: [{ title: label(service, env), ok: false, lines: [`${label(service, env)}: DOWN — ${facts}`] }],
  };
}

export function recoveredAnnouncement(service: string, env: string, o: Observation, outageMs: number): Announcement {
  const facts = `after ${formatDuration(outageMs)} (${o.ready}/${o.expected} ready)`;
  return {
    lines: [`[RECOVERED] ${label(service, env)} ${facts}`],
    sections: [{ title: label(service, env), ok: true, lines: [`${label(service, env)}: RECOVERED ${facts}`] }],
  };
}

/** An operator-managed Superset waits for someone to approve its upgrade (said once per approval token). */
export function approvalAnnouncement(service: string, env: string, u: PendingUpgrade): { lines: Line[]; sections: MessageSection[] } {
  const what = `upgrade ${oneLine(u.fromTag)} → ${oneLine(u.toTag)} waits for approval`;
  const how = cmd(`${service} approve-upgrade ${env}`);
  return {
    lines: [line`[APPROVAL] ${label(service, env)}: ${what}: ${how}`],
    sections: [{ title: label(service, env), lines: [line`${label(service, env)}: ${what}: ${how}`] }],
  };
}
