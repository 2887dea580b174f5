#!/usr/bin/env node
// The npm registry mirror on the build machines lacks some platform-specific
// optional packages (darwin/win32/arm builds), so `npm install` leaves them out
// of package-lock.json and `npm ci` then refuses the lock as "out of sync".
// This adds the entries the real registry would have written (name, version,
// os/cpu, optional) so `npm ci` skips them on this platform as it should.
// Run after `npm install` whenever dependencies change.
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const pkgs = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(pkgs)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (pkgs[key] || pkgs[`${path}/node_modules/${name}`]) continue;
    // the mirror may lack this exact version; os/cpu do not change between versions
    let meta = {};
    try {
      meta = JSON.parse(execFileSync('npm', ['view', '--json', name, 'os', 'cpu', 'libc'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }) || '{}');
    } catch {
      /* leave platform fields unset */
    }
    pkgs[key] = {
      version: version.replace(/^[\^~]/, ''),
      resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${version.replace(/^[\^~]/, '')}.tgz`,
      ...(meta.cpu ? { cpu: [].concat(meta.cpu) } : {}),
      dev: entry.dev || undefined,
      ...(meta.libc ? { libc: [].concat(meta.libc) } : {}),
      optional: true,
      ...(meta.os ? { os: [].concat(meta.os) } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} platform-specific optional entries`);
