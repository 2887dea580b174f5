// `diff [env]`: what a deploy would change, summarised. No lock (nothing changes), full log kept.
import { toUserLine, UserError } from '../core/errors.js';
import { plain, type Line } from '../core/parts.js';
import { refuseExtraArgs } from '../deploy/args.js';
import { diffLines, fullLog } from '../deploy/format.js';
import { commandLine, deployableEnvironments, plan, target } from '../deploy/plan.js';
import { knownSecrets, Redactor } from '../deploy/redact.js';
import { childEnv, runTool } from '../deploy/runner.js';
import { JobLog, DeployStore } from '../deploy/store.js';
import { ApplyProgress, DiffSummary } from '../deploy/summary.js';
import { humanDuration } from '../deploy/time.js';
import { defineVerb } from './verb.js';

export const diff = defineVerb({
  verb: 'diff',
  scope: 'service',
  mutating: false,
  anonymous: true,
  environment: 'optional',
  usage: '<service> diff [env]',
  summary: 'what a deploy would change (helmfile diff, secrets suppressed), summarised',
  parse({ command, config, registry }) {
    refuseExtraArgs(command);
    if (command.environment) target(config, registry, command.service, command.environment);
    return { service: command.service, ...(command.environment ? { environment: command.environment } : {}) };
  },
  async run(ctx, { service, environment }: { service: string; environment?: string }, data) {
    const envs = environment ? [environment] : deployableEnvironments(ctx.registry, service);
    if (!envs.length) throw new UserError(`${service} has no environment with a deploy configured`);
    const settings = ctx.config.deploy;
    const log = new JobLog(new DeployStore(ctx.scope), JobLog.refFor(ctx.jobId), settings.logMaxLines, Math.round(settings.logTtlDays * 86400));
    // a diff logs nothing to SAL; the requester's name is passed all the same
    const env = childEnv(data.requester.user ?? 'deckhand', settings.passEnv);
    const results: { ok: boolean; lines: Line[] }[] = [];
    try {
      for (const e of envs) {
        const label = `${service} ${e}`;
        try {
          const run = plan(ctx.config, target(ctx.config, ctx.registry, service, e), 'diff');
          const redact = new Redactor(knownSecrets(ctx.config, run.secretFiles)).stream();
          const summary = new DiffSummary();
          const errors = new ApplyProgress();
          log.append(`$ cd ${run.cwd} && ${commandLine(run)}`);
          const o = await runTool(run, {
            env,
            timeoutMs: settings.timeoutMinutes * 60_000,
            killGraceMs: settings.killGraceSeconds * 1000,
            redact,
            onLine: (line) => {
              log.append(line);
              summary.push(line);
              errors.push(line);
            },
          });
          if (o.exitCode === 0) results.push({ ok: true, lines: [`${label}: no changes (the cluster matches the checkout)`] });
          else if (o.exitCode === 2) {
            const lines: Line[] = [`${label}: ${summary.text()}`];
            if (envs.length === 1) lines.push(...diffLines(summary, settings.chatLines));
            results.push({ ok: true, lines });
          } else {
            const why =
              o.spawnError ??
              (o.timedOut ? `timed out after ${humanDuration(settings.timeoutMinutes * 60_000)}` : `${run.tool} exited ${o.exitCode ?? o.signal}`);
            results.push({ ok: false, lines: [`${label}: diff failed: ${why}${errors.firstError ? `: ${errors.firstError}` : ''}`] });
          }
        } catch (err) {
          if (!(err instanceof UserError)) ctx.log.error({ err, service, env: e }, 'diff failed');
          results.push({ ok: false, lines: [`${label}: ${toUserLine(err)}`] });
        }
      }
    } finally {
      await log.close();
    }
    const lines = results.flatMap((r) => r.lines);
    lines.push(fullLog(ctx.jobId));
    return { ok: results.every((r) => r.ok), summary: plain(lines[0]!), lines, logRef: log.ref };
  },
});
