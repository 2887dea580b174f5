import type { Config } from '../config/schema.js';
import type { ServiceRegistry } from '../core/registry.js';
import { UserError } from '../core/errors.js';
import { quoteBack } from '../core/sanitize.js';
import type { JobData, JobResult } from '../core/types.js';
import { runDeploy, type ChangeStep, type DeployContext, type DeployResult, type RolloutStep } from './engine.js';
import { closest } from '../core/suggest.js';
import { UnknownRolloutError } from './errors.js';
import { deployableEnvironments } from './plan.js';

export interface Step {
  service: string;
  environment: string;
}

export const stepName = (s: Step): string => `${s.service} ${s.environment}`;
export const stepKey = (s: Step): string => `${s.service}/${s.environment}`;
export function parseStepKey(k: string): Step {
  const [service, environment] = k.split('/');
  return { service: service!, environment: environment! };
}

/** The environments of a roll-out group, in order: `<service>` means each deployable environment of it. */
export function rolloutSteps(config: Config, registry: ServiceRegistry, group: string): Step[] {
  const entries = Object.hasOwn(config.rollouts, group) ? config.rollouts[group] : undefined;
  if (!entries) {
    const groups = Object.keys(config.rollouts);
    const hint = closest(group, groups);
    throw new UnknownRolloutError(
      groups.length
        ? `no roll-out group "${quoteBack(group)}"${hint.length ? ` (did you mean ${hint.join(', ')}?)` : ` (groups: ${groups.join(', ')})`}`
        : 'no roll-out groups are configured (rollouts: in the config)',
    );
  }
  return entries.flatMap((e) => {
    const [service, environment] = e.split('/');
    if (environment) return [{ service: service!, environment }];
    return deployableEnvironments(registry, service!).map((env) => ({ service: service!, environment: env }));
  });
}

// The chain: each step is a deploy job that enqueues the next only once it succeeded.

/** A deploy job's arguments; `rollout` is set only on steps of a chain (never typed in chat). */
export interface DeployArgs {
  service: string;
  environment: string;
  duringMaintenance: boolean;
  rollout?: RolloutStep;
}

export type Enqueue = (data: JobData) => Promise<string>;

export function stepJob(base: JobData, r: RolloutStep): JobData<DeployArgs> {
  const s = parseStepKey(r.steps[r.index]!);
  return {
    kind: 'deploy',
    command: { service: s.service, verb: 'deploy', environment: s.environment, args: [], requestId: `${base.command.requestId}/${r.index + 1}` },
    args: { service: s.service, environment: s.environment, duringMaintenance: false, rollout: r },
    requester: base.requester,
    replyTo: base.replyTo,
    queuedAt: Date.now(),
  };
}

/** Starts a roll-out chain at its first step. */
export async function startRollout(enqueue: Enqueue, base: JobData, group: string, steps: string[], id: string, confirmedBy?: string): Promise<string> {
  const r: RolloutStep = { group, steps, index: 0, id, ...(confirmedBy ? { confirmedBy } : {}) };
  return enqueue(stepJob(base, r));
}

/** One step: deploy it, then queue the next, or say where the chain stopped and what did not start. */
export async function runRolloutStep(dc: DeployContext, data: JobData<DeployArgs>, enqueue: Enqueue, change?: ChangeStep): Promise<JobResult> {
  const { args } = data;
  const r = args.rollout!;
  const n = r.steps.length;
  const here = `${args.service} ${args.environment}`;
  const remaining = r.steps.slice(r.index + 1).map((k) => stepName(parseStepKey(k)));
  const stoppedLine = `rollout ${r.group} stopped at ${here} (step ${r.index + 1}/${n})`;
  const notStarted = remaining.length ? `not started: ${remaining.join(', ')}` : 'it was the last step';
  let result: DeployResult;
  try {
    result = await runDeploy(dc, {
      verb: 'deploy',
      service: args.service,
      environment: args.environment,
      requester: data.requester,
      replyTo: data.replyTo,
      rollout: r,
      ...(change ? { change } : {}),
    });
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${stoppedLine}: ${e.message}; ${notStarted}`);
    throw e;
  }
  if (!result.ok) return { ...result, lines: [...result.lines, `${stoppedLine}; ${notStarted}`] };
  if (r.index + 1 < n) {
    await enqueue(stepJob(data, { ...r, index: r.index + 1 }));
    return { ...result, lines: [...result.lines, `rollout ${r.group}: ${r.index + 1}/${n} done, next: ${remaining[0]}`] };
  }
  return { ...result, lines: [...result.lines, `rollout ${r.group} done: ${n}/${n} environments deployed`] };
}
