import { toUserLine, UserError } from '../core/errors.js';
import { cmd, line, plain, type Line } from '../core/parts.js';
import { knownSecrets, Redactor } from '../deploy/redact.js';
import { StoppedStore } from '../deploy/stopped.js';
import { ago } from '../deploy/time.js';
import { formatGroup, groupEvents, mostTelling } from '../kube/events.js';
import { checkHealth, hasHealth, reportHealthy, type HealthReport } from '../health/check.js';
import { operatorDetails, operatorHead, probePhrases } from '../health/format.js';
import { assessEnvironment, capLines, formatEnvironment, type EnvironmentHealth } from '../kube/summarize.js';
import { defineVerb, type RunContext } from './verb.js';

/** Pods and deployments of one environment, assessed; errors become a line for that environment only. */
async function environmentHealth(ctx: Pick<RunContext, 'registry' | 'kube'>, service: string, environment: string): Promise<EnvironmentHealth> {
  const env = ctx.registry.environment(service, environment);
  const [pods, deployments] = await Promise.all([
    ctx.kube.listPods(env.context, env.namespace, env.selector),
    ctx.kube.listDeployments(env.context, env.namespace, env.selector),
  ]);
  return assessEnvironment({ service, environment, namespace: env.namespace, selector: env.selector }, pods, deployments);
}

/** An unhealthy environment's most telling Warning event, as one line (none when there is none, or events cannot be read). */
async function tellingEvent(
  ctx: Pick<RunContext, 'registry' | 'kube' | 'config' | 'clock' | 'log'>,
  service: string,
  environment: string,
  h: EnvironmentHealth,
): Promise<string | undefined> {
  const env = ctx.registry.environment(service, environment);
  try {
    const redact = new Redactor(knownSecrets(ctx.config));
    const groups = groupEvents(await ctx.kube.listEvents(env.context, env.namespace, { type: 'Warning' }), (s) => redact.line(s));
    const g = mostTelling(groups, new Set([...h.problems.map((p) => p.name), ...h.shortDeployments.map((d) => d.name)]));
    return g && `  event: ${formatGroup(g, ctx.clock.now())}`;
  } catch (e) {
    ctx.log.debug({ err: e, service, environment }, 'status: events not read');
    return undefined;
  }
}

/** "  stopped by alice 12m ago (!superset start production)" while the environment is stopped with `stop`. */
async function stoppedLine(ctx: Pick<RunContext, 'scope' | 'clock'>, service: string, environment: string): Promise<Line | undefined> {
  const s = await new StoppedStore(ctx.scope).get(service, environment).catch(() => undefined);
  return s && line`  stopped by ${s.user} ${ago(s.since, ctx.clock.now())} ago (${cmd(`${service} start ${environment}`)})`;
}

/**
 * The environment's lines: the pods' (with the probes' phrases beside the ready count), or, when the
 * operator manages it, the CR's head with the pods' problems under it.
 */
function environmentLines(service: string, environment: string, h: EnvironmentHealth, r: HealthReport | undefined): Line[] {
  const pods = formatEnvironment(h, probePhrases(r));
  if (!r?.operator) return pods;
  const label = `${service} ${environment}`;
  const podLines = h.healthy ? [] : [`  pods: ${pods[0]!.slice(label.length + 2)}`, ...pods.slice(1)];
  return [operatorHead(label, r.operator, probePhrases(r)), ...operatorDetails(service, environment, r.operator), ...podLines];
}

export const status = defineVerb({
  verb: 'status',
  scope: 'service',
  mutating: false,
  anonymous: true,
  environment: 'optional',
  usage: '<service> status [env]',
  summary:
    "pods of every environment: ready/total, restarts, image version, age; the operator's Superset status and the application's health probes where configured; details only for what is unhealthy",
  parse: ({ command }) => ({ service: command.service, ...(command.environment ? { environment: command.environment } : {}) }),
  async run(ctx, { service, environment }: { service: string; environment?: string }) {
    const envs = environment ? [environment] : ctx.registry.environments(service);
    const perEnv = await Promise.all(
      envs.map(async (env) => {
        try {
          // the stopped mark (Redis) is read beside the cluster's answers, not after them
          const [h, report, stopped] = await Promise.all([
            environmentHealth(ctx, service, env),
            hasHealth(ctx.config, service, env) ? checkHealth(ctx.kube, ctx.config, service, env, () => ctx.clock.now()) : undefined,
            stoppedLine(ctx, service, env),
          ]);
          const event = h.healthy || h.total === 0 ? undefined : await tellingEvent(ctx, service, env, h);
          const lines: Line[] = [...environmentLines(service, env, h, report), ...(stopped ? [stopped] : []), ...(event ? [event] : [])];
          return { title: `${service} ${env}`, ok: h.healthy && (!report || reportHealthy(report)), answered: true, lines };
        } catch (e) {
          if (!(e instanceof UserError)) ctx.log.error({ err: e, service, env }, 'status failed');
          return { title: `${service} ${env}`, ok: false, answered: false, lines: [`${service} ${env}: ${toUserLine(e)}`] };
        }
      }),
    );
    const lines = capLines(
      perEnv.flatMap((r) => r.lines),
      ctx.config.status.maxLines,
    );
    // The job succeeded when the cluster answered: an unhealthy service is a correct answer, shown per section.
    const ok = perEnv.every((r) => r.answered);
    // sections: the same per environment, uncapped (formatEnvironment already groups many bad pods), for Slack blocks
    return {
      ok,
      summary: lines[0] !== undefined ? plain(lines[0]) : `${service}: no environments`,
      lines,
      sections: perEnv.map(({ answered: _a, ...section }) => section),
    };
  },
});
