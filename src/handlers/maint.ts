import { PermissionDeniedError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import { DEFAULT_LIMITS, MAINT_USAGE, parseMaintArgs, type MaintLimits } from '../maintenance/args.js';
import { parseDuration } from '../maintenance/duration.js';
import type { Handler, VerbSpec } from './types.js';

/**
 * How `maint` is checked against a service's permissions. The chat verb is global (`maint superset …`
 * names the service as an argument, and `maint cancel 3` only knows it once the window is read), so
 * the parser cannot check it: the handler checks creation, the worker checks every change again.
 */
export const MAINT_SPEC: VerbSpec = {
  verb: 'maint',
  scope: 'service',
  mutating: true,
  environment: 'none',
  usage: MAINT_USAGE,
  summary: 'announce a maintenance window',
};

export function maintLimits(config: Config): MaintLimits {
  return {
    ...DEFAULT_LIMITS,
    maxDurationMs: parseDuration(config.maintenance.maxDuration) ?? DEFAULT_LIMITS.maxDurationMs,
    maxReasonChars: config.maintenance.maxReasonChars,
  };
}

export const maint: Handler = {
  verb: 'maint',
  scope: 'global',
  // checked per service below and in the worker (see MAINT_SPEC); `maint list` is public
  mutating: false,
  environment: 'none',
  usage: MAINT_USAGE,
  summary: 'announce a maintenance window on every channel of a service (IRC and Slack), with reminders, start and end; list, cancel, extend',
  async handle(ctx) {
    const req = parseMaintArgs(ctx.command.args, ctx.registry, Date.now(), maintLimits(ctx.config));
    if (req.action === 'create') {
      const command = { ...ctx.command, service: req.service, ...(req.environment ? { environment: req.environment } : {}) };
      const decision = await ctx.access.authorize(ctx.identity, command, MAINT_SPEC);
      if (!decision.allowed) throw decision.error ?? new PermissionDeniedError(decision.reason);
    }
    return { kind: 'enqueue', jobKind: 'maint' };
  },
};
