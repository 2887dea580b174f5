#!/usr/bin/env node
// The `deckhand` command's entry: checks the Node version before anything that needs Node 24 is
// loaded (on an older Node the dependencies fail at import with errors that say nothing useful), answers
// --version at once, then loads the CLI. Keep this file (and what it imports before the version check)
// free of imports that are not node: built-ins.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { v8FlagsFor } from './v8-profile.js';

const REQUIRED = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < REQUIRED) {
  process.stderr.write(
    `Deckhand needs Node ${REQUIRED} (this is ${process.version}): run it through npm (npm start, npx deckhand), or install Node ${REQUIRED}\n`,
  );
  process.exit(1);
}
// memory over speed in a gateway: src/v8-profile.ts
for (const flag of v8FlagsFor(process.argv.slice(2), process.execArgv)) setFlagsFromString(flag);
// what the libraries load and Deckhand never uses stays out (src/core/trim-deps.ts); after the version
// check: its node:module hook API is newer than Node 20
(await import('./core/trim-deps.js')).trimDependencies();

const arg = process.argv[2];
if (arg === '--version' || arg === '-V') {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`deckhand ${pkg.version}\n`);
} else {
  await import('./cli.js');
}
