// Every verb Deckhand understands: the one registry. Adding a verb is its file and one line here.
import type { VerbSpec } from '../core/verb.js';
import { approveUpgrade } from './approve-upgrade.js';
import { approve } from './approve.js';
import { cancel } from './cancel.js';
import { confirm } from './confirm.js';
import { deploy } from './deploy.js';
import { diff } from './diff.js';
import { events } from './events.js';
import { flag } from './flag.js';
import { flags } from './flags.js';
import { help, serviceHelp } from './help.js';
import { job } from './job.js';
import { jobs } from './jobs.js';
import { lock } from './lock.js';
import { logs } from './logs.js';
import { maint } from './maint.js';
import { releases } from './releases.js';
import { restart } from './restart.js';
import { rollback } from './rollback.js';
import { rollout } from './rollout.js';
import { scheduled } from './scheduled.js';
import { status } from './status.js';
import { start, stop } from './stop.js';
import { unlock } from './unlock.js';
import { upgrade } from './upgrade.js';
import type { Verb } from './verb.js';
import { whoami } from './whoami.js';

export const verbs = [
  status,
  serviceHelp,
  help,
  whoami,
  deploy,
  diff,
  restart,
  flags,
  flag,
  upgrade,
  lock,
  unlock,
  confirm,
  approve,
  cancel,
  scheduled,
  rollout,
  jobs,
  job,
  maint,
  logs,
  events,
  releases,
  rollback,
  stop,
  start,
  approveUpgrade,
] as const;

/**
 * The verbs as the gateway and the worker take them. Each keeps its own argument type inside: the
 * arguments a job carries are the ones the same verb's `parse` made, so they meet only here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyVerb = Verb<any>;

export const allVerbs: readonly AnyVerb[] = verbs;

/** The verb a job or command names (`scope` tells `help` from `<service> help`). */
export function findVerb(list: readonly AnyVerb[], name: string, scope: VerbSpec['scope']): AnyVerb | undefined {
  return list.find((v) => v.verb === name && v.scope === scope);
}
