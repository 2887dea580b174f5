// One change to the deployment-charts repository, as one job: its own git worktree of the configured
// checkout (two jobs never share a working tree or an index), brought up to date first, the edit, one
// commit authored by the person who asked, then published as configured:
//   push: direct   push to <remote>/<branch>, then move the checkout's <branch> to the commit (what a
//                  deploy from the checkout then applies);
//   push: review   push to a review ref (Gerrit's refs/for/<branch> by default), checkout untouched
//                  (the change is deployed once it is merged);
//   push: local    no push: move the checkout's <branch> to the commit.
// When the remote (or, kept local, the checkout's branch) moved while the job worked, the job starts
// again on top of it: the edit is planned again on the new files (it may have become "no change"), so a
// rebase never replays an edit that was computed on stale text. A real conflict (local commits of the
// checkout that do not apply on the new remote) is a clear refusal: the rebase is aborted, the worktree
// removed, the checkout as it was, nothing pushed.
//
// git runs through execa with an argument vector, never a shell: every value in it is a configured
// name checked against a strict pattern, a path after `--`, an absolute worktree path or a commit id;
// the commit message goes through stdin and the author through the environment (GIT_AUTHOR_*), so no
// text from chat or the directory is ever an argument. GIT_DIR and friends of the bot's own environment
// are dropped, so git works on the configured checkout and nothing else.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, realpath, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AuthorError, ChartsNotConfiguredError, CheckoutDirtyError, GitCommandError, GitConflictError, PushRejectedError, UnsafeEditError } from './errors.js';
import { BRANCH, checkRef, checkRelPath, JOB_ID, REMOTE } from './validate.js';

export type PushMode = 'direct' | 'review' | 'local';

export interface GitSettings {
  /** The deployment-charts checkout deploys run in. */
  checkout: string;
  remote: string;
  branch: string;
  push: PushMode;
  /** Review ref for push: review; {branch}, {job} and {label} are replaced. */
  reviewRef: string;
  /** Who commits (the bot); the author is the person who asked. */
  committer: Person;
  /** Directory for job worktrees (default: <tmp>/deckhand-worktrees). */
  worktrees?: string;
  /** Limit for each git command (a push or fetch that hangs on the network). */
  timeoutMs: number;
  /** Add a Gerrit `Change-Id:` trailer (Gerrit refuses review pushes without one). */
  changeId: boolean;
  /** Times to start again on top of a remote that moved meanwhile. */
  attempts: number;
  /** Extra environment for git, e.g. GIT_SSH_COMMAND; tests pass GIT_CONFIG_GLOBAL=/dev/null. */
  env?: Record<string, string>;
}

export interface Person {
  name: string;
  email: string;
}

export interface ChangeJob {
  /** The Deckhand job id, in the commit message and the worktree's name. */
  id: string;
  /** The person who asked (from the directory): the commit's author. */
  author: Person;
  /** What the commit subject starts with: `superset-next`. */
  label: string;
}

/** What a job's plan function returns, given the worktree (planned again when the job starts over). */
export type ChangePlan =
  | { kind: 'no-change'; reason: string }
  | {
      kind: 'edit';
      /** The real file to write and commit, relative to the repository (symlinks already resolved). */
      file: string;
      /** Its whole new content. */
      text: string;
      /** For the subject: `enable ALERT_REPORTS` → `superset-next: enable ALERT_REPORTS (via deckhand, job 42)`. */
      summary: string;
      /** Optional paragraph(s) for the commit body. */
      body?: string;
    };

export interface Committed {
  kind: 'committed';
  commit: string;
  parent: string;
  /** The file committed, relative to the repository. */
  file: string;
  /** `git diff parent commit -- file`, a/ b/ prefixes, no colour. */
  diff: string;
  message: string;
  /** `Name <mail>` */
  author: string;
  /** Where it was pushed, or null (push: local). */
  pushed: { remote: string; ref: string } | null;
  /** Whether the checkout's branch (and working tree, when checked out) now has the commit. */
  checkout: { updated: boolean; reason?: string };
  /** 1, or more when the remote moved meanwhile and the change was planned again on top of it. */
  attempts: number;
}

export type ChangeResult = { kind: 'no-change'; reason: string } | Committed;

export interface ChangeHooks {
  /** Called after the local commit, before publishing (tests move the remote here). */
  afterCommit?(info: { worktree: string; commit: string; attempt: number }): void | Promise<void>;
}

const GIT_ENV_DROP = /^GIT_/;

function gitEnv(s: GitSettings, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !GIT_ENV_DROP.test(k)) env[k] = v;
  // the bot commits (rebases of local commits too); the person who asked is set as the author of our commit
  const committer = { GIT_COMMITTER_NAME: s.committer.name, GIT_COMMITTER_EMAIL: s.committer.email };
  return { ...env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', ...committer, ...s.env, ...extra };
}

interface Run {
  stdout: string;
  stderr: string;
  exitCode: number;
}

async function run(s: GitSettings, cwd: string, args: string[], o: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const { execa } = await import('execa'); // loaded by the first run: a gateway never needs it (~4 MB)
  const r = await execa('git', ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', '-c', 'core.quotepath=off', ...args], {
    cwd,
    env: gitEnv(s, o.env),
    extendEnv: false,
    reject: false,
    timeout: s.timeoutMs,
    ...(o.input !== undefined ? { input: o.input } : { stdin: 'ignore' as const }),
    stripFinalNewline: true,
  });
  if (r.timedOut) throw new GitCommandError(args[0]!, `timed out after ${Math.round(s.timeoutMs / 1000)}s`);
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? 1 };
}

function firstLine(r: Run): string {
  const lines = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? `exit ${r.exitCode}`;
}

async function git(s: GitSettings, cwd: string, args: string[], o: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
  const r = await run(s, cwd, args, o);
  if (r.exitCode !== 0) throw new GitCommandError(args[0]!, firstLine(r));
  return r.stdout;
}

async function revParse(s: GitSettings, cwd: string, ref: string): Promise<string | undefined> {
  const r = await run(s, cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

// ---------------------------------------------------------------------------------------------------
// The checkout's own state (fetch, worktree add/remove, moving its branch) is changed by one job at a
// time: a queue in this process and a lock file in the repository for other processes on the machine.

const queues = new Map<string, Promise<unknown>>();

async function fileLock<T>(lockPath: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + waitMs;
  const staleMs = Math.max(2 * waitMs, 120_000);
  for (;;) {
    try {
      const h = await open(lockPath, 'wx');
      await h.writeFile(`${process.pid}@${os.hostname()} ${new Date().toISOString()}\n`);
      await h.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = await stat(lockPath).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > staleMs) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) throw new GitCommandError('lock', `the deployment-charts checkout is busy (${lockPath} is held); try again`);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

async function exclusive<T>(s: GitSettings, commonDir: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(commonDir) ?? Promise.resolve();
  const mine = prev.catch(() => undefined).then(() => fileLock(path.join(commonDir, 'deckhand-charts.lock'), 2 * s.timeoutMs, fn));
  const tail = mine.catch(() => undefined);
  queues.set(commonDir, tail);
  try {
    return await mine;
  } finally {
    if (queues.get(commonDir) === tail) queues.delete(commonDir);
  }
}

// ---------------------------------------------------------------------------------------------------

function checkSettings(s: GitSettings): void {
  checkRef(s.remote, REMOTE, 'deploymentCharts.remote');
  checkRef(s.branch, BRANCH, 'deploymentCharts.branch');
  if (!['direct', 'review', 'local'].includes(s.push)) throw new ChartsNotConfiguredError(`deploymentCharts.push "${s.push}" must be direct, review or local`);
  checkPerson(s.committer, 'deploymentCharts.committer');
}

const EMAIL = /^[^\s<>@,;"'\\]+@[^\s<>@,;"'\\]+$/;

function checkPerson(p: Person, what: string): void {
  const bad = (t: string) => !t || t.length > 200 || /[<>\p{Cc}\p{Cf}\u2028\u2029]/u.test(t);
  if (bad(p.name.trim()) || bad(p.email) || !EMAIL.test(p.email)) {
    if (what === 'author') throw new AuthorError(`${p.name} <${p.email}>`);
    throw new ChartsNotConfiguredError(`${what} needs a name and an e-mail address (check the config)`);
  }
}

export function reviewRefFor(s: GitSettings, job: ChangeJob): string {
  const label = job.label.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'change';
  const ref = s.reviewRef.replaceAll('{branch}', s.branch).replaceAll('{job}', job.id).replaceAll('{label}', label);
  if (!/^refs\/[A-Za-z0-9._/-]+$/.test(ref))
    throw new ChartsNotConfiguredError(`deploymentCharts.reviewRef "${s.reviewRef}" does not make a plain ref (got "${ref}")`);
  return checkRef(ref, /^refs\//, 'deploymentCharts.reviewRef');
}

export function commitMessage(s: GitSettings, job: ChangeJob, summary: string, body?: string, seed = ''): string {
  let msg = `${job.label}: ${summary} (via deckhand, job ${job.id})\n`;
  if (body) msg += `\n${body.trim()}\n`;
  if (s.changeId) {
    const id = createHash('sha1')
      .update(`${job.id}\n${seed}\n${summary}\n${randomBytes(16).toString('hex')}`)
      .digest('hex');
    msg += `\nChange-Id: I${id}\n`;
  }
  return msg;
}

/**
 * Make one commit in the deployment-charts repository for a job (see the top of this file). `plan` is
 * called with the job's worktree (files resolved inside it) and returns the edit, or no change.
 * Throws GitConflictError (nothing committed or pushed, checkout as it was), PushRejectedError,
 * CheckoutDirtyError, GitCommandError, or whatever `plan` throws; the worktree is removed in every case.
 */
export async function commitChange(
  s: GitSettings,
  job: ChangeJob,
  plan: (worktree: string) => ChangePlan | Promise<ChangePlan>,
  hooks: ChangeHooks = {},
): Promise<ChangeResult> {
  checkSettings(s);
  if (!JOB_ID.test(job.id)) throw new ChartsNotConfiguredError(`job id "${job.id}" is not plain`);
  checkPerson(job.author, 'author');
  let checkout: string;
  try {
    checkout = await realpath(s.checkout);
  } catch {
    throw new ChartsNotConfiguredError(`the deployment-charts checkout ${s.checkout} does not exist on this worker`);
  }
  const top = await run(s, checkout, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  if (top.exitCode !== 0) throw new ChartsNotConfiguredError(`${s.checkout} is not a git checkout (deploymentCharts.checkout)`);
  const commonDir = top.stdout.trim();
  const hasRemote = (await run(s, checkout, ['remote', 'get-url', s.remote])).exitCode === 0;
  if (s.push !== 'local' && !hasRemote) throw new ChartsNotConfiguredError(`the checkout has no remote "${s.remote}" to push to (deploymentCharts.remote)`);
  const localRef = `refs/heads/${s.branch}`;
  const tracking = `refs/remotes/${s.remote}/${s.branch}`;
  const reviewRef = s.push === 'review' ? reviewRefFor(s, job) : undefined;
  const wtRoot = s.worktrees ?? path.join(os.tmpdir(), 'deckhand-worktrees');
  await mkdir(wtRoot, { recursive: true });

  const fetch = async () => {
    for (let i = 0; ; i++) {
      const r = await run(s, checkout, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', s.remote, `+${localRef}:${tracking}`]);
      if (r.exitCode === 0) return;
      // another git on this repository holds a ref lock for a moment
      if (i < 3 && /cannot lock ref|Unable to create .*\.lock/.test(r.stderr)) {
        await new Promise((res) => setTimeout(res, 100 * (i + 1)));
        continue;
      }
      throw new GitCommandError('fetch', firstLine(r));
    }
  };

  let wt = '';
  let base = '';
  await exclusive(s, commonDir, async () => {
    await removeStale(s, checkout, wtRoot);
    if (hasRemote) await fetch();
    const b = (await revParse(s, checkout, localRef)) ?? (hasRemote ? await revParse(s, checkout, tracking) : undefined);
    if (!b) throw new ChartsNotConfiguredError(`the checkout has no branch ${s.branch} (deploymentCharts.branch)`);
    base = b;
    wt = await mkdtemp(path.join(wtRoot, `job-${job.id}-`));
    await git(s, checkout, ['worktree', 'add', '--detach', '--quiet', wt, base]);
  });

  const rebaseOnto = async (upstream: string, what: string) => {
    const r = await run(s, wt, ['-c', 'rebase.autoSquash=false', '-c', 'rebase.autoStash=false', 'rebase', '--quiet', upstream]);
    if (r.exitCode === 0) return;
    const conflicted = (await run(s, wt, ['diff', '--name-only', '--diff-filter=U'])).stdout.split('\n').filter(Boolean);
    await run(s, wt, ['rebase', '--abort']);
    if (conflicted.length || /CONFLICT|could not apply/i.test(`${r.stdout}\n${r.stderr}`)) throw new GitConflictError(conflicted, what);
    throw new GitCommandError('rebase', firstLine(r));
  };

  try {
    if (hasRemote) await rebaseOnto(tracking, `${s.remote}/${s.branch}`);
    for (let attempt = 1; attempt <= s.attempts; attempt++) {
      const p = await plan(wt);
      if (p.kind === 'no-change') return { kind: 'no-change', reason: p.reason };
      const file = checkRelPath(p.file, 'file to commit');
      const abs = path.join(wt, file);
      if ((await realpath(abs).catch(() => '')) !== path.join(await realpath(wt), file)) {
        throw new UnsafeEditError(`refused: ${file} is not a plain file of the repository (a symlink must be resolved first)`);
      }
      if (s.push !== 'review') {
        const dirty = await git(s, checkout, ['status', '--porcelain', '--untracked-files=no', '--', file]);
        if (dirty.trim()) throw new CheckoutDirtyError(file);
      }
      await writeFile(abs, p.text);
      const changed = (await git(s, wt, ['status', '--porcelain', '--untracked-files=all'])).split('\n').filter(Boolean);
      if (!changed.length) return { kind: 'no-change', reason: `${file} already has that content` };
      if (changed.length !== 1 || changed[0]!.slice(3) !== file)
        throw new UnsafeEditError(`refused: the edit touched more than ${file}; nothing was committed`);
      await git(s, wt, ['add', '--', file]);
      const message = commitMessage(s, job, p.summary, p.body, base);
      await git(s, wt, ['commit', '--quiet', '--file=-', '--', file], {
        input: message,
        env: { GIT_AUTHOR_NAME: job.author.name.trim(), GIT_AUTHOR_EMAIL: job.author.email },
      });
      const commit = (await revParse(s, wt, 'HEAD'))!;
      const parent = (await revParse(s, wt, 'HEAD~1'))!;
      await hooks.afterCommit?.({ worktree: wt, commit, attempt });

      // publish
      let pushed: Committed['pushed'] = null;
      if (s.push === 'direct' || s.push === 'review') {
        const ref = s.push === 'direct' ? localRef : reviewRef!;
        const outcome = await push(s, wt, ref, commit);
        if (outcome === 'moved') {
          if (s.push === 'review') throw new PushRejectedError(ref, 'the review ref exists and is not an ancestor of this change', commit);
          await git(s, wt, ['reset', '--quiet', '--hard', 'HEAD~1']);
          await exclusive(s, commonDir, fetch);
          await rebaseOnto(tracking, `${s.remote}/${s.branch}`);
          continue;
        }
        pushed = { remote: s.remote, ref };
      }

      // bring the checkout's branch (and its working tree) to the commit
      let state: Committed['checkout'];
      if (s.push === 'review') state = { updated: false, reason: `pushed for review to ${reviewRef}; the checkout follows once it is merged` };
      else {
        const moved = await exclusive(s, commonDir, () => advance(s, checkout, localRef, base, commit, job.id));
        if (moved === 'moved' && s.push === 'local') {
          // another job moved the local branch meanwhile: start again on top of it
          await git(s, wt, ['reset', '--quiet', '--hard', 'HEAD~1']);
          base = (await revParse(s, checkout, localRef))!;
          await rebaseOnto(base, `the checkout's ${s.branch}`);
          continue;
        }
        if (typeof moved === 'object' && s.push === 'local') throw new GitCommandError('reset', moved.failed);
        state =
          moved === 'updated'
            ? { updated: true }
            : { updated: false, reason: moved === 'moved' ? `the checkout's ${s.branch} has commits that are not in ${s.remote}/${s.branch}` : moved.failed };
      }

      const diff = await git(s, wt, [
        'diff',
        '--no-color',
        '--no-ext-diff',
        '--no-textconv',
        '--no-renames',
        '--src-prefix=a/',
        '--dst-prefix=b/',
        parent,
        commit,
        '--',
        file,
      ]);
      return {
        kind: 'committed',
        commit,
        parent,
        file,
        diff: diff + '\n',
        message,
        author: `${job.author.name.trim()} <${job.author.email}>`,
        pushed,
        checkout: state,
        attempts: attempt,
      };
    }
    throw new GitCommandError('push', `${s.remote}/${s.branch} kept moving; gave up after ${s.attempts} attempts`);
  } finally {
    if (wt) {
      const dir = wt;
      await exclusive(s, commonDir, async () => {
        await run(s, checkout, ['worktree', 'remove', '--force', '--force', dir]);
        await rm(dir, { recursive: true, force: true });
        await run(s, checkout, ['worktree', 'prune']);
      }).catch(() => undefined);
    }
  }
}

/** What a job killed mid-change left: its worktrees (now removed) and the commit it had made there, if any. */
export interface LeftBehind {
  worktrees: number;
  /** The job's own commit (not on the checkout's branch), and whether `<remote>/<branch>` has it now. */
  commit?: { id: string; onRemote: boolean; checkoutHasIt?: boolean };
}

/**
 * The worktrees job `jobId` left behind when its worker died mid-change (kill -9): removed at once, not
 * 6 hours later with the stale ones; a commit the job had made there is named, and looked for on the
 * remote (a push that was under way when the worker died may have landed). Nothing on a host without the
 * checkout.
 */
export async function removeJobWorktrees(s: GitSettings, jobId: string): Promise<LeftBehind> {
  const none = { worktrees: 0 };
  if (!JOB_ID.test(jobId)) return none;
  const checkout = await realpath(s.checkout).catch(() => undefined);
  if (!checkout) return none;
  const top = await run(s, checkout, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  if (top.exitCode !== 0) return none;
  const wtRoot = s.worktrees ?? path.join(os.tmpdir(), 'deckhand-worktrees');
  const mine = (await readdir(wtRoot).catch(() => [] as string[])).filter((n) => n.startsWith(`job-${jobId}-`));
  if (!mine.length) return none;
  const localRef = `refs/heads/${s.branch}`;
  let commit: string | undefined;
  for (const name of mine) {
    const head = await revParse(s, path.join(wtRoot, name), 'HEAD');
    // its HEAD is the job's own commit unless the checkout's branch already has it (the worktree's start)
    if (head && (await run(s, checkout, ['merge-base', '--is-ancestor', head, localRef])).exitCode !== 0) commit = head;
  }
  await exclusive(s, top.stdout.trim(), async () => {
    for (const name of mine) {
      const dir = path.join(wtRoot, name);
      await run(s, checkout, ['worktree', 'remove', '--force', '--force', dir]);
      await rm(dir, { recursive: true, force: true });
    }
    await run(s, checkout, ['worktree', 'prune']);
  });
  if (!commit) return { worktrees: mine.length };
  const remote = s.push === 'direct' ? await run(s, checkout, ['ls-remote', '--', s.remote, localRef]) : undefined;
  const onRemote = !!remote && remote.exitCode === 0 && remote.stdout.split(/\s/)[0] === commit;
  // what the job would have done next: bring the checkout to its commit (a fast-forward only), so a deploy applies it
  let checkoutHasIt = false;
  if (onRemote) {
    checkoutHasIt = await exclusive(s, top.stdout.trim(), async () => {
      const cur = await revParse(s, checkout, localRef);
      if (cur && (await run(s, checkout, ['merge-base', '--is-ancestor', cur, commit!])).exitCode !== 0) return false;
      return (await advance(s, checkout, localRef, cur ?? '', commit!, jobId)) === 'updated';
    }).catch(() => false);
  }
  return { worktrees: mine.length, commit: { id: commit, onRemote, checkoutHasIt } };
}

/** Worktrees of this checkout left in `wtRoot` by a worker that died mid-job (older than any job can last). */
async function removeStale(s: GitSettings, checkout: string, wtRoot: string): Promise<void> {
  await git(s, checkout, ['worktree', 'prune']);
  const list = await git(s, checkout, ['worktree', 'list', '--porcelain']);
  const roots = new Set([path.resolve(wtRoot), await realpath(wtRoot)]);
  const maxAge = Math.max(6 * 3600_000, 4 * s.attempts * s.timeoutMs);
  for (const line of list.split('\n')) {
    const dir = line.startsWith('worktree ') ? line.slice('worktree '.length) : '';
    if (!dir || !roots.has(path.dirname(dir)) || !path.basename(dir).startsWith('job-')) continue;
    const st = await stat(dir).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs < maxAge) continue;
    await run(s, checkout, ['worktree', 'remove', '--force', '--force', dir]);
    await rm(dir, { recursive: true, force: true });
  }
  await git(s, checkout, ['worktree', 'prune']);
}

async function push(s: GitSettings, wt: string, ref: string, commit: string): Promise<'ok' | 'moved'> {
  const r = await run(s, wt, ['push', '--porcelain', s.remote, `${commit}:${ref}`]);
  if (r.exitCode === 0) return 'ok';
  const status = r.stdout.split('\n').find((l) => l.startsWith('!'));
  if (status) {
    const summary = status.split('\t')[2] ?? status;
    if (/\[rejected\].*(fetch first|non-fast-forward|stale info)/.test(summary)) return 'moved';
    // two pushes to one ref at the same moment: the loser sees a ref lock failure
    if (/failed to (update ref|lock)|cannot lock ref/.test(summary + r.stderr)) return 'moved';
    throw new PushRejectedError(ref, summary.replace(/^\[remote rejected\]\s*/, '').replace(/^\((.*)\)$/, '$1'), commit);
  }
  throw new GitCommandError('push', firstLine(r));
}

/**
 * Move the checkout's branch to `commit`: a fast-forward, or (when the branch is still where this job
 * started from and the job rebased it) a reset. With the branch checked out, the working tree follows
 * (`reset --keep` refuses rather than lose local edits). Returns 'moved' when someone else moved it.
 */
async function advance(
  s: GitSettings,
  checkout: string,
  localRef: string,
  base: string,
  commit: string,
  jobId: string,
): Promise<'updated' | 'moved' | { failed: string }> {
  const cur = await revParse(s, checkout, localRef);
  const ff = cur === undefined || (await run(s, checkout, ['merge-base', '--is-ancestor', cur, commit])).exitCode === 0;
  if (!ff && cur !== base) return 'moved';
  const head = await run(s, checkout, ['symbolic-ref', '--quiet', 'HEAD']);
  if (head.exitCode === 0 && head.stdout.trim() === localRef) {
    const r = await run(s, checkout, ['reset', '--quiet', '--keep', commit]);
    return r.exitCode === 0 ? 'updated' : { failed: `the checkout could not be moved to the commit: ${firstLine(r)}` };
  }
  const r = await run(s, checkout, ['update-ref', '-m', `deckhand: job ${jobId}`, localRef, commit, cur ?? '']);
  return r.exitCode === 0 ? 'updated' : { failed: `the checkout's ${localRef} could not be moved: ${firstLine(r)}` };
}
