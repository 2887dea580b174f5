import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The layering rule that `npm test` runs on src/ (.dependency-cruiser.cjs), shown to fail where it
// must: a cycle, and an import from a lower layer up. The tree under test is a small temp copy.
const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const depcruise = join(ROOT, 'node_modules/.bin/depcruise');
let dir: string;

function tree(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

async function cruise(): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(depcruise, ['src', '--config', join(ROOT, '.dependency-cruiser.cjs')], { cwd: dir });
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: err.stdout };
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deckhand-layers-'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('passes imports that run down the layers', async () => {
  tree({
    'src/bot/gateway.ts': "import { x } from '../handlers/verb.js';\nexport const g = x;\n",
    'src/handlers/verb.ts': "import { y } from '../core/types.js';\nexport const x = y;\n",
    'src/core/types.ts': 'export const y = 1;\n',
  });
  expect((await cruise()).code).toBe(0);
});

it('fails on an import from core up to a handler, naming the rule and the files', async () => {
  tree({
    'src/core/types.ts': "import { x } from '../handlers/verb.js';\nexport const y = x;\n",
    'src/handlers/verb.ts': 'export const x = 1;\n',
  });
  const r = await cruise();
  expect(r.code).not.toBe(0);
  expect(r.out).toContain('no-upward-from-core: src/core/types.ts → src/handlers/verb.ts');
});

it('fails on a cycle inside one layer', async () => {
  tree({
    'src/deploy/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
    'src/deploy/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
  });
  const r = await cruise();
  expect(r.code).not.toBe(0);
  expect(r.out).toContain('no-circular');
});
