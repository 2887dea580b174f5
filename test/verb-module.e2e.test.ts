import { allVerbs } from '../src/handlers/index.js';
import { connectClient, startIrcd, type Ircd, type TestClient } from './support/ircd.js';
import { pods } from './support/pods-verb.js';
import { CHANNEL, startStack, type Stack } from './support/stack.js';

// A verb is one module: defined in one file (support/pods-verb.ts), registered with one line, run
// through the real ircd, the real Redis queue and the worker, seen by a second real IRC client.
let ircd: Ircd;
let stack: Stack;
let carol: TestClient;
const fromBot = (re: RegExp) => (m: { from: string; text: string }) => m.from === 'deckhand' && re.test(m.text);

beforeAll(async () => {
  ircd = await startIrcd();
  [stack, carol] = await Promise.all([startStack({ ircd, verbs: [...allVerbs, pods] }), connectClient(ircd, { nick: 'carol' })]);
  await carol.join(CHANNEL);
}, 30000);

beforeEach(() => carol.clearMessages());

afterAll(async () => {
  await stack?.stop();
  await ircd?.stop();
});

it('runs a verb defined in one file end to end, environment taken from the last word, hints rendered for IRC', async () => {
  carol.say(CHANNEL, '!superset pods superset-staging staging');
  const head = await carol.waitFor(fromBot(/^carol: superset staging: \d+ pods? named superset-staging…$/));
  const count = Number(/: (\d+) pod/.exec(head.text)![1]);
  expect(count).toBeGreaterThan(0);
  const crashing = await carol.waitFor(fromBot(/^  superset-staging-.*: 17 restarts$/));
  expect(crashing.target).toBe(CHANNEL);
  await carol.waitFor(fromBot(/^more: !superset status staging$/));
  // the history keeps it like any other job, with the words as typed
  const [row] = await stack.app.history.query({ limit: 1 });
  expect(row).toMatchObject({ kind: 'pods', service: 'superset', environment: 'staging', args: ['superset-staging'], status: 'succeeded' });
});

it('refuses bad arguments in the gateway with one line, before any job exists', async () => {
  const before = (await stack.app.history.query({ limit: 50 })).length;
  carol.say(CHANNEL, '!superset pods ../etc staging');
  const refused = await carol.waitFor(fromBot(/^carol: /));
  expect(refused.text).toBe('carol: pods <name-prefix> <env> (got "../etc")');
  carol.say(CHANNEL, '!superset pods --env production superset');
  await carol.waitFor(fromBot(/^carol: superset production: \d+ pods? named superset…$/));
  expect((await stack.app.history.query({ limit: 50 })).length).toBe(before + 1);
});
