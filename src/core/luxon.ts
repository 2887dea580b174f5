// One luxon in each process. cron-parser (under BullMQ) require()s luxon's CommonJS build; an ES
// import here would load its ES build beside it as a second copy (~1 MB of memory, measured here).
import { createRequire } from 'node:module';

const luxon = createRequire(import.meta.url)('luxon') as typeof import('luxon');

export const { DateTime, Duration } = luxon;
