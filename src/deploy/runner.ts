// Runs one helmfile/helm command: execa with an argument array (never a shell), its own process group,
// a minimal environment, stdin closed (an interactive prompt gets EOF), output redacted line by line as
// it streams, memory bounded, a timeout and a cancel that stop the whole group.
import { hostname } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { signalGroup, stopGroup } from './process.js';
import type { ToolRun } from './plan.js';
import type { LineFilter } from './redact.js';

/** Variables a helmfile/helm run may see from the worker's environment; the bot's own secrets never pass. */
const PASS_ENV =
  /^(PATH|HOME|USER|LOGNAME|LANG|LC_[A-Z]+|TZ|TMPDIR|KUBECONFIG|HELM_[A-Z_]+|HELMFILE_[A-Z_]+|XDG_[A-Z_]+|SSL_CERT_(FILE|DIR)|(HTTPS?|NO)_PROXY|(https?|no)_proxy)$/;
const MAX_LINE = 2000;
/** Output without a newline is taken in pieces this big (a secret could only be split past this length). */
const FLOOD_CHUNK = 64 * 1024;

export function childEnv(logUser: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && (PASS_ENV.test(k) || extra.includes(k))) out[k] = v;
  // helmfile_log_sal logs "!log ${LOG_USER}@${HOSTNAME} helmfile …": the person, not the bot.
  out.LOG_USER = logUser;
  out.HOSTNAME = env.HOSTNAME ?? hostname();
  return out;
}

export interface RunOptions {
  env: Record<string, string>;
  timeoutMs: number;
  killGraceMs: number;
  /** Redacting line filter (stateful per run; it may hold a line back until the next one or the end). */
  redact: LineFilter;
  /** Every redacted line, in order (stdout and stderr interleaved as they arrive). */
  onLine(line: string): void;
  onSpawn?(pid: number): void;
  /** Aborting stops the process group (a `!cancel`). */
  signal?: AbortSignal;
  /** Longer lines are cut (default 2000); a JSON answer on one line needs more. */
  maxLineChars?: number;
}

export interface RunOutcome {
  exitCode?: number;
  /** Signal that ended it, when killed. */
  signal?: string;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** The tool could not be started at all (not installed, cwd gone). */
  spawnError?: string;
}

// execa's `cleanup` does not apply to detached subprocesses: if this process exits while a run is
// going (a crash, not a kill -9), its group is told to stop.
const live = new Set<number>();
let exitHook = false;
function track(pgid: number): void {
  live.add(pgid);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const g of live) signalGroup(g, 'SIGTERM');
  });
}

export async function runTool(run: ToolRun, o: RunOptions): Promise<RunOutcome> {
  const started = performance.now();
  const emit = (raw: string) => {
    // redact the whole line first: cutting first could leave half a secret at the cut
    for (const clean of o.redact.push(raw)) deliver(clean);
  };
  const deliver = (clean: string) => {
    const max = o.maxLineChars ?? MAX_LINE;
    o.onLine(clean.length > max ? clean.slice(0, max) + ' …(line cut)' : clean);
  };
  const { execa } = await import('execa'); // loaded by the first run: a gateway never needs it (~4 MB)
  const child = execa(run.tool, run.argv, {
    cwd: run.cwd,
    env: o.env,
    extendEnv: false,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    detached: true, // its own process group: a timeout stops helmfile and every helm it started
    cleanup: true,
    stripFinalNewline: false,
  });
  const pid = child.pid;
  if (pid) {
    track(pid);
    o.onSpawn?.(pid);
  }

  const pump = (stream: NodeJS.ReadableStream | null | undefined) =>
    new Promise<void>((resolve) => {
      if (!stream) return resolve();
      const decoder = new StringDecoder('utf8');
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        partial += decoder.write(chunk);
        let nl: number;
        while ((nl = partial.indexOf('\n')) >= 0) {
          emit(partial.slice(0, nl).replace(/\r$/, ''));
          partial = partial.slice(nl + 1);
        }
        // a flood without newlines stays bounded
        while (partial.length > FLOOD_CHUNK) {
          emit(partial.slice(0, FLOOD_CHUNK));
          partial = partial.slice(FLOOD_CHUNK);
        }
      });
      stream.on('end', () => {
        partial += decoder.end();
        if (partial) emit(partial);
        resolve();
      });
      stream.on('error', () => resolve());
    });

  let timedOut = false;
  let cancelled = false;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    if (!pid) return;
    stopping ??= stopGroup(pid, o.killGraceMs);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, o.timeoutMs);
  const onAbort = () => {
    cancelled = true;
    stop();
  };
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const [result] = await Promise.all([child, pump(child.stdout), pump(child.stderr)]);
    for (const clean of o.redact.end()) deliver(clean);
    if (stopping) await stopping;
    const outcome: RunOutcome = { timedOut, cancelled, durationMs: performance.now() - started };
    if (result.exitCode !== undefined) outcome.exitCode = result.exitCode;
    if (result.signal) outcome.signal = result.signal;
    if (result.failed && result.exitCode === undefined && !result.signal) {
      const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
      outcome.spawnError = code === 'ENOENT' ? `${run.tool} not found on this worker (PATH)` : `${run.tool} could not be started (${code ?? 'error'})`;
    }
    return outcome;
  } finally {
    if (pid) live.delete(pid);
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}
