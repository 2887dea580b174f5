import type { Config } from '../config/schema.js';
import type { ServiceRegistry } from '../core/registry.js';
import type { ChatMessage, Command, Identity } from '../core/types.js';
import type { Access } from '../auth/access.js';
import type { HistoryAccess } from '../history/access.js';

/** What the parser needs to know about a verb; handlers carry it. */
export interface VerbSpec {
  verb: string;
  /** `service` verbs read `<service> <verb> …`; `global` verbs read `<verb> …` (whoami, help, jobs…). */
  scope: 'service' | 'global';
  /** Changes something: denied unless a group grants it, checked again by the worker. */
  mutating: boolean;
  /** Whether the first argument names an environment of the service. */
  environment: 'none' | 'optional' | 'required';
  usage: string;
  summary: string;
}

export interface HandlerContext {
  command: Command;
  message: ChatMessage;
  identity: Identity;
  config: Config;
  registry: ServiceRegistry;
  access: Access;
  verbs: readonly VerbSpec[];
  /** The job history (`jobs`, `job`), when the app has one. */
  history?: HistoryAccess;
}

/** Handlers return data; the gateway acts on it (answer now, or enqueue a job). */
export type Outcome =
  | { kind: 'reply'; lines: string[]; private?: boolean }
  | { kind: 'enqueue'; jobKind: string };

export interface Handler extends VerbSpec {
  handle(ctx: HandlerContext): Promise<Outcome>;
}
