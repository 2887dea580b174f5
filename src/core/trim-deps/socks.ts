// What irc-framework's transport (src/transports/net.js) takes from socks: SocksClient.createConnection,
// used only when a SOCKS proxy is configured. The real socks loads on that first call.
import { onFirstUse } from '../on-first-use.js';
import { loadReal } from './load-real.js';

interface Socks {
  SocksClient: { createConnection(options: unknown, callback?: unknown): Promise<unknown> };
}
const real = onFirstUse(() => loadReal<Socks>('irc-framework', 'socks'));

export const SocksClient = {
  createConnection: (options: unknown, callback?: unknown): Promise<unknown> => real().SocksClient.createConnection(options, callback),
};
