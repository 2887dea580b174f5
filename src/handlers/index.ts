import { help, serviceHelp } from './help.js';
import { status } from './status.js';
import type { Handler } from './types.js';
import { whoami } from './whoami.js';

/** Every verb Deckhand understands. The parser reads their specs; the gateway calls them. */
export const handlers: readonly Handler[] = [status, serviceHelp, help, whoami];
