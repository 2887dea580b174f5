// Issue 18 figures: the fault suite's scenarios (test/faults/scenarios, the same code the tests in
// test/faults run), each in a Node process of its own running the TypeScript sources, merged under
// `faults` in latest.json beside the other fault cases' figures. `npm run bench -- faults`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../test/support/config.js';

const run = promisify(execFile);

async function scenario(name: string): Promise<Record<string, unknown>> {
  const root = repoRoot();
  const { stdout } = await run(
    process.execPath,
    [
      '--experimental-transform-types',
      '--no-warnings',
      '--import',
      path.join(root, 'test/support/ts-loader.mjs'),
      path.join(root, 'test/faults/scenarios/run.ts'),
      name,
    ],
    { cwd: root, env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 16 * 1024 * 1024, timeout: 5 * 60_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

/**
 * Fault cases whose test is the scenario (injection, secrets, Slack requests): the test files run under
 * jest with DECKHAND_FIGURES set, and record what they saw (test/support/figures.ts).
 */
async function fromTests(files: string[]): Promise<Record<string, Record<string, unknown>>> {
  const root = repoRoot();
  const figures = path.join(mkdtempSync(path.join(tmpdir(), 'deckhand-figures-')), 'figures.json');
  await run(process.execPath, [path.join(root, 'node_modules/jest/bin/jest.js'), '--runInBand', ...files], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules', DECKHAND_FIGURES: figures },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 10 * 60_000,
  });
  return JSON.parse(readFileSync(figures, 'utf8')) as Record<string, Record<string, unknown>>;
}

/** `npm run bench -- faultChecks`: the fuzzed command path, injection, secrets and Slack requests (~2 minutes). */
export async function benchFaultChecks(): Promise<Record<string, unknown>> {
  const fuzz = await scenario('fuzz');
  const t = await fromTests(['test/faults/injection.e2e.test.ts', 'test/faults/secrets.e2e.test.ts', 'test/slack.test.ts']);
  return {
    faults: {
      fuzz: {
        ...fuzz,
        goal: 'crashes = 0, maxReplyBytes <= 400 (one line, no control character)',
        note: "fast-check, generated near-misses, look-alikes, random bytes, Unicode, long lines; parser + every verb's argument reading",
      },
      injection: {
        ...t.injection,
        goal: 'injected = 0, controlCharacters = 0',
        note: "real ircd; a second real client watches the bot's lines after commands showing pod names, events, helm output, a maintenance reason, a flag name carrying CR/LF/NUL/C1/bidi/CTCP",
      },
      secrets: {
        ...t.secrets,
        goal: 'occurrences = 0',
        note: 'secrets as is, base64 and URL-encoded, searched in every IRC line, Slack call, signed log page and Redis key after every job kind',
      },
      slackRequests: { ...t.slackRequests, goal: 'every forged/stale/future/tampered request 401; retried and replayed: ran = 1' },
    },
  };
}

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));

export async function benchFaults(): Promise<Record<string, unknown>> {
  const kills: Record<string, unknown> = {};
  for (const p of ['deploy', 'flag', 'flag-push', 'flag-push-landed', 'rollback']) {
    const f = await scenario(`workerKill:${p}`);
    kills[p.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = pick(f, [
      'reportedMs',
      'lockFreed',
      'checkoutClean',
      'strayWorktrees',
      'strayBranches',
      'historyStatus',
      'applies',
      'jobState',
      'remoteGotCommit',
      'editCommitIsRemote',
      'checkoutAtRemote',
    ]);
  }
  const irc = await scenario('ircRestart');
  const redis = await scenario('redisRestart');
  const deps = await scenario('dependencies');
  const slack = await scenario('slack5xx');
  const outage = (o: unknown) =>
    pick(o as Record<string, unknown>, ['lineMs', 'lines', 'recovered', 'recoveredMs', 'downMs', 'ranLater', 'deployed', 'checkoutClean']);
  return {
    faults: {
      workerKill: {
        ...kills,
        goal: 'reported <= 60 s, lock freed, checkout clean, no stray worktree/branch, history interrupted, 1 apply (0 when killed before it)',
        note: 'job lock 2 s + stalled check 1 s here; production defaults 30 s + 25 s + 3 s grace bound the report at 58 s. flagPush: killed during git push (a pre-receive hook taking 10 s): the orphaned push lands on the remote after the report (remoteGotCommit), which named its commit and said it may; flagPushLanded: the push lands (1 s) before the report, which says the commit is on the remote and NOT deployed, the checkout fast-forwarded to it',
      },
      redisRestart: {
        ...pick(redis, ['queued', 'answered', 'duplicates', 'lost', 'otherLines', 'answeredBeforeShutdown', 'answeredBeforeKill', 'downMs', 'totalMs']),
        goal: 'answered = queued = 500, duplicates = 0',
        note: 'own redis-server, appendonly yes, appendfsync everysec; SHUTDOWN then start after 2 s at 30% of the answers, kill -9 then start after 2 s at 65%; 5 real IRC clients × 100 `!superset status production`, counted by a second real client',
      },
      ircRestart: {
        ...pick(irc, ['rejoinMs', 'queued', 'delivered', 'duplicates', 'queuedDeliveredMs', 'saslAccount', 'answersAfter', 'outageMs', 'maxReconnectMs']),
        goal: 'rejoinMs <= 10000, delivered = queued, duplicates = 0, SASL account deckhand',
        note: 'InspIRCd stopped and started (Anope relinks); rejoinMs from the server being reachable again (a TCP gate opened after the observers are back) to the bot JOIN; irc.reconnect.maxMs 8000 (the default)',
      },
      dependencies: {
        kubeDown: outage(deps.kubeDown),
        kubeSlow: outage(deps.kubeSlow),
        redisDown: outage(deps.redisDown),
        gitRemoteDown: outage(deps.gitRemoteDown),
        slack5xx: pick(slack, ['failures', 'posted', 'answerMs', 'recovered']),
        goal: 'one line each (lines = 1), recovered, nothing deployed or run later; Slack: posted once after the 500s',
        note: 'kubernetes timeoutMs 1000 here (default 10000); Redis down 10 s; LDAP down is covered by test/permissions.e2e.test.ts (no figure)',
      },
    },
  };
}
