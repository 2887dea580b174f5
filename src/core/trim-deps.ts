// What Deckhand's libraries load at start and Deckhand never uses, kept out by one module resolution
// hook (node:module registerHooks). Installed by main.ts before anything imports them; node: built-ins
// only. Memory is each one's own, measured alone in a process (the gateway's: bench/RESULTS.md).
//
// Left out (an empty module instead):
//  - zod's ~60 locales, re-exported by its entry (~1.3 MB). English comes with its schemas.
//  - BullMQ's PostgreSQL backend and its Valkey GLIDE client, re-exported by its entry (~1.2 MB):
//    Deckhand runs BullMQ on ioredis.
// Loaded at first use (a stand-in with the members the requiring file takes, ./trim-deps/*):
//  - socks, which irc-framework's transport requires for a SOCKS proxy (~3.5 MB).
//  - @opentelemetry/api, which prom-client's CPU metric requires for exemplars (~3 MB).
//  - cron-parser (and the luxon under it), which BullMQ's job schedulers require for cron patterns
//    (~2.4 MB); Deckhand schedules no repeating jobs.
import { registerHooks } from 'node:module';

/** Requiring file (a path suffix) → what it imports or requires → the URL it gets instead. */
export type StandIns = Record<string, Record<string, string>>;

/** `path` (no extension) beside `base`: built, `.js` or `.cjs`; run from the sources (a TypeScript loader), `.ts` or `.cts`. */
export const besides = (base: string, path: string, ext = 'js'): string =>
  new URL(`${path}.${base.endsWith('.ts') ? ext.replace('js', 'ts') : ext}`, base).href;
const standIn = (name: string): string => besides(import.meta.url, `./trim-deps/${name}`);
/** For an ES import (zod's), and for a CommonJS require() (BullMQ's): never one module for both. */
const EMPTY_ESM = 'data:text/javascript,export {};';
const EMPTY_CJS = besides(import.meta.url, './trim-deps/empty', 'cjs');

/** Resolved files (under node_modules) → the empty module they are given. */
const LEFT_OUT: [string, string][] = [
  ['/node_modules/zod/v4/locales/index.js', EMPTY_ESM],
  ['/node_modules/bullmq/dist/cjs/postgres/index.js', EMPTY_CJS],
  ['/node_modules/bullmq/dist/cjs/classes/valkey-glide-client.js', EMPTY_CJS],
];

/**
 * The requiring file → what it requires → the stand-in it gets. Matched on the requirer, so the stand-in
 * itself (./trim-deps/load-real.ts) still reaches the real package.
 */
const AT_FIRST_USE: StandIns = {
  '/node_modules/irc-framework/src/transports/net.js': { socks: standIn('socks') },
  '/node_modules/prom-client/lib/metrics/processCpuTotal.js': { '@opentelemetry/api': standIn('opentelemetry-api') },
  '/node_modules/bullmq/dist/cjs/classes/job-scheduler.js': { 'cron-parser': standIn('cron-parser') },
};

/** The stand-in `table` gives `specifier` imported or required by `parent`, if any. */
function standInFor(table: StandIns, specifier: string, parent: string | undefined): string | undefined {
  if (parent === undefined) return undefined;
  for (const [requirer, standIns] of Object.entries(table)) if (parent.endsWith(requirer)) return standIns[specifier];
  return undefined;
}

/** A resolution hook that gives the stand-ins of `table` (src/kube/slim.ts's for the Kubernetes client). */
export function giveStandIns(table: StandIns): void {
  registerHooks({
    resolve(specifier, context, next) {
      const url = standInFor(table, specifier, context.parentURL);
      return url ? { url, shortCircuit: true } : next(specifier, context);
    },
  });
}

/** Install the hook; main.ts does, once. */
export function trimDependencies(): void {
  registerHooks({
    resolve(specifier, context, next) {
      const deferred = standInFor(AT_FIRST_USE, specifier, context.parentURL);
      if (deferred) return { url: deferred, shortCircuit: true };
      const resolved = next(specifier, context);
      const empty = LEFT_OUT.find(([file]) => resolved.url.endsWith(file))?.[1];
      return empty ? { url: empty, shortCircuit: true } : resolved;
    },
  });
}
