// luxon, loaded the first time a date or duration in ISO 8601 is read (~2 MB of memory, measured alone:
// a gateway that never reads one never loads it). Its CommonJS build, as cron-parser (under BullMQ)
// require()s it: an ES import here would load its ES build beside it, a second copy (~1 MB).
import { createRequire } from 'node:module';
import { onFirstUse } from './on-first-use.js';

export const luxon = onFirstUse(() => createRequire(import.meta.url)('luxon') as typeof import('luxon'));
