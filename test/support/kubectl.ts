// The real kubectl against a fake API server, for the tests that check the fake API's shapes: a
// kubeconfig for the server's URL in a directory of its own (with kubectl's discovery cache).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubeConfigForUrl, kubeConfigYaml } from '../../src/kube/client.js';

const run = promisify(execFile);

export interface KubectlResult {
  ok: boolean;
  out: string;
  err: string;
}

export interface Kubectl {
  (...args: string[]): Promise<KubectlResult>;
  /** Its own directory: the kubeconfig and the discovery cache. */
  readonly dir: string;
  close(): Promise<void>;
}

export async function kubectlFor(url: string): Promise<Kubectl> {
  const dir = await mkdtemp(join(tmpdir(), 'deckhand-kubectl-'));
  await writeFile(join(dir, 'kubeconfig'), kubeConfigYaml(kubeConfigForUrl(url)));
  const kubectl = async (...args: string[]): Promise<KubectlResult> => {
    try {
      const r = await run('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], { timeout: 20_000 });
      return { ok: true, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string };
      return { ok: false, out: x.stdout ?? '', err: x.stderr ?? '' };
    }
  };
  return Object.assign(kubectl, { dir, close: () => rm(dir, { recursive: true, force: true }) });
}
