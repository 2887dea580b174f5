import { cancel } from './cancel.js';
import { confirm } from './confirm.js';
import { deploy } from './deploy.js';
import { diff } from './diff.js';
import { help, serviceHelp } from './help.js';
import { job } from './job.js';
import { jobs } from './jobs.js';
import { lock } from './lock.js';
import { maint } from './maint.js';
import { restart } from './restart.js';
import { rollout } from './rollout.js';
import { status } from './status.js';
import type { Handler } from './types.js';
import { unlock } from './unlock.js';
import { whoami } from './whoami.js';

/** Every verb Deckhand understands. The parser reads their specs; the gateway calls them. */
export const handlers: readonly Handler[] = [status, serviceHelp, help, whoami, deploy, diff, restart, lock, unlock, confirm, cancel, rollout, jobs, job, maint];
