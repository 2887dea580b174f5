import { createRequire } from 'node:module';

const here = createRequire(import.meta.url);

/**
 * The real `dependency` as `library` would require it, found from the library's own package.json: that
 * file is not one the hook in ../trim-deps.ts replaces requires for, so this gets the package itself.
 */
export function loadReal<T>(library: string, dependency: string): T {
  return createRequire(here.resolve(`${library}/package.json`))(dependency) as T;
}
