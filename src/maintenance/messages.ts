// What people read about a maintenance window, on every network. Times are always UTC, with how far
// away they are for the reader; the window's number is there to cancel or extend it.
import type { Config } from '../config/schema.js';
import { oneLine } from '../core/sanitize.js';
import type { OutgoingMessage, TopicChange } from '../core/types.js';
import { formatDuration, relative } from './duration.js';
import { authorName, windowLabel, type MaintenanceWindow } from './store.js';
import { utc, utcRange } from './when.js';

export type Step = 'announce' | `remind-${string}` | 'start' | 'end';

const TAG = '[MAINTENANCE]';

export function announceLine(w: MaintenanceWindow, now: number): string {
  return `${TAG} ${windowLabel(w)}: ${utcRange(w.start, w.end, now)} (${formatDuration(w.end - w.start)}, ${relative(w.start, now)}): ${w.reason} — ${authorName(w.who)} (#${w.id})`;
}

export function reminderLine(w: MaintenanceWindow, now: number): string {
  return `${TAG} ${windowLabel(w)} ${relative(w.start, now)}: ${utcRange(w.start, w.end, now)} (${formatDuration(w.end - w.start)}): ${w.reason} (#${w.id})`;
}

export function startLine(w: MaintenanceWindow, now: number): string {
  return `${TAG} ${windowLabel(w)}: starting now, until ${utc(w.end, now)} (${formatDuration(w.end - now)}): ${w.reason} (#${w.id})`;
}

export function endLine(w: MaintenanceWindow, now: number): string {
  return `${TAG} ${windowLabel(w)}: over at ${utc(w.end, now)} after ${formatDuration(w.end - w.start)}: ${w.reason} (#${w.id})`;
}

export function cancelLine(w: MaintenanceWindow, by: string, now: number): string {
  const started = w.start <= now;
  return started
    ? `${TAG} ${windowLabel(w)}: #${w.id} ended early by ${by} at ${utc(now, now)}: ${w.reason}`
    : `${TAG} ${windowLabel(w)}: #${w.id} (${utcRange(w.start, w.end, now)}) cancelled by ${by}: ${w.reason}`;
}

export function extendLine(w: MaintenanceWindow, previousEnd: number, by: string, now: number): string {
  return `${TAG} ${windowLabel(w)}: #${w.id} extended by ${by} until ${utc(w.end, now)} (+${formatDuration(w.end - previousEnd)}): ${w.reason}`;
}

/** One line of `maint list`. */
export function listLine(w: MaintenanceWindow, now: number): string {
  const when = w.start <= now ? `now, ${formatDuration(w.end - now)} left` : relative(w.start, now);
  return `#${w.id} ${windowLabel(w)} ${utcRange(w.start, w.end, now)} (${when}): ${w.reason} — ${authorName(w.who)}`;
}

export interface AnnounceTarget {
  network: string;
  target: string;
}

/**
 * Every announce channel of the service, on every network this deployment is connected to: the keys
 * of `announce` are network names, each a top-level config section when that network is set up.
 */
export function announceTargets(config: Config, service: string): AnnounceTarget[] {
  const a = config.services[service]?.announce;
  if (!a) return [];
  // the console has no config section: it is there when a service names it (the sandbox does)
  const connected = (network: string) => network === 'console' || !!(config as unknown as Record<string, unknown>)[network];
  return Object.entries(a).flatMap(([network, targets]) => (targets && connected(network) ? targets.map((target) => ({ network, target })) : []));
}

export function describeTargets(targets: AnnounceTarget[]): string {
  if (!targets.length) return 'no channel (none configured: services.<service>.announce)';
  const by = new Map<string, string[]>();
  for (const t of targets) by.set(t.network, [...(by.get(t.network) ?? []), t.target]);
  return [...by].map(([n, ts]) => (n === 'console' ? 'the console' : `${n} ${ts.join(', ')}`)).join('; ');
}

export function announcement(t: AnnounceTarget, lines: readonly string[], sections?: OutgoingMessage['sections']): OutgoingMessage {
  return { network: t.network, target: t.target, lines: lines.map(oneLine), ...(sections ? { sections } : {}) };
}

/**
 * With `maintenance.topicSuffix`, what a step does to an IRC announce channel's topic: the start (or an
 * extension of a running window) sets "MAINTENANCE until <end>: <reason>" after the topic, the end or a
 * cancel puts the old topic back. Undefined: leave the topic alone (option off, a window to come).
 * Networks without channel topics drop it when rendering (their capabilities say so).
 */
export function topicChange(config: Config, w: MaintenanceWindow, kind: 'start' | 'extend' | 'end', now: number): TopicChange | undefined {
  if (!config.maintenance.topicSuffix) return undefined;
  const key = `maint-${w.id}`;
  if (kind === 'end') return { key, restore: true };
  if (kind === 'extend' && w.start > now) return undefined;
  return { key, append: oneLine(`MAINTENANCE until ${utc(w.end, now)}: ${w.reason}`) };
}

/** The announcement, plus its topic change when there is one. */
export function withTopic(msg: OutgoingMessage, topic: TopicChange | undefined): OutgoingMessage {
  return topic ? { ...msg, topic } : msg;
}
