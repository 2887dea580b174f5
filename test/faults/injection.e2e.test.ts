// Injection from data into IRC, seen by a second real client on the real ircd: pod names, container
// reasons and messages, event reasons and messages, helm's release descriptions (the tool's JSON
// output), and text a user types carry CR/LF/NUL/C1/bidi characters and a would-be IRC command. Every
// verb that shows them is asked; the watcher must see no injected line (nothing from the bot that
// starts with the payload's text, nothing sent anywhere but the channel) and no control character.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasControl } from '../../src/core/sanitize.js';
import { makeEvent, makePod, SUPERSET_NEXT_IMAGE } from '../../src/sandbox/fixtures.js';
import { createChartsRepo, type ChartsRepo } from '../support/charts-repo.js';
import { exampleConfig } from '../support/config.js';
import { installFakeTools, type FakeTools } from '../support/fake-helmfile.js';
import { connectClient, registerAccount, startIrcd, type Ircd, type Received, type TestClient } from '../support/ircd.js';
import { waitQuiet } from '../support/irc-observe.js';
import { CHANNEL, startStack, type Stack } from '../support/stack.js';
import { recordFigures } from '../support/figures.js';
import { StaticDirectory } from '../support/static-directory.js';

let ircd: Ircd;
let stack: Stack;
let tools: FakeTools;
let repo: ChartsRepo;
let alice: TestClient; // asks
let bob: TestClient; // watches, not logged in

/** What each payload tries to smuggle in: a second IRC line to the channel, and one to bob alone. */
const PAYLOADS = [
  `\r\nPRIVMSG ${CHANNEL} :INJECTED crlf`,
  '\nPRIVMSG bob :INJECTED lf',
  `\rPRIVMSG ${CHANNEL} :INJECTED cr`,
  '\u0000INJECTED nul',
  '\u0085INJECTED nel',
  '\u009bINJECTED csi',
  '\u202eINJECTED bidi\u202c',
  '\u2028INJECTED line separator',
  '\u0001ACTION INJECTED ctcp\u0001',
];
const allPayloads = PAYLOADS.join(' ');

const fromBot = (m: Received) => m.from === 'deckhand';
/** What the watcher saw over every command, for the benchmark's figures. */
const watched = { commands: 0, total: 0, injected: 0, control: 0 };

beforeAll(async () => {
  [ircd, tools] = await Promise.all([startIrcd(), installFakeTools()]);
  repo = createChartsRepo();
  // announcements (a maintenance window's reason) to the channel the watcher is in
  const services = exampleConfig().services;
  for (const svc of Object.values(services)) svc.announce = { irc: [CHANNEL], slack: [] };
  process.env.PATH = tools.pathEnv;
  await registerAccount(ircd, 'alice', 'alice-secret');
  [stack, alice, bob] = await Promise.all([
    startStack({
      ircd,
      directory: new StaticDirectory({ alice: ['superset-admins', 'wmf'] }),
      config: { rateLimit: { perMinute: 0 }, deploymentCharts: { checkout: repo.dir }, services },
    }),
    connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-secret' } }),
    connectClient(ircd, { nick: 'bob' }),
  ]);
  await Promise.all([alice.join(CHANNEL), bob.join(CHANNEL)]);

  // superset staging (superset-next): pods whose names, reasons and messages carry every payload
  const labels = { app: 'superset', release: 'staging' };
  const pods = PAYLOADS.map((p, i) => {
    const pod = makePod({
      namespace: 'superset-next',
      name: `superset-staging-inject${i}${p}-abcde`,
      labels,
      image: SUPERSET_NEXT_IMAGE,
      deployment: 'superset-staging',
      waiting: 'CrashLoopBackOff',
      seed: i,
    });
    const waiting = pod.status!.containerStatuses![0]!.state!.waiting!;
    waiting.reason = `CrashLoopBackOff${p}`;
    waiting.message = `back-off restarting${p}`;
    stack.api.upsertPod(pod);
    return pod;
  });
  stack.api.setEvents(
    'superset-next',
    pods.flatMap((pod, i) => [
      makeEvent({ pod, reason: `BackOff${PAYLOADS[i]}`, message: `Back-off restarting failed container${PAYLOADS[i]}`, type: 'Warning', count: 3 + i }),
    ]),
  );
  // helm's history: a description with the payloads inside the JSON strings helm prints
  const esc = (s: string) => JSON.stringify(s).slice(1, -1);
  writeFileSync(
    join(tools.dir, 'hist-staging'),
    `41\t2026-11-20T10:02:11.12+00:00\tsuperseded\tsuperset-0.12.5\t4.1.0\tInstall complete${esc(allPayloads)}\n` +
      `42\t2026-11-25T09:14:52.481+00:00\tdeployed\tsuperset-0.12.6\t4.1.1\tUpgrade complete${esc(allPayloads)}\n`,
  );
}, 40000);

afterAll(async () => {
  await stack?.stop();
  await ircd?.stop();
  tools?.cleanup();
  repo?.cleanup();
});

it.each([
  ['status of the unhealthy environment', '!superset status staging'],
  ['events', '!superset events staging'],
  ['logs of a pod named with the payloads', '!superset logs superset-staging-inject0 staging'],
  ['releases (helm output)', '!superset releases staging'],
  ['user text in a maintenance reason', `!maint superset staging in 2h 30m reason${PAYLOADS.join('')}`],
  ['a flag name', `!superset flag EVIL${PAYLOADS[0]} on staging`],
])('%s: the watcher sees no injected line and no control character', async (_what, command) => {
  bob.clearMessages();
  alice.say(CHANNEL, command.replace(/[\r\n]/g, ' ')); // the asker's own client cannot send a line break either
  const seen = await waitQuiet(bob, fromBot, 1, 1500, 15000);
  expect(seen.length).toBeGreaterThan(0);
  // the data did reach the channel, cleaned: the payload's words are there, inside a line
  expect(seen.some((m) => /INJECTED/.test(m.text))).toBe(true);
  for (const m of bob.messages.filter(fromBot)) {
    expect(m.target).toBe(CHANNEL); // nothing reached bob privately
    expect(m.text).not.toMatch(/^(INJECTED|PRIVMSG|ACTION)/);
    expect(hasControl(m.text)).toBe(false);
  }
  expect(bob.messages.filter((m) => !fromBot(m) && m.from !== 'alice')).toEqual([]);
  const lines = bob.messages.filter(fromBot);
  watched.total += lines.length;
  watched.injected += lines.filter((m) => m.target !== CHANNEL || /^(INJECTED|PRIVMSG|ACTION)/.test(m.text)).length;
  watched.control += lines.filter((m) => hasControl(m.text)).length;
  recordFigures('injection', {
    payloads: PAYLOADS.length,
    commands: ++watched.commands,
    botLines: watched.total,
    injected: watched.injected,
    controlCharacters: watched.control,
  });
});
