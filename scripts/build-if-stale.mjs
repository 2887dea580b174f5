// `npm start`'s build step: run tsc only when a source is newer than the last good build, so a second
// start costs a few file stats instead of a full compile. tsc runs incrementally (dist/.tsbuildinfo).
// Test files that start the real CLI call it too, several at once: one builds, the others wait for it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.build-stamp');
const info = path.join(dist, '.tsbuildinfo');
const lock = path.join(dist, '.build-lock');

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
const stale = () =>
  process.argv.includes('--force') ||
  !existsSync(path.join(dist, 'src', 'main.js')) ||
  Math.max(...inputs.map(newest)) > (existsSync(stamp) ? statSync(stamp).mtimeMs : 0);

if (stale()) {
  mkdirSync(dist, { recursive: true });
  // one build at a time (a lock older than five minutes is a build that died)
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (stale()) {
      // outputs gone but the build info kept: tsc would think them up to date
      if (!existsSync(path.join(dist, 'src', 'main.js'))) rmSync(info, { force: true });
      const started = Date.now();
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      try {
        execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', info], {
          stdio: 'inherit',
          cwd: root,
        });
      } catch {
        process.exitCode = 1;
      }
      // stamped with the time tsc started: what changed while it ran is newer, so the next start builds again
      if (!process.exitCode) {
        writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
        utimesSync(stamp, new Date(started), new Date(started));
      }
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
