// zod's entry re-exports every locale it has (`z.locales`: some 60 modules, ~1.3 MB of memory measured in
// a gateway). Deckhand's messages are English, which zod imports on its own (classic/schemas.js), so a
// resolution hook gives the locales index an empty stand-in. Installed by main.ts before anything
// imports zod; node: built-ins only.
import { registerHooks } from 'node:module';

const LOCALES_INDEX = '/node_modules/zod/v4/locales/index.js';
const EMPTY = 'data:text/javascript,export {};';

/** Install the hook; main.ts does, once. */
export function englishOnlyZod(): void {
  registerHooks({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context);
      return resolved.url.endsWith(LOCALES_INDEX) ? { url: EMPTY, shortCircuit: true } : resolved;
    },
  });
}
