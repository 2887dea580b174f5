// One deploy of one service environment, as steps on one run: checks (freeze, maintenance, lock) →
// an optional change inside the lock (a flag or version edit) → diff → confirmation gate → apply →
// announcements; the lock is released on every exit. The chat form of `helmfile -e <env> -i apply`.
// An operation (rollback, stop, start: src/deploy/operation.ts) takes the place of diff + apply and
// goes through the same checks, lock, confirmation gate and announcements.
import { hostname } from 'node:os';
import type { Access } from '../auth/access.js';
import type { Config } from '../config/schema.js';
import { PermissionDeniedError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ServiceRegistry } from '../core/registry.js';
import { append, cmd, line, plain, toParts, type Line } from '../core/parts.js';
import type { Identity, JobResult, OutgoingMessage, ReplyTarget } from '../core/types.js';
import { maintenanceBlocks } from '../maintenance/blocks.js';
import { asksConfirmation, confirmationActions, names, whoMayApprove, type Approval } from './approvals.js';
import { FrozenError, LockedError, type LockOwner } from './errors.js';
import { announcements, diffLines, fullLog, progress } from './format.js';
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
  /** A scheduled change whose time came (src/handlers/schedule-change.ts): confirmed when it was scheduled, if it was. */
  scheduled?: ScheduledRun;
}

/** Confirmed when it was scheduled: the diff of its time is applied without asking again (it could not be shown then). */
export interface ScheduledRun {
  id: string;
  confirmed?: { by: Identity; code: string; approvals?: Approval[] };
}

export type DeployVerb = 'deploy' | 'restart';
/** Verbs whose work is an Operation instead of diff + apply. */
export type OperationVerb = 'rollback' | 'stop' | 'start' | 'approve-upgrade';

/** What an operation may use of its run: tools run like a deploy's (timeout, redaction, the job log, cancel). */
export interface OperationTools {
  who: Identity & { user: string };
  exec(run: ToolRun, onLine?: (line: string) => void, o?: { maxLineChars?: number }): Promise<RunOutcome>;
  /** Why a run failed, in words ("helm exited 1", "timed out after 15m00s: …"). */
  failed(run: ToolRun, o: RunOutcome): string;
  log(line: string): void;
}
export interface Prepared {
  /** What it will do, for the confirmation and the start line ("revision 44 (…) → revision 43 (…)"). */
  text: string;
  /** Confirmed only while this stays the same (the environment did not change in between). */
  digest: string;
  /** More lines under the confirmation question. */
  lines?: Line[];
}
export interface Applied {
  ok: boolean;
  /** "release staging → revision 45 (rollback to 43)", or why it failed. */
  text: string;
  revisions?: Record<string, number>;
  /** Said after the result, to the asker and on the channels ("the cluster now differs from git…"). */
  note?: Line;
}
/** A change of the environment other than diff + apply. */
export interface Operation {
  /** Inside the lock, before the gate: what it will do, or why not (then nothing runs). */
  prepare(t: OperationTools): Promise<Prepared | { refused: Line }>;
  apply(t: OperationTools, p: Prepared): Promise<Applied>;
  /** The record's tool. */
  tool: DeployRecord['tool'];
  /** Ask for a confirmation even where the environment does not (approve-upgrade: the tags are shown first, always). */
  confirm?: boolean;
}

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
  verb: DeployVerb | OperationVerb;
  service: string;
  environment: string;
  requester: Identity;
  replyTo: ReplyTarget;
  /** Set when someone confirmed (or the last approval came in): the diff must still be the one shown. */
  confirmed?: { by: Identity; code: string; diffDigest?: string; approvals?: Approval[]; anyDiff?: true };
  rollout?: RolloutStep;
  /** `--during-maintenance`: go ahead during an announced window (if allowed; see maintenanceBlocks). */
  duringMaintenance?: boolean;
  /** An edit made inside the lock before the diff (a feature flag, a version), so two edits of one environment never interleave. */
  change?: ChangeStep;
  /** Instead of diff + apply (rollback, stop, start). */
  operation?: Operation;
  /** The verb's arguments, kept with a confirmation so `confirm` runs the same operation. */
  args?: Record<string, unknown>;
}

/** The change step: edits the checkout (and commits), or says there is nothing to change. */
export interface ChangeStep {
  /** What it changes, for the start line ("enable ALERT_REPORTS"). */
  describe: string;
  run(who: Identity & { user: string }): Promise<ChangeOutcome>;
}
export type ChangeOutcome =
  | { changed: false; line: Line }
  /** `deploy: false`: committed where the checkout does not have it yet (pushed for review): nothing to deploy now. */
  | { changed: true; commit: string; line: Line; undo?: Line; deploy?: false };

/** What the job history keeps about a deploy, beside the chat result. */
export interface DeployRecord {
  service: string;
  environment: string;
  verb: DeployVerb | OperationVerb;
  tool: 'helmfile' | 'helm' | 'kubernetes';
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
  /** The git commit the change step made. */
  commit?: string;
  /** Its start was announced on the service's channels (so its end is too). */
  announced?: boolean;
  /** Directory users who approved it (environments with `approvals`). */
  approvedBy?: string[];
}

export interface DeployResult extends JobResult {
  deploy: DeployRecord;
}

const past: Record<DeployVerb | OperationVerb, string> = {
  deploy: 'deployed',
  restart: 'restarted',
  rollback: 'rolled back',
  stop: 'stopped',
  start: 'started',
  'approve-upgrade': 'approved the upgrade of',
};

/** The requester's directory user, for LOG_USER (SAL shows the person, not the bot). */
export async function directoryUser(access: Access, who: Identity): Promise<Identity & { user: string }> {
  const { user: _u, groups: _g, name: _n, mail: _m, ...asked } = who;
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

  constructor(
    private readonly dc: DeployContext,
    private readonly t: Target,
    private owner: LockOwner,
    private readonly ttlMs: number,
  ) {
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

export async function runDeploy(dc: DeployContext, asked: DeployRequest): Promise<DeployResult> {
  const sc = dc.scheduled?.confirmed;
  const req: DeployRequest = sc && !asked.confirmed ? { ...asked, confirmed: { ...sc, anyDiff: true } } : asked;
  const run = new DeployRun(dc, req);
  await run.checks();
  await run.lock();
  try {
    const changed = await run.change();
    if (changed) return changed;
    if (req.operation) {
      const p = await run.prepare(req.operation);
      if ('result' in p) return p.result;
      return (await run.operationGate(p)) ?? (await run.applyOperation(req.operation, p));
    }
    const diff = await run.diff();
    if ('result' in diff) return diff.result;
    return (await run.confirmGate(diff)) ?? (await run.apply(diff));
  } finally {
    await run.release();
  }
}

interface Diffed {
  changes: boolean;
  summary: DiffSummary;
}

/** One deploy's state, shared by its steps. */
class DeployRun {
  private readonly settings: Config['deploy'];
  private readonly t: Target;
  private readonly label: string;
  private readonly diffRun?: ToolRun;
  private readonly applyRun?: ToolRun;
  private readonly started = Date.now();
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private who!: Identity & { user: string };
  private record!: DeployRecord;
  private log!: JobLog;
  private running!: RunningJob;
  private lease?: Lease;
  private redactor!: Redactor;
  private env!: Record<string, string>;
  private endPosts: Promise<void>[] = [];
  private changeLine?: Line;
  private undo?: Line;

  constructor(
    private readonly dc: DeployContext,
    private readonly req: DeployRequest,
  ) {
    this.settings = dc.config.deploy;
    this.t = target(dc.config, dc.registry, req.service, req.environment);
    this.label = `${req.service} ${req.environment}`;
    // every path and argument is checked before anything runs or is locked
    if (!req.operation) {
      this.diffRun = plan(dc.config, this.t, 'diff');
      this.applyRun = plan(dc.config, this.t, 'apply', { restart: req.verb === 'restart' });
    }
    this.timeoutMs = this.settings.timeoutMinutes * 60_000;
    this.ttlMs = this.settings.lockTtlSeconds * 1000;
  }

  /** Step 1: who asks (for SAL), and nothing in the way: no freeze, no maintenance window (unless allowed). */
  async checks(): Promise<void> {
    const { dc, req } = this;
    const [who, freeze] = await Promise.all([directoryUser(dc.access, req.requester), dc.store.frozen(req.service, req.environment)]);
    this.who = who;
    this.record = {
      service: req.service,
      environment: req.environment,
      verb: req.verb,
      tool: req.operation?.tool ?? this.t.deploy.tool,
      user: who.user,
      ...(req.confirmed ? { confirmedBy: req.confirmed.by.nick } : {}),
      ...(req.confirmed?.approvals?.length ? { approvedBy: req.confirmed.approvals.map((a) => a.user) } : {}),
      outcome: 'refused',
      commands: [],
      startedAt: this.started,
      durationMs: 0,
    };
    if (freeze) throw new FrozenError(this.label, freeze, req.service, req.environment);
    await maintenanceBlocks(
      { redis: dc.store.redis, prefix: dc.store.prefix, config: dc.config, access: dc.access },
      { service: req.service, environment: req.environment, requester: req.requester, override: !!req.duringMaintenance, verb: req.verb },
    );
  }

  /** Step 2: the environment's lock; from here on `release` must run. */
  async lock(): Promise<void> {
    const { dc, req, who } = this;
    const owner: LockOwner = {
      jobId: dc.jobId,
      user: who.user,
      nick: req.requester.nick,
      network: req.replyTo.network,
      verb: req.verb,
      since: this.started,
      host: hostname(),
    };
    this.log = new JobLog(dc.store, JobLog.refFor(dc.jobId), this.settings.logMaxLines, Math.round(this.settings.logTtlDays * 86400));
    this.running = {
      jobId: dc.jobId,
      service: req.service,
      environment: req.environment,
      verb: req.verb,
      user: who.user,
      host: owner.host,
      startedAt: this.started,
      ...(req.rollout
        ? {
            rollout: {
              group: req.rollout.group,
              index: req.rollout.index,
              total: req.rollout.steps.length,
              remaining: req.rollout.steps.slice(req.rollout.index + 1),
            },
          }
        : {}),
    };
    this.redactor = new Redactor(knownSecrets(dc.config, [...(this.diffRun?.secretFiles ?? []), ...(this.applyRun?.secretFiles ?? [])]));
    this.env = childEnv(who.user, this.settings.passEnv);
    const got = await dc.store.acquire(req.service, req.environment, owner, this.ttlMs);
    if (!got.ok) {
      await this.log.close();
      throw new LockedError(this.label, got.holder);
    }
    // nothing between taking the lock and the caller's try can throw: its finally releases it
    this.lease = new Lease(dc, this.t, owner, this.ttlMs);
  }

  /** Step 3 (optional): the edit, inside the lock. Nothing to change ends the job here: no deploy. */
  async change(): Promise<DeployResult | undefined> {
    const step = this.req.change;
    if (!step) return undefined;
    await this.dc.store.setRunning(this.running);
    const out = await step.run(this.who);
    this.log.append(`# change: ${step.describe}: ${out.changed ? `commit ${out.commit}` : 'no change'}`);
    if (!out.changed) return this.done({ ok: true, summary: plain(out.line), lines: [out.line] }, 'nothing-to-deploy');
    this.record.commit = out.commit;
    if (out.deploy === false) return this.done({ ok: true, summary: plain(out.line), lines: [out.line] }, 'nothing-to-deploy');
    this.changeLine = out.line;
    if (out.undo) this.undo = out.undo;
    return undefined;
  }

  /** Step 4: what would change (helmfile diff: exit 0 nothing, 2 changes, else error). */
  async diff(): Promise<Diffed | { result: DeployResult }> {
    const { req, label } = this;
    await this.dc.store.setRunning(this.running);
    const summary = new DiffSummary();
    const firstError = new ApplyProgress();
    const diffRun = this.diffRun!;
    const d = await this.exec(diffRun, (l) => {
      summary.push(l);
      firstError.push(l);
    });
    if (d.exitCode !== 0 && d.exitCode !== 2) return { result: this.failure('diff', diffRun, d, firstError.firstError) };
    const changes = d.exitCode === 2;
    this.record.diff = changes ? summary.text() : 'no changes';
    if (req.verb === 'deploy' && !changes) {
      const text = `nothing to deploy: ${label} already matches the checkout`;
      return { result: this.done({ ok: true, summary: text, lines: [...this.changeLines(), text] }, 'nothing-to-deploy') };
    }
    if (req.verb === 'restart' && changes) {
      const l = line`refused: ${label} has changes not deployed yet (${summary.text()}); a restart would deploy them too. Deploy them first: ${cmd(`${req.service} deploy ${req.environment}`)}`;
      return { result: this.done({ ok: false, summary: plain(l), lines: [l] }, 'refused') };
    }
    return { changes, summary };
  }

  /** Step 5: the chat form of helmfile -i. Asks (again, when the diff changed since it was confirmed), or lets it through. */
  async confirmGate({ changes, summary }: Diffed): Promise<DeployResult | undefined> {
    const { dc, req, label, settings } = this;
    // approvals are asked for every time: a roll-out's up-front confirmation does not stand in for them
    const needsConfirm = !!this.t.env.approvals || (this.t.env.confirm && !req.rollout?.confirmedBy);
    const digest = changes ? summary.digest() : undefined;
    if (!needsConfirm || (req.confirmed && (req.confirmed.anyDiff || req.confirmed.diffDigest === digest))) return undefined;
    const changedSince = !!req.confirmed;
    const head =
      req.verb === 'restart'
        ? `${label}: restart recreates every pod (no changes pending)`
        : `${label}: ${changedSince ? 'the changes are not the ones confirmed, now: ' : 'changes to deploy — '}${summary.text()}`;
    const lines: Line[] = [...this.changeLines(), head, ...(changes ? diffLines(summary, settings.chatLines) : [])];
    if (changes) lines.push(line`full diff: ${cmd(`job ${dc.jobId}`)}`);
    return this.ask({ head, lines, summary: changes ? summary.text() : 'restart every pod', ...(digest ? { digest } : {}) });
  }

  /** Saves what waits for `confirm <code>` and asks for it. */
  private async ask(q: { head: string; lines: Line[]; summary: string; digest?: string }): Promise<DeployResult> {
    const { dc, req, settings } = this;
    const approval = this.t.env.approvals;
    const pending: PendingConfirmation = {
      code: newCode(),
      verb: req.verb,
      service: req.service,
      environment: req.environment,
      requester: this.who,
      replyTo: req.replyTo,
      requestId: `${dc.jobId}`,
      createdAt: Date.now(),
      expiresAt: Date.now() + settings.confirmMinutes * 60_000,
      ...(q.digest ? { diffDigest: q.digest } : {}),
      ...(req.duringMaintenance ? { duringMaintenance: true } : {}),
      ...(req.args ? { args: req.args } : {}),
      summary: q.summary,
      jobId: dc.jobId,
      ...(approval ? { approval } : {}),
    };
    await dc.store.savePending(pending);
    const lines = [...q.lines];
    const within = humanDuration(settings.confirmMinutes * 60_000);
    const code = pending.code;
    lines.push(
      approval
        ? line`this needs ${whoMayApprove(approval, this.who.user)} within ${within}: ${cmd(`approve ${code}`)} (to drop it: ${cmd(`cancel ${code}`)})`
        : line`to go ahead, say within ${within}: ${cmd(`confirm ${code}`)} (or ${cmd(`cancel ${code}`)})`,
    );
    const actions = confirmationActions(code, pending.expiresAt, approval);
    // a cancel leaves the commit in the checkout: say how to take it back
    if (this.record.commit && this.undo)
      lines.push(append(`the change is committed (${this.record.commit.slice(0, 12)}) and waits for this deploy; to take it back: `, ...toParts(this.undo)));
    this.record.confirmCode = pending.code;
    return this.done({ ok: true, summary: q.head, lines, actions }, 'awaiting-confirmation');
  }

  private tools(): OperationTools {
    return {
      who: this.who,
      exec: (run, onLine, o) => this.exec(run, onLine ?? (() => {}), o),
      failed: (run, o) => exitText(run, o, this.timeoutMs),
      log: (l) => this.log.append(l),
    };
  }

  /** An operation's step 4: what it will do (inside the lock, so nothing changes it before the gate). */
  async prepare(op: Operation): Promise<Prepared | { result: DeployResult }> {
    await this.dc.store.setRunning(this.running);
    const p = await op.prepare(this.tools());
    if ('refused' in p) return { result: this.done({ ok: false, summary: plain(p.refused), lines: [p.refused] }, 'refused') };
    this.record.diff = p.text;
    return p;
  }

  /** An operation's step 5: production asks, showing what it will do; a confirmation holds while that stays the same. */
  async operationGate(p: Prepared): Promise<DeployResult | undefined> {
    const { req, label } = this;
    if (!(req.operation?.confirm || asksConfirmation(this.t.env)) || (req.confirmed && (req.confirmed.anyDiff || req.confirmed.diffDigest === p.digest)))
      return undefined;
    const head = `${label}: ${req.confirmed ? 'changed since it was confirmed, now: ' : ''}${req.verb} ${p.text}`;
    return this.ask({ head, lines: [head, ...(p.lines ?? [])], summary: `${req.verb} ${p.text}`, digest: p.digest });
  }

  /** An operation's step 6: done between the start and end announcements. */
  async applyOperation(op: Operation, p: Prepared): Promise<DeployResult> {
    const { dc, req, label, who } = this;
    const started = this.announceStart(`${label}: ${req.verb} started by ${this.by()} (job ${dc.jobId}): ${p.text}`);
    const a = await op.apply(this.tools(), p);
    await started;
    if (a.revisions && Object.keys(a.revisions).length) this.record.revisions = a.revisions;
    const took = humanDuration(Date.now() - this.started);
    const note = a.note ? ['; ', ...toParts(a.note)] : [];
    if (!a.ok) {
      const text = `${req.verb} of ${label} FAILED after ${took}: ${a.text}`;
      this.announceEnd(append(`${label}: ${req.verb} by ${who.user} FAILED after ${took}: ${a.text}`, ...note));
      return this.done({ ok: false, summary: text, lines: [append(`${text} (`, ...fullLog(dc.jobId), ')'), ...(a.note ? [a.note] : [])] }, 'failed');
    }
    this.announceEnd(append(`${label}: ${req.verb} by ${who.user} done in ${took}: ${a.text}`, ...note));
    const l = append(`${past[req.verb]} ${label} in ${took}: ${a.text}`, ...note, ' (', ...fullLog(dc.jobId), ')');
    return this.done({ ok: true, summary: plain(l), lines: [l] }, 'deployed');
  }

  private by(): string {
    const { req, who } = this;
    if (req.confirmed?.approvals?.length) return `${who.user}, approved by ${names(req.confirmed.approvals)}`;
    return `${who.user}${req.confirmed && req.confirmed.by.user !== who.user ? `, confirmed by ${req.confirmed.by.user ?? req.confirmed.by.nick}` : ''}`;
  }

  /** The start line on the service's channels and to the asker, while the work starts (outboxes keep each network's order). */
  private announceStart(startLine: string): Promise<unknown> {
    const { dc, req } = this;
    this.running.announced = true;
    this.record.announced = true;
    return Promise.all([
      ...announcements(dc.config, req.service, [startLine], req.replyTo).map((m) => dc.post(m)),
      dc.post(progress(req.replyTo, startLine)),
      dc.store.setRunning(this.running),
    ]).catch((err) => dc.log.warn({ err }, 'deploy start announcement failed'));
  }

  /** The end line, posted by `release` once the lock is given back. */
  private announceEnd(endLine: Line): void {
    this.endPosts = announcements(this.dc.config, this.req.service, [endLine], this.req.replyTo).map((m) => this.dc.post(m).catch(() => {}));
  }

  /** Step 6: apply, with the start and end announced on the service's channels. */
  async apply({ changes, summary }: Diffed): Promise<DeployResult> {
    const { dc, req, label, who } = this;
    const applyRun = this.applyRun!;
    const by = this.by();
    const what = req.verb === 'restart' ? 'restart (roll_restart=1)' : 'deploy';
    const stepNote = req.rollout ? ` [rollout ${req.rollout.group} ${req.rollout.index + 1}/${req.rollout.steps.length}]` : '';
    const change = req.change ? ` to ${req.change.describe}` : '';
    const startLine = `${label}: ${what}${change} started by ${by} (job ${dc.jobId})${stepNote}${changes ? `: ${summary.text()}` : ''}`;
    // the news goes out while helmfile starts
    const startPosts = this.announceStart(startLine);

    const applying = new Set<string>();
    const progressPosts: Promise<void>[] = [];
    const apply = new ApplyProgress((m) => {
      if (m.kind === 'applying' && !applying.has(m.release)) {
        applying.add(m.release);
        progressPosts.push(dc.post(progress(req.replyTo, `${label}: applying release ${m.release}, waiting for the rollout`)).catch(() => {}));
      }
    });
    const a = await this.exec(applyRun, (l) => apply.push(l));
    await startPosts;
    await Promise.all(progressPosts);
    const ok = (a.exitCode === 0 || a.exitCode === 2) && !a.timedOut && !a.cancelled;
    if (Object.keys(apply.revisions).length) this.record.revisions = apply.revisions;
    const took = humanDuration(Date.now() - this.started);
    let result: DeployResult;
    let endLine: string;
    if (ok) {
      const revs = apply.text();
      endLine = `${label}: ${what} by ${who.user} done in ${took}${revs ? `: ${revs}` : ''}`;
      const l = append(`${past[req.verb]} ${label} in ${took}${revs ? `: ${revs}` : ''} (`, ...fullLog(dc.jobId), ')');
      result = this.done({ ok: true, summary: plain(l), lines: [...this.changeLines(), l] }, 'deployed');
    } else {
      result = this.failure('apply', applyRun, a, apply.firstError);
      endLine = `${label}: ${what} by ${who.user} FAILED after ${took}: ${exitText(applyRun, a, this.timeoutMs)}`;
    }
    this.announceEnd(endLine);
    return result;
  }

  /** Every exit path after `lock`: the lock (by owner only), the running record, the log, the end announcements. */
  async release(): Promise<void> {
    const { dc, req } = this;
    this.lease?.stop();
    await Promise.all([
      dc.store.release(req.service, req.environment, dc.jobId).catch((err) => dc.log.error({ err }, 'deploy lock release failed')),
      dc.store.clearRunning(dc.jobId).catch(() => {}),
      this.log.close(),
      ...this.endPosts,
    ]);
  }

  /** The change's line first, so the asker sees what was committed before what was deployed. */
  private changeLines(): Line[] {
    return this.changeLine ? [this.changeLine] : [];
  }

  private done(r: Omit<DeployResult, 'deploy' | 'logRef'>, outcome: DeployRecord['outcome']): DeployResult {
    this.record.outcome = outcome;
    this.record.durationMs = Date.now() - this.started;
    const revs =
      this.record.revisions && Object.keys(this.record.revisions).length
        ? Object.entries(this.record.revisions)
            .map(([rel, n]) => `${rel}=${n}`)
            .join(', ')
        : undefined;
    const changed = { ...(this.record.commit ? { commit: this.record.commit } : {}), ...(revs ? { helmRevision: revs } : {}) };
    const approvedBy = this.record.approvedBy;
    return {
      ...r,
      logRef: this.log.ref,
      deploy: this.record,
      ...(approvedBy ? { approval: { requestedBy: this.record.user, approvedBy } } : {}),
      ...(outcome === 'cancelled' ? { cancelled: true } : {}),
      ...(changed.commit || changed.helmRevision ? { changed } : {}),
    };
  }

  private async exec(run: ToolRun, onLine: (line: string) => void, opt: { maxLineChars?: number } = {}): Promise<RunOutcome> {
    const { dc, settings } = this;
    const cmdText = commandLine(run);
    this.record.commands.push(cmdText);
    this.log.append(`$ cd ${run.cwd} && LOG_USER=${this.who.user} ${cmdText}`);
    const redact = this.redactor.stream();
    const o = await runTool(run, {
      env: this.env,
      timeoutMs: this.timeoutMs,
      killGraceMs: settings.killGraceSeconds * 1000,
      redact,
      signal: this.lease!.abort.signal,
      ...opt,
      onLine: (l) => {
        this.log.append(l);
        onLine(l);
      },
      onSpawn: (pid) => {
        this.running.pgid = pid;
        void dc.store.setRunning(this.running).catch(() => {});
        void this.lease!.setPgid(pid);
      },
    });
    this.log.append(`# ${exitText(run, o, this.timeoutMs)} after ${humanDuration(o.durationMs)}`);
    if (o.exitCode !== undefined) this.record.exitCode = o.exitCode;
    return o;
  }

  private failure(phase: string, run: ToolRun, o: RunOutcome, firstError?: string): DeployResult {
    const { req, label } = this;
    const why = exitText(run, o, this.timeoutMs) + (firstError && !o.timedOut && !o.cancelled ? `: ${firstError}` : '');
    const by = o.cancelled && this.lease?.cancelledBy ? ` by ${this.lease.cancelledBy}` : '';
    const text = `${req.verb} of ${label} FAILED${phase === 'diff' ? ' at the diff' : ''} after ${humanDuration(Date.now() - this.started)}${by}: ${why}`;
    const l = append(`${text} (`, ...fullLog(this.dc.jobId), ')');
    const undo =
      this.record.commit && this.undo ? [append(`the change is committed (${this.record.commit.slice(0, 12)}); to undo it: `, ...toParts(this.undo))] : [];
    return this.done({ ok: false, summary: text, lines: [...this.changeLines(), l, ...undo] }, o.timedOut ? 'timed-out' : o.cancelled ? 'cancelled' : 'failed');
  }
}
