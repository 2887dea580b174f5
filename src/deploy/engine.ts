// One deploy of one service environment, start to end: freeze check, lock, diff, (confirmation),
// apply, announcements, revision, release — the chat form of `cd <dir> && helmfile -e <env> -i apply`.
import { hostname } from 'node:os';
import type { Access } from '../auth/access.js';
import type { Config } from '../config/schema.js';
import { PermissionDeniedError, UserError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ServiceRegistry } from '../core/registry.js';
import type { Identity, JobResult, OutgoingMessage, ReplyTarget } from '../core/types.js';
import { maintenanceBlocks } from '../maintenance/blocks.js';
import { FrozenError, LockedError, type LockOwner } from './errors.js';
import { announcements, diffLines, fullLog, progress, typed } from './format.js';
import { commandLine, plan, target, type Target, type ToolRun } from './plan.js';
import { knownSecrets, Redactor } from './redact.js';
import { childEnv, runTool, type RunOutcome } from './runner.js';
import { DeployStore, JobLog, newCode, type PendingConfirmation, type RunningJob } from './store.js';
import { ApplyProgress, DiffSummary } from './summary.js';
import { humanDuration } from './time.js';

export interface DeployContext {
  config: Config;
  registry: ServiceRegistry;
  access: Access;
  log: Logger;
  store: DeployStore;
  jobId: string;
  post(msg: OutgoingMessage): Promise<void>;
}

export type DeployVerb = 'deploy' | 'restart';

export interface RolloutStep {
  group: string;
  /** `service/environment`, in order. */
  steps: string[];
  index: number;
  id: string;
  /** The whole roll-out was confirmed up front (some step needs it). */
  confirmedBy?: string;
}

export interface DeployRequest {
  verb: DeployVerb;
  service: string;
  environment: string;
  requester: Identity;
  replyTo: ReplyTarget;
  /** Set when someone confirmed: the diff must still be the one shown. */
  confirmed?: { by: Identity; code: string; diffDigest?: string };
  rollout?: RolloutStep;
  /** `--during-maintenance`: go ahead during an announced window (if allowed; see maintenanceBlocks). */
  duringMaintenance?: boolean;
}

/** What the job history keeps about a deploy, beside the chat result. */
export interface DeployRecord {
  service: string;
  environment: string;
  verb: DeployVerb;
  tool: 'helmfile' | 'helm';
  user: string;
  confirmedBy?: string;
  outcome: 'deployed' | 'nothing-to-deploy' | 'awaiting-confirmation' | 'failed' | 'timed-out' | 'cancelled' | 'refused';
  commands: string[];
  startedAt: number;
  durationMs: number;
  exitCode?: number;
  revisions?: Record<string, number>;
  diff?: string;
  confirmCode?: string;
}

export interface DeployResult extends JobResult {
  deploy: DeployRecord;
}

const past: Record<DeployVerb, string> = { deploy: 'deployed', restart: 'restarted' };

/** The requester's directory user, for LOG_USER (SAL shows the person, not the bot). */
export async function directoryUser(access: Access, who: Identity): Promise<Identity & { user: string }> {
  const { user: _u, groups: _g, ...asked } = who;
  const found = await access.identify(asked);
  if (!found.user) throw new PermissionDeniedError(`${who.nick}: no directory user for account ${who.account ?? '(none)'}: cannot attribute a deploy`);
  return found as Identity & { user: string };
}

function exitText(run: ToolRun, o: RunOutcome, timeoutMs: number): string {
  if (o.spawnError) return o.spawnError;
  if (o.timedOut) return `timed out after ${humanDuration(timeoutMs)}: ${run.tool} and everything it started were stopped`;
  if (o.cancelled) return `cancelled: ${run.tool} and everything it started were stopped`;
  if (o.signal) return `${run.tool} was killed (${o.signal})`;
  return `${run.tool} exited ${o.exitCode}`;
}

/** Lock renewal while the job runs, and the `cancel` poll. */
class Lease {
  private readonly renewTimer: NodeJS.Timeout;
  private readonly cancelTimer: NodeJS.Timeout;
  readonly abort = new AbortController();
  cancelledBy?: string;

  constructor(private readonly dc: DeployContext, private readonly t: Target, private owner: LockOwner, private readonly ttlMs: number) {
    this.renewTimer = setInterval(() => void this.renew(), Math.max(200, ttlMs / 3));
    this.cancelTimer = setInterval(() => void this.pollCancel(), 1000);
    this.renewTimer.unref();
    this.cancelTimer.unref();
  }

  private async renew(withOwner?: LockOwner): Promise<void> {
    try {
      const r = await this.dc.store.renew(this.t.service, this.t.environment, this.owner.jobId, this.ttlMs, withOwner);
      if (r !== 1) this.dc.log.error({ jobId: this.owner.jobId, service: this.t.service, env: this.t.environment, r }, 'deploy lock lost while running');
    } catch (err) {
      this.dc.log.warn({ err }, 'deploy lock renewal failed');
    }
  }

  private async pollCancel(): Promise<void> {
    if (this.abort.signal.aborted) return;
    const by = await this.dc.store.cancelRequested(this.owner.jobId).catch(() => undefined);
    if (by) {
      this.cancelledBy = by;
      this.abort.abort();
    }
  }

  async setPgid(pgid: number): Promise<void> {
    this.owner = { ...this.owner, pgid };
    await this.renew(this.owner);
  }

  stop(): void {
    clearInterval(this.renewTimer);
    clearInterval(this.cancelTimer);
  }
}

export async function runDeploy(dc: DeployContext, req: DeployRequest): Promise<DeployResult> {
  const { config, store } = dc;
  const settings = config.deploy;
  const t = target(config, dc.registry, req.service, req.environment);
  const label = `${req.service} ${req.environment}`;
  const net = req.replyTo.network;
  // every path and argument is checked before anything runs or is locked
  const diffRun = plan(config, t, 'diff');
  const applyRun = plan(config, t, 'apply', { restart: req.verb === 'restart' });
  const [who, freeze] = await Promise.all([directoryUser(dc.access, req.requester), store.frozen(req.service, req.environment)]);
  const started = Date.now();
  const record: DeployRecord = {
    service: req.service, environment: req.environment, verb: req.verb, tool: t.deploy.tool, user: who.user,
    ...(req.confirmed ? { confirmedBy: req.confirmed.by.nick } : {}),
    outcome: 'refused', commands: [], startedAt: started, durationMs: 0,
  };

  if (freeze) throw new FrozenError(label, freeze, req.service, req.environment);
  const maintenance = await maintenanceBlocks({ redis: store.redis, prefix: store.prefix, config, access: dc.access }, { service: req.service, environment: req.environment, requester: req.requester, override: !!req.duringMaintenance, verb: req.verb });
  if (maintenance) throw new UserError(maintenance);

  const ttlMs = settings.lockTtlSeconds * 1000;
  const owner: LockOwner = { jobId: dc.jobId, user: who.user, nick: req.requester.nick, network: net, verb: req.verb, since: started, host: hostname() };
  const log = new JobLog(store, JobLog.refFor(dc.jobId), settings.logMaxLines, Math.round(settings.logTtlDays * 86400));
  const running: RunningJob = {
    jobId: dc.jobId, service: req.service, environment: req.environment, verb: req.verb, user: who.user, host: owner.host, startedAt: started,
    ...(req.rollout ? { rollout: { group: req.rollout.group, index: req.rollout.index, total: req.rollout.steps.length, remaining: req.rollout.steps.slice(req.rollout.index + 1) } } : {}),
  };
  const redactor = new Redactor(knownSecrets(config, [...diffRun.secretFiles, ...applyRun.secretFiles]));
  const env = childEnv(who.user, settings.passEnv);
  const timeoutMs = settings.timeoutMinutes * 60_000;

  const got = await store.acquire(req.service, req.environment, owner, ttlMs);
  if (!got.ok) throw new LockedError(label, got.holder);
  // nothing between taking the lock and the try below can throw: the finally releases it
  const lease = new Lease(dc, t, owner, ttlMs);
  const done = (r: Omit<DeployResult, 'deploy' | 'logRef'>, outcome: DeployRecord['outcome']): DeployResult => {
    record.outcome = outcome;
    record.durationMs = Date.now() - started;
    return { ...r, logRef: log.ref, deploy: record };
  };

  const exec = async (run: ToolRun, onLine: (line: string) => void): Promise<RunOutcome> => {
    const cmd = commandLine(run);
    record.commands.push(cmd);
    log.append(`$ cd ${run.cwd} && LOG_USER=${who.user} ${cmd}`);
    const redact = redactor.stream();
    const o = await runTool(run, {
      env, timeoutMs, killGraceMs: settings.killGraceSeconds * 1000, redact,
      signal: lease.abort.signal,
      onLine: (line) => {
        log.append(line);
        onLine(line);
      },
      onSpawn: (pid) => {
        running.pgid = pid;
        void store.setRunning(running).catch(() => {});
        void lease.setPgid(pid);
      },
    });
    log.append(`# ${exitText(run, o, timeoutMs)} after ${humanDuration(o.durationMs)}`);
    if (o.exitCode !== undefined) record.exitCode = o.exitCode;
    return o;
  };
  const failure = (phase: string, run: ToolRun, o: RunOutcome, firstError?: string): DeployResult => {
    const why = exitText(run, o, timeoutMs) + (firstError && !o.timedOut && !o.cancelled ? `: ${firstError}` : '');
    const by = o.cancelled && lease.cancelledBy ? ` by ${lease.cancelledBy}` : '';
    const line = `${req.verb} of ${label} FAILED${phase === 'diff' ? ' at the diff' : ''} after ${humanDuration(Date.now() - started)}${by}: ${why}`;
    const hint = fullLog(net, dc.jobId);
    return done({ ok: false, summary: line, lines: [hint ? `${line} (${hint})` : line] }, o.timedOut ? 'timed-out' : o.cancelled ? 'cancelled' : 'failed');
  };

  let endPosts: Promise<void>[] = [];
  try {
    await store.setRunning(running);

    // 1. diff: what would change (exit 0 nothing, 2 changes, else error)
    const diff = new DiffSummary();
    const firstDiffError = new ApplyProgress();
    const d = await exec(diffRun, (line) => {
      diff.push(line);
      firstDiffError.push(line);
    });
    if (d.exitCode !== 0 && d.exitCode !== 2) return failure('diff', diffRun, d, firstDiffError.firstError);
    const changes = d.exitCode === 2;
    record.diff = changes ? diff.text() : 'no changes';

    if (req.verb === 'deploy' && !changes) {
      const line = `nothing to deploy: ${label} already matches the checkout`;
      return done({ ok: true, summary: line, lines: [line] }, 'nothing-to-deploy');
    }
    if (req.verb === 'restart' && changes) {
      const line = `refused: ${label} has changes not deployed yet (${diff.text()}); a restart would deploy them too. Deploy them first: ${typed(net, `${req.service} deploy ${req.environment}`)}`;
      return done({ ok: false, summary: line, lines: [line] }, 'refused');
    }

    // 2. confirmation (the chat form of helmfile -i), or a changed diff since the confirmation
    const needsConfirm = t.env.confirm && !req.rollout?.confirmedBy;
    const digest = changes ? diff.digest() : undefined;
    if (needsConfirm && (!req.confirmed || req.confirmed.diffDigest !== digest)) {
      const changedSince = !!req.confirmed;
      const pending: PendingConfirmation = {
        code: newCode(), verb: req.verb, service: req.service, environment: req.environment,
        requester: who, replyTo: req.replyTo, requestId: `${dc.jobId}`, createdAt: Date.now(),
        expiresAt: Date.now() + settings.confirmMinutes * 60_000, ...(digest ? { diffDigest: digest } : {}), ...(req.duringMaintenance ? { duringMaintenance: true } : {}),
        summary: changes ? diff.text() : 'restart every pod', jobId: dc.jobId,
      };
      await store.savePending(pending);
      const head = req.verb === 'restart'
        ? `${label}: restart recreates every pod (no changes pending)`
        : `${label}: ${changedSince ? 'the changes are not the ones confirmed, now: ' : 'changes to deploy — '}${diff.text()}`;
      const lines = [head, ...(changes ? diffLines(diff, settings.chatLines) : [])];
      if (changes) lines.push(`full diff: ${typed(net, `job ${dc.jobId}`)}`);
      lines.push(`to go ahead, say within ${humanDuration(settings.confirmMinutes * 60_000)}: ${typed(net, `confirm ${pending.code}`)} (or ${typed(net, `cancel ${pending.code}`)})`);
      record.confirmCode = pending.code;
      return done({ ok: true, summary: head, lines }, 'awaiting-confirmation');
    }

    // 3. apply
    const by = `${who.user}${req.confirmed && req.confirmed.by.user !== who.user ? `, confirmed by ${req.confirmed.by.user ?? req.confirmed.by.nick}` : ''}`;
    const what = req.verb === 'restart' ? 'restart (roll_restart=1)' : 'deploy';
    const stepNote = req.rollout ? ` [rollout ${req.rollout.group} ${req.rollout.index + 1}/${req.rollout.steps.length}]` : '';
    const startLine = `${label}: ${what} started by ${by} (job ${dc.jobId})${stepNote}${changes ? `: ${diff.text()}` : ''}`;
    // the news goes out while helmfile starts (outboxes keep each network's order)
    running.announced = true;
    const startPosts = Promise.all([
      ...announcements(config, req.service, [startLine], req.replyTo).map((m) => dc.post(m)),
      dc.post(progress(req.replyTo, startLine)),
      store.setRunning(running),
    ]).catch((err) => dc.log.warn({ err }, 'deploy start announcement failed'));

    const applying = new Set<string>();
    const progressPosts: Promise<void>[] = [];
    const apply = new ApplyProgress((m) => {
      if (m.kind === 'applying' && !applying.has(m.release)) {
        applying.add(m.release);
        progressPosts.push(dc.post(progress(req.replyTo, `${label}: applying release ${m.release}, waiting for the rollout`)).catch(() => {}));
      }
    });
    const a = await exec(applyRun, (line) => apply.push(line));
    await startPosts;
    await Promise.all(progressPosts);
    const ok = (a.exitCode === 0 || a.exitCode === 2) && !a.timedOut && !a.cancelled;
    if (Object.keys(apply.revisions).length) record.revisions = apply.revisions;
    const took = humanDuration(Date.now() - started);
    let result: DeployResult;
    let endLine: string;
    if (ok) {
      const revs = apply.text();
      endLine = `${label}: ${what} by ${who.user} done in ${took}${revs ? `: ${revs}` : ''}`;
      const line = `${past[req.verb]} ${label} in ${took}${revs ? `: ${revs}` : ''} (${fullLog(net, dc.jobId)})`;
      result = done({ ok: true, summary: line, lines: [line] }, 'deployed');
    } else {
      result = failure('apply', applyRun, a, apply.firstError);
      endLine = `${label}: ${what} by ${who.user} FAILED after ${took}: ${exitText(applyRun, a, timeoutMs)}`;
    }
    endPosts = announcements(config, req.service, [endLine], req.replyTo).map((m) => dc.post(m).catch(() => {}));
    return result;
  } finally {
    // every exit path: the lock (by owner only), the running record, the log
    lease.stop();
    await Promise.all([
      store.release(req.service, req.environment, dc.jobId).catch((err) => dc.log.error({ err }, 'deploy lock release failed')),
      store.clearRunning(dc.jobId).catch(() => {}),
      log.close(),
      ...endPosts,
    ]);
  }
}
