import { maintProcessor } from './announce.js';
import { cancelProcessor, confirmProcessor } from './confirm.js';
import { deployFailed, deployProcessor, restartProcessor, rolloutProcessor } from './deploy.js';
import { diffProcessor } from './diff.js';
import { lockProcessor, unlockProcessor } from './freeze.js';
import { statusProcessor } from './status.js';
import type { FailureHook, Processor } from './types.js';

/** Job kind → processor. New kinds register here. */
export const processors: Record<string, Processor> = {
  status: statusProcessor,
  deploy: deployProcessor,
  restart: restartProcessor,
  diff: diffProcessor,
  confirm: confirmProcessor,
  cancel: cancelProcessor,
  rollout: rolloutProcessor,
  lock: lockProcessor,
  unlock: unlockProcessor,
  maint: maintProcessor,
};

/** Job kind → clean-up when the job's worker died mid-job (BullMQ failed it as stalled). */
export const failureHooks: Record<string, FailureHook> = {
  deploy: deployFailed,
  restart: deployFailed,
  confirm: deployFailed,
};
