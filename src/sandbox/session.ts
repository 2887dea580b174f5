// Everything a sandbox start needs, in one place: the sandbox cluster (fake API + its controller), the
// deployment-charts checkout (created on first start, kept between starts), the sandbox helm/helmfile
// first on PATH, the config with every right granted to the sandbox operator, and that operator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { VerbSpec } from '../core/verb.js';
import type { KubeClient } from '../kube/client.js';
import { ensureSandboxCharts } from './deployment-charts.js';
import { SandboxDirectory, sandboxConfig } from './operator.js';
import { startSandbox } from './start.js';
import { writeSandboxTools } from './tools.js';

export interface SandboxSession {
  config: Config;
  kube: KubeClient;
  directory: SandboxDirectory;
  /** The fake API's address (for kubectl: `kubectl --server <url>`). */
  url: string;
  /** The sandbox deployment-charts checkout. */
  checkout: string;
  /** PATH with the sandbox helm and helmfile first. */
  pathEnv: string;
  close(): Promise<void>;
}

/** `stateDir` keeps the deployment-charts checkout between starts; the tools and helm's revisions live only as long as this session. */
export async function openSandbox(config: Config, verbs: readonly VerbSpec[], stateDir: string, onConsole = true): Promise<SandboxSession> {
  const cluster = await startSandbox(config);
  const runDir = mkdtempSync(path.join(tmpdir(), 'deckhand-sandbox-'));
  try {
    const checkout = ensureSandboxCharts(path.join(stateDir, 'deployment-charts'), config, cluster.deployments);
    const tools = writeSandboxTools(runDir, cluster.url);
    return {
      config: sandboxConfig(config, verbs, checkout, onConsole),
      kube: cluster.kube,
      directory: new SandboxDirectory(),
      url: cluster.url,
      checkout,
      pathEnv: tools.pathEnv,
      close: async () => {
        await cluster.close();
        rmSync(runDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await cluster.close();
    rmSync(runDir, { recursive: true, force: true });
    throw e;
  }
}

/** Where the sandbox keeps its checkout: $XDG_STATE_HOME/deckhand/sandbox, else ~/.local/state/deckhand/sandbox. */
export function sandboxStateDir(env: NodeJS.ProcessEnv, home: string): string {
  return path.join(env.XDG_STATE_HOME || path.join(env.HOME || home, '.local', 'state'), 'deckhand', 'sandbox');
}
