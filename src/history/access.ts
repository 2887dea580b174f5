import type { LinkSigner } from './links.js';
import type { HistoryStore } from './store.js';

/** What handlers get of the job history: the store, and signed links to log pages when an HTTP server is configured. */
export interface HistoryAccess {
  store: HistoryStore;
  links?: LinkSigner;
}
