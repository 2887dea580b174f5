// A TCP relay in front of the real Redis that a test can cut: down() drops every relayed connection and
// refuses new ones (Redis unreachable, its data kept), up() lets connections through again.
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface RedisGate {
  url: string;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startRedisGate(target = { host: '127.0.0.1', port: 6379 }): Promise<RedisGate> {
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (!open) return void client.destroy();
    const upstream = createConnection(target);
    sockets.add(upstream);
    upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    down() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    up() {
      open = true;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
