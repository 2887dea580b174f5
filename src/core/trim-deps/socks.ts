// What irc-framework's transport (src/transports/net.js) takes from socks: SocksClient.createConnection,
// used only when a SOCKS proxy is configured. The real socks loads on that first call.
import { loadReal } from './load-real.js';

interface Socks {
  SocksClient: { createConnection(options: unknown, callback?: unknown): Promise<unknown> };
}
let real: Socks | undefined;

export const SocksClient = {
  createConnection(options: unknown, callback?: unknown): Promise<unknown> {
    real ??= loadReal<Socks>('irc-framework', 'socks');
    return real.SocksClient.createConnection(options, callback);
  },
};
