// `logs` and `events` end to end: the real ircd (InspIRCd + Anope), Redis/BullMQ, the bot (gateway +
// worker), the fake Kubernetes API; a second real IRC client (bob) watches the channel.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { V1Pod } from '@kubernetes/client-node';
import { makeEvent, makePod, AIRFLOW_IMAGE } from '../src/sandbox/fixtures.js';
import { repoRoot } from './support/config.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from './support/ircd.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';
import { StaticDirectory } from './support/static-directory.js';

let ircd: Ircd;
let stack: Stack;
let alice: TestClient; // asks
let bob: TestClient; // watches the channel, not logged in
const SECRET = 'Zq8vLx2mKp9rTw4nBy6c'; // the value of a configured secret environment variable
process.env.DECKHAND_TEST_DB_PASSWORD = SECRET;

const fromBot = (text: RegExp) => (m: Received) => m.from === 'deckhand' && text.test(m.text);
const botLines = (c: TestClient) => c.messages.filter((m) => m.from === 'deckhand').map((m) => m.text);

let prodPod: string; // superset production, multi-container
let crashPod: string; // superset staging, CrashLoopBackOff

beforeAll(async () => {
  ircd = await startIrcd();
  await registerAccount(ircd, 'alice', 'alice-secret');
  const raw = parse(readFileSync(join(repoRoot(), 'config/example.yaml'), 'utf8')) as { services: Record<string, { permissions?: Record<string, string[]> }> };
  raw.services.paws!.permissions = { ...raw.services.paws!.permissions, logs: ['paws-admins'] };
  [stack, alice, bob] = await Promise.all([
    startStack({
      ircd,
      directory: new StaticDirectory({ alice: ['superset-admins', 'wmf'] }),
      config: { rateLimit: { perMinute: 0 }, services: raw.services, deploy: { secretEnv: ['DECKHAND_TEST_DB_PASSWORD'] } },
    }),
    connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret' } }),
    connectClient(ircd, { nick: 'bob' }),
  ]);
  await Promise.all([alice.join(CHANNEL), bob.join(CHANNEL)]);
  const list = (await stack.kube.listPods(undefined, 'superset', '')).map((p) => p.metadata!.name!).sort();
  prodPod = list[0]!;
  crashPod = (await stack.kube.listPods(undefined, 'superset-next', '')).find((p) => p.status?.containerStatuses?.[0]?.state?.waiting)!.metadata!.name!;
}, 30000);

afterAll(async () => {
  await stack?.stop();
  await ircd?.stop();
});

beforeEach(() => {
  alice.clearMessages();
  bob.clearMessages();
});

describe('logs', () => {
  it('by unique prefix: the last lines, redacted and stripped of control characters, the whole tail in the job log', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `[2026-12-01 10:00:${String(i).padStart(2, '0')},000] [7] [INFO] request ${i}`);
    lines.push(
      `connecting to mysql://superset:${SECRET}@an-mariadb1001.eqiad.wmnet/superset_production`,
      `loaded db password ${SECRET} from the environment`,
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
      'harmless\rPRIVMSG #analytics :INJECTED by a log line',
      '\u001b[31mred\u001b[0m text with a bell\u0007 and a NUL\u0000 and a bidi \u202eoverride',
      'last line',
    );
    stack.api.logs.set('superset', prodPod, 'superset-production', lines);
    const prefix = prodPod.slice(0, -3); // unique among the four
    alice.say(CHANNEL, `!superset logs ${prefix} production`);
    const head = await bob.waitFor(fromBot(/^alice: superset production: /));
    expect(head.target).toBe(CHANNEL);
    expect(head.text).toBe(`alice: superset production: ${prodPod} (container superset-production): last 10 of 36 lines`);
    const footer = await bob.waitFor(fromBot(/^full log: !job \d+ log$/));
    const shown = botLines(bob);
    const body = shown.slice(shown.indexOf(head.text) + 1, shown.indexOf(footer.text));
    expect(body).toHaveLength(10);
    expect(body.at(-1)).toBe('  last line');
    expect(body).toContain('  connecting to mysql://superset:[redacted]@an-mariadb1001.eqiad.wmnet/superset_production');
    expect(body).toContain('  loaded db password [redacted] from the environment');
    expect(body).toContain('  Authorization: Bearer [redacted]');
    expect(body).toContain('  harmless PRIVMSG #analytics :INJECTED by a log line');
    expect(body).toContain('  red text with a bell and a NUL and a bidi override');
    // nothing was injected: no one received a line that the log line tried to send
    await new Promise((r) => setTimeout(r, 300));
    for (const c of [alice, bob]) {
      expect(c.messages.some((m) => m.text.startsWith('INJECTED'))).toBe(false);
      expect(c.messages.every((m) => !/[\u0000-\u001f\u007f\u202e]/.test(m.text))).toBe(true);
      expect(c.messages.some((m) => m.text.includes(SECRET))).toBe(false);
    }
    // the job's log: every line of the tail, redacted too
    const id = Number(/job (\d+)/.exec(footer.text)![1]);
    let log: string[] | undefined;
    for (let i = 0; i < 50 && !log; i++) log = (await stack.app.history.log(id)) ?? (await new Promise((r) => setTimeout(r, 100)), undefined);
    if (!log) throw new Error(`no log kept for job ${id}`);
    expect(log.join('\n')).not.toContain(SECRET);
    expect(log.join('\n')).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(log).toContain('[2026-12-01 10:00:00,000] [7] [INFO] request 0');
    expect(log).toContain('harmless PRIVMSG #analytics :INJECTED by a log line');
    expect(log.length).toBeGreaterThanOrEqual(36);
    alice.say(CHANNEL, `!job ${id} log`);
    await alice.waitFor(fromBot(new RegExp(`^alice: #${id} logs superset production`)));
    await alice.waitFor(fromBot(/^ {2,}last line$/));
    expect(botLines(alice).some((t) => t.includes(SECRET))).toBe(false);
  });

  it('by component: the newest pod with that component label; --lines and --previous', async () => {
    const old = (await stack.kube.listPods(undefined, 'airflow-search', 'component=scheduler'))[0]!;
    const fresh = makePod({
      namespace: 'airflow-search',
      labels: { app: 'airflow', component: 'scheduler', release: 'production' },
      image: AIRFLOW_IMAGE,
      deployment: 'airflow-scheduler',
      ageSeconds: 120,
      seed: 'fresh',
      restarts: 1,
    });
    stack.api.upsertPod(fresh);
    const name = fresh.metadata!.name!;
    try {
      stack.api.logs.set('airflow-search', name, 'airflow-scheduler', ['scheduler line 1', 'scheduler line 2', 'scheduler line 3', 'scheduler line 4']);
      stack.api.logs.set('airflow-search', name, 'airflow-scheduler', ['before the restart', 'Killed'], { previous: true });
      alice.say(CHANNEL, '!airflow-search logs scheduler --lines 3');
      const head = await alice.waitFor(fromBot(/^alice: airflow-search production: /));
      expect(head.text).toBe(`alice: airflow-search production: ${name} (newest scheduler pod), 1 restart: 3 lines`);
      expect(name).not.toBe(old.metadata!.name);
      await alice.waitFor(fromBot(/^ {2}scheduler line 4$/));
      expect(botLines(alice)).not.toContain('  scheduler line 1');
      expect(stack.api.requestLog.some((l) => l.includes(`/pods/${name}/log?`) && l.includes('tailLines=3') && l.includes('container=airflow-scheduler'))).toBe(
        true,
      );
      alice.clearMessages();
      alice.say(CHANNEL, '!airflow-search logs scheduler production --previous');
      await alice.waitFor(fromBot(/\(newest scheduler pod, previous run\), 1 restart: 2 lines$/));
      await alice.waitFor(fromBot(/^ {2}Killed$/));
    } finally {
      stack.api.deletePod('airflow-search', name);
    }
  });

  it('a crash-looping pod: its last run by default, the run before with --previous, the state in the header', async () => {
    alice.say(CHANNEL, `!superset logs ${crashPod} staging --previous --lines 5`);
    const head = await alice.waitFor(fromBot(/^alice: superset staging: /));
    expect(head.text).toBe(`alice: superset staging: ${crashPod} (container superset-staging, previous run), CrashLoopBackOff, 17 restarts: 5 lines`);
    await alice.waitFor(fromBot(/^ {2}.*\[ERROR\] Reason: Worker failed to boot\.$/));
  });

  it('bad input: no match gets the closest names, an ambiguous prefix its candidates, --lines is bounded', async () => {
    const cases: [string, RegExp][] = [
      ['!airflow-search logs webserv', /^alice: no pod "webserv" in airflow-search \(did you mean airflow-webserver-…-[a-z0-9]{5}\?\)$/],
      ['!airflow-search logs schedulr', /^alice: no pod "schedulr" in airflow-search \(did you mean scheduler\b.*\?\)$/],
      [
        '!superset logs superset-production production',
        /^alice: "superset-production" matches 4 pods in superset: superset-production-…-[a-z0-9]{5}, .* \(give more of the name\)$/,
      ],
      ['!superset logs superset production --lines 0', /^alice: --lines takes a number of lines, 1–1000 \(got "0"\)$/],
      ['!superset logs superset production --lines 5000', /^alice: --lines takes a number of lines, 1–1000 \(got "5000"\)$/],
      ['!superset logs superset production --line 5', /^alice: unknown option "--line" for logs \(did you mean --lines\?\)/],
      ['!superset logs ../../etc/passwd production', /^alice: "..\/..\/etc\/passwd" is not a pod name or component/],
      ['!superset logs superset', /^alice: superset logs .*: which environment\? \(production, staging\)$/],
      [`!superset logs ${'superset-production-'} production --container nope`, /^alice: "superset-production-" matches 4 pods/],
      [
        `!superset logs ${prodPod} production --container nope`,
        /^alice: superset-production-…-[a-z0-9]{5} has no container "nope" \(choose one of: superset-production, superset-production-tls-proxy\)$/,
      ],
      [
        `!superset logs ${prodPod} production --previous`,
        new RegExp(`^alice: no log for ${prodPod}: previous terminated container "superset-production" in pod "${prodPod}" not found$`),
      ],
    ];
    for (const [text, expected] of cases) {
      alice.clearMessages();
      alice.say(CHANNEL, text);
      await alice.waitFor(fromBot(expected));
    }
  });

  it("only the environment's own namespace is read", async () => {
    // a production pod's name asked of staging: not found there (the API is asked about superset-next only)
    const before = stack.api.requestLog.length;
    alice.say(CHANNEL, `!superset logs ${prodPod} staging`);
    await alice.waitFor(fromBot(new RegExp(`^alice: no pod "${prodPod}" in superset-next`)));
    const asked = stack.api.requestLog.slice(before).filter((l) => l.includes('/namespaces/'));
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((l) => l.includes('/namespaces/superset-next/'))).toBe(true);
  });

  it('is its own permission: a service that restricts logs to a group refuses someone outside it', async () => {
    alice.say(CHANNEL, '!paws logs hub');
    const refused = await alice.waitFor(fromBot(/^alice: /));
    expect(refused.text).toMatch(/^alice: logs paws production needs one of paws-admins \(you: superset-admins, wmf\)/);
    // the other services keep logs public
    alice.say(CHANNEL, '!airflow-search logs kerberos');
    await alice.waitFor(fromBot(/^alice: airflow-search production: airflow-kerberos-\S+ \(newest kerberos pod\): \d+ lines$/));
    bob.say(CHANNEL, '!paws status');
    await bob.waitFor(fromBot(/^bob: paws production: 1\/1 ready/));
  });
});

describe('events', () => {
  it('groups Warning events by object and reason, with the count and when last seen, newest first', async () => {
    const pod = (await stack.kube.listPods(undefined, 'superset-next', '')).find((p) => p.metadata!.name === crashPod) as V1Pod;
    const extra = [
      // the same object and reason again (an older event object): counts add up
      {
        ...makeEvent({
          pod,
          reason: 'BackOff',
          type: 'Warning',
          count: 3,
          ageSeconds: 7200,
          message: 'Back-off restarting failed container superset-staging in pod x_superset-next(00000000-0000-4000-a000-000000000000)',
        }),
        metadata: { name: `${crashPod}.older`, namespace: 'superset-next' },
        lastTimestamp: new Date(Date.now() - 3600_000),
      },
      {
        ...makeEvent({ pod, reason: 'Unhealthy', type: 'Warning', count: 5, message: 'Readiness probe failed: HTTP probe failed with statuscode: 503' }),
        lastTimestamp: new Date(Date.now() - 600_000),
      },
    ];
    const seeded = (await stack.kube.listEvents(undefined, 'superset-next')).map((e) => ({ ...e, kind: 'Event', apiVersion: 'v1' }));
    stack.api.setEvents('superset-next', [...seeded, ...extra] as never);
    alice.say(CHANNEL, '!superset events staging');
    const head = await bob.waitFor(fromBot(/^alice: superset staging: /));
    expect(head.text).toBe('alice: superset staging: 420 Warning events about 1 object');
    const backoff = await bob.waitFor(fromBot(/^ {2}superset-staging-…-[a-z0-9]{5}: BackOff/));
    expect(backoff.text).toMatch(/^ {2}superset-staging-…-[a-z0-9]{5}: BackOff ×415, last \d+s ago: Back-off restarting failed container superset-staging$/);
    const unhealthy = await bob.waitFor(fromBot(/: Unhealthy/));
    expect(unhealthy.text).toMatch(/: Unhealthy ×5, last 10m ago: Readiness probe failed: HTTP probe failed with statuscode: 503$/);
    const shown = botLines(bob);
    expect(shown.indexOf(backoff.text)).toBeLessThan(shown.indexOf(unhealthy.text));
    expect(
      stack.api.requestLog.some(
        (l) => l.startsWith('GET /api/v1/namespaces/superset-next/events?') && decodeURIComponent(l).includes('fieldSelector=type=Warning'),
      ),
    ).toBe(true);
  });

  it('every environment when none is named; a quiet one says so', async () => {
    alice.say(CHANNEL, '!superset events');
    await alice.waitFor(fromBot(/^alice: superset production: no Warning events in superset$/));
    await alice.waitFor(fromBot(/^superset staging: \d+ Warning events about 1 object$/));
    alice.clearMessages();
    alice.say(CHANNEL, '!superset events staging now');
    await alice.waitFor(fromBot(/^alice: events takes only an environment: superset events \[env\]$/));
  });
});

describe('status', () => {
  it('ends an unhealthy environment with its most telling event; a healthy one has none', async () => {
    alice.say(CHANNEL, '!superset status');
    await bob.waitFor(fromBot(/^alice: superset production: 4\/4 ready/));
    await bob.waitFor(fromBot(/^superset staging: 1\/2 ready/));
    const event = await bob.waitFor(fromBot(/^ {2}event: /));
    // a failing probe says more than the back-off that follows every crash
    expect(event.text).toMatch(
      /^ {2}event: superset-staging-…-[a-z0-9]{5}: Unhealthy ×5, last 10m ago: Readiness probe failed: HTTP probe failed with statuscode: 503$/,
    );
    const shown = botLines(bob);
    expect(shown.at(-1)).toBe(event.text);
    expect(shown.filter((t) => t.includes('event:'))).toHaveLength(1);
  });
});
