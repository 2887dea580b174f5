// `stop` and `start`: Operations of the deploy engine (same checks, lock, confirmation and announcements
// as a deploy). `stop` records each configured deployment's replicas, then scales it to 0 through the
// scale subresource; `start` puts back what was recorded. The runbook's "scale the webserver and
// scheduler deployments to 0 replicas; this induces a downtime, so announce it".
import type { Config } from '../config/schema.js';
import { UserError } from '../core/errors.js';
import { cmd, line } from '../core/parts.js';
import type { RedisScope } from '../core/scope.js';
import type { KubeClient } from '../kube/client.js';
import type { Clock } from '../maintenance/clock.js';
import { DeployNotConfiguredError, RefusedArgumentsError } from './errors.js';
import type { Applied, Operation } from './engine.js';
import { releaseOf } from './helm-history.js';
import type { Target } from './plan.js';
import { StoppedStore } from './stopped.js';
import { ago } from './time.js';

const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The deployments `stop` scales for this environment ({release} filled in). */
export function stopDeployments(config: Config, t: Target): string[] {
  const list = config.services[t.service]?.stop?.deployments;
  if (!list?.length) throw new DeployNotConfiguredError(`${t.service} has no deployments to stop configured (services.${t.service}.stop.deployments)`);
  const release = list.some((d) => d.includes('{release}')) ? releaseOf(t).name : '';
  return list.map((d) => {
    const name = d.replaceAll('{release}', release);
    if (!K8S_NAME.test(name)) throw new RefusedArgumentsError(`refused: deployment "${name}" is not a plain name (check the config)`);
    return name;
  });
}

interface ScaleDeps {
  config: Config;
  kube: KubeClient;
  scope: RedisScope;
  jobId: string;
  /** When a stop happened, and how long ago (the monitor's and status's clock). */
  clock: Clock;
}

const arrows = (from: Record<string, number>, to: (name: string) => number) =>
  Object.entries(from)
    .map(([name, n]) => `${name} ${n} → ${to(name)}`)
    .join(', ');

/** Scales each deployment; the first failure stops it and says which ones were done. */
async function scaleAll(d: ScaleDeps, t: Target, want: Record<string, number>): Promise<{ done: string[]; error?: string }> {
  const done: string[] = [];
  for (const [name, replicas] of Object.entries(want)) {
    try {
      await d.kube.scaleDeployment(t.env.context, t.env.namespace, name, replicas);
      done.push(name);
    } catch (err) {
      return { done, error: `${name}: ${err instanceof UserError ? err.message : String(err)}` };
    }
  }
  return { done };
}

export function stopOperation(d: ScaleDeps, t: Target): Operation {
  const names = stopDeployments(d.config, t);
  const stops = new StoppedStore(d.scope);
  const startCmd = cmd(`${t.service} start ${t.environment}`);
  let before: Record<string, number> = {};
  return {
    tool: 'kubernetes',
    async prepare() {
      const s = await stops.get(t.service, t.environment);
      if (s)
        return {
          refused: line`${t.service} ${t.environment} is already stopped (by ${s.user} ${ago(s.since, d.clock.now())} ago); to bring it back: ${startCmd}`,
        };
      before = {};
      for (const name of names) before[name] = (await d.kube.getScale(t.env.context, t.env.namespace, name)).replicas;
      if (Object.values(before).every((n) => n === 0)) return { refused: `nothing to stop: ${names.join(', ')} already at 0 replicas in ${t.env.namespace}` };
      return { text: `${arrows(before, () => 0)} replicas in ${t.env.namespace} (a downtime)`, digest: JSON.stringify(before) };
    },
    async apply(tools): Promise<Applied> {
      // recorded first: whatever happens next, start knows what to put back
      await stops.set(t.service, t.environment, { user: tools.who.user, since: d.clock.now(), jobId: d.jobId, replicas: before });
      const r = await scaleAll(d, t, Object.fromEntries(names.map((n) => [n, 0])));
      for (const n of r.done) tools.log(`scaled deployment ${n} in ${t.env.namespace}: ${before[n]} → 0`);
      const note = line`${t.service} ${t.environment} is down on purpose until ${startCmd}`;
      if (r.error) return { ok: false, text: `scaling stopped at ${r.error}${r.done.length ? ` (already at 0: ${r.done.join(', ')})` : ''}`, note };
      return { ok: true, text: `${arrows(before, () => 0)} replicas`, note };
    },
  };
}

export function startOperation(d: ScaleDeps, t: Target): Operation {
  stopDeployments(d.config, t); // configured
  const stops = new StoppedStore(d.scope);
  let recorded: Record<string, number> = {};
  return {
    tool: 'kubernetes',
    async prepare() {
      const s = await stops.get(t.service, t.environment);
      if (!s)
        return { refused: `${t.service} ${t.environment} was not stopped with stop: nothing recorded to start again (a deploy sets the replicas from git)` };
      recorded = s.replicas;
      const now: Record<string, number> = {};
      for (const name of Object.keys(recorded)) now[name] = (await d.kube.getScale(t.env.context, t.env.namespace, name)).replicas;
      return {
        text: `${arrows(now, (n) => recorded[n]!)} replicas in ${t.env.namespace} (as before the stop by ${s.user} ${ago(s.since, d.clock.now())} ago)`,
        digest: `${s.jobId}`,
      };
    },
    async apply(tools): Promise<Applied> {
      const r = await scaleAll(d, t, recorded);
      for (const n of r.done) tools.log(`scaled deployment ${n} in ${t.env.namespace}: 0 → ${recorded[n]}`);
      if (r.error)
        return { ok: false, text: `scaling stopped at ${r.error}${r.done.length ? ` (restored: ${r.done.join(', ')})` : ''}; still recorded as stopped` };
      await stops.clear(t.service, t.environment);
      return { ok: true, text: `${arrows(Object.fromEntries(Object.keys(recorded).map((n) => [n, 0])), (n) => recorded[n]!)} replicas` };
    },
  };
}
