// The Kubernetes client as the CLI loads it in production: src/kube/slim.ts's resolution hook gives
// client-node's KubeConfig and ListWatch small stand-ins for its model index and serializer. Jest's
// module system bypasses that hook, so this runs it in a Node process of its own (as the tests' workers
// run) against the fake API: lists, a single pod and a watch all work — a client-node upgrade that
// changes what those files import shows here first.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sandboxCluster } from '../src/sandbox/fixtures.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { repoRoot } from './support/config.js';

const run = promisify(execFile);
let api: FakeKubeApi;

beforeAll(async () => {
  api = await startFakeKubeApi({ seed: sandboxCluster() });
});
afterAll(async () => {
  await api.close();
});

test('the slimmed client lists, reads one pod and watches, against a real HTTP API', async () => {
  const root = repoRoot();
  const { stdout } = await run(
    process.execPath,
    [
      '--experimental-transform-types',
      '--no-warnings',
      '--import',
      path.join(root, 'test/support/ts-loader.mjs'),
      path.join(root, 'test/support/slim-child.ts'),
      api.url,
    ],
    { cwd: root, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 30_000 },
  );
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    pods: number;
    deployments: number;
    one: string;
    watched: number;
    fullModelIndex: boolean;
    standIns: number;
  };
  expect(r).toMatchObject({ pods: 4, deployments: 1, one: expect.stringMatching(/^superset-production-/) });
  expect(r.watched).toBe(2); // the initial list of superset-next's two pods, as ADDED events
  // and it was the slim client: the stand-ins loaded, client-node's index of every model never
  expect(r).toMatchObject({ fullModelIndex: false, standIns: 2 });
});
