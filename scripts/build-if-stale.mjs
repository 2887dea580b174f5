// `npm start`'s build step: run tsc only when a source is newer than the last good build, so a second
// start costs a few file stats instead of a full compile. tsc runs incrementally (dist/.tsbuildinfo).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const stamp = path.join(root, 'dist', '.build-stamp');

function newest(p) {
  let s;
  try {
    s = statSync(p);
  } catch {
    return 0;
  }
  if (!s.isDirectory()) return s.mtimeMs;
  let m = s.mtimeMs; // a deleted or renamed file changes its directory's mtime
  for (const e of readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

const inputs = ['src', 'types', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'].map((f) => path.join(root, f));
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
if (process.argv.includes('--force') || Math.max(...inputs.map(newest)) > built) {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(
      process.execPath,
      [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', path.join(root, 'dist', '.tsbuildinfo')],
      {
        stdio: 'inherit',
        cwd: root,
      },
    );
  } catch {
    process.exit(1);
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
