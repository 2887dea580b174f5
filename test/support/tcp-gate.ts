// A TCP relay with a gate, between the bot and the ircd: closed, it drops new connections at once (as a
// server that is down refuses them), so a test decides when the bot may come back — after its observers.
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpGate {
  port: number;
  open: boolean;
  /** Relayed connections so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startTcpGate(target: { host: string; port: number }): Promise<TcpGate> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const gate = { open: true } as TcpGate;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (!gate.open) return void client.destroy();
    accepted++;
    const upstream = createConnection({ host: target.host, port: target.port });
    sockets.add(upstream);
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.defineProperties(gate, {
    port: { value: (server.address() as AddressInfo).port },
    accepted: { get: () => accepted },
  });
  gate.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return gate;
}
