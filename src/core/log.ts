import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stderr (stdout belongs to the console adapter). */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'deckhand' } }, pino.destination(2));
}
