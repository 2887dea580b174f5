// The sandbox's `helmfile` and `helm` on PATH: two tiny wrappers in a directory of their own that run
// helm-tool.js with this very Node (so they work where the system Node is too old) and the address of
// this sandbox's cluster. Deckhand's deploys find them first on PATH, exactly as they would find the
// real tools; nothing else changes in how a deploy runs.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SandboxTools {
  /** The directory holding helm and helmfile. */
  bin: string;
  /** bin first, then the given PATH. */
  pathEnv: string;
}

const quote = (s: string): string => {
  if (s.includes("'")) throw new Error(`the sandbox path ${s} contains a quote`);
  return `'${s}'`;
};

/** Write the wrappers into `<runDir>/bin`; helm revisions live in `<runDir>/helm`. */
export function writeSandboxTools(runDir: string, apiUrl: string, pathNow = process.env.PATH ?? '/usr/bin:/bin'): SandboxTools {
  const program = fileURLToPath(new URL('./helm-tool.js', import.meta.url));
  if (!existsSync(program)) throw new Error(`the sandbox helm (${program}) is not built: run npm run build`);
  const bin = path.join(runDir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['helmfile', 'helm']) {
    const f = path.join(bin, tool);
    writeFileSync(
      f,
      `#!/bin/sh\n# Deckhand's SANDBOX ${tool}: changes only the sandbox cluster (src/sandbox/helm-tool.ts)\nexec ${quote(process.execPath)} ${quote(program)} ${quote(apiUrl)} ${quote(path.join(runDir, 'helm'))} ${tool} "$@"\n`,
    );
    chmodSync(f, 0o755);
  }
  return { bin, pathEnv: `${bin}${path.delimiter}${pathNow}` };
}
