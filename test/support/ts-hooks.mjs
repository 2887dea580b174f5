// Module resolution hook for running test/support/*.ts in a plain Node child process: this code base
// imports `./x.js` (nodenext) where the file on disk is `./x.ts`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
  if (
    specifier.endsWith('.js') &&
    /^(\.|\/|file:)/.test(specifier) &&
    context.parentURL?.startsWith('file:') &&
    !context.parentURL.includes('/node_modules/')
  ) {
    const url = new URL(specifier, context.parentURL);
    const ts = new URL(url.href.slice(0, -3) + '.ts');
    if (!existsSync(fileURLToPath(url)) && existsSync(fileURLToPath(ts))) return next(ts.href, context);
  }
  return next(specifier, context);
}
