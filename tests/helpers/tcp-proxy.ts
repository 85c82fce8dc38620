/**
 * A TCP proxy between the app and PostgreSQL that can fail the way networks and servers do, without
 * touching the shared server: drop every connection (a restart, a failover, an OOM kill), black-hole
 * (accept and forward nothing: a dead proxy, a peer gone without a reset; the connections caught in it stay
 * dead for good, as after a failover or a lost NAT entry, while new ones work once it clears), refuse (the
 * server is down), then work again.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'forward' | 'blackhole' | 'refuse';

export interface TcpProxy {
  port: number;
  /** A URL like `target` with the host and port of the proxy. */
  url(target: string): string;
  /** Resets every open connection (both sides). */
  dropAll(): void;
  /** forward (normal), blackhole (open connections and new ones carry nothing, for good), refuse (all are reset, new ones at once). */
  setMode(mode: ProxyMode): void;
  /** Connections open now. */
  open(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward';
  interface Pair {
    client: Socket;
    upstream: Socket | null;
    /** Caught in a black hole: forwards nothing ever again. */
    dead: boolean;
  }
  const pairs = new Set<Pair>();
  const server: Server = createServer((client) => {
    client.on('error', () => {});
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: null, dead: mode === 'blackhole' };
    pairs.add(pair);
    client.on('close', () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    if (pair.dead) return; // accepted, never forwarded
    const upstream = connect(targetPort, targetHost);
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    // A black hole swallows what is in flight both ways.
    client.on('data', (d) => {
      if (!pair.dead) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!pair.dead) client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const dropAll = () => {
    for (const { client, upstream } of pairs) {
      client.resetAndDestroy();
      upstream?.resetAndDestroy();
    }
    pairs.clear();
  };
  return {
    port,
    url(target) {
      const u = new URL(target);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    dropAll,
    setMode(m) {
      mode = m;
      if (m === 'refuse') dropAll();
      if (m === 'blackhole') for (const pair of pairs) pair.dead = true;
    },
    open: () => pairs.size,
    close: () => {
      dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
