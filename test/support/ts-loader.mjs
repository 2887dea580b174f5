// node --experimental-transform-types --import ./test/support/ts-loader.mjs some.ts
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
