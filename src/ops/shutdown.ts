/**
 * Graceful shutdown of the HTTP server: stop accepting connections, let the requests under way finish (their
 * keep-alive connections are closed as soon as they are idle, and answers started after this say
 * `Connection: close`), and cut whatever is still open after `timeoutMs`. The caller then closes the database.
 */
import type { Server } from 'node:http';

/** How long requests under way get to finish once a stop was asked for. */
export const DRAIN_TIMEOUT_MS = 10_000;

export interface Drainable {
  /** Requests answered but not yet finished sending. */
  inFlight(): number;
  /** Resolves once every connection is closed: `drained` (all finished) or `timeout` (some were cut). */
  drain(timeoutMs?: number): Promise<'drained' | 'timeout'>;
}

/** Call right after the server starts listening: it counts requests from then on. */
export function drainable(server: Server): Drainable {
  let inFlight = 0;
  let closing = false;
  server.on('request', (_req, res) => {
    inFlight++;
    if (closing && !res.headersSent) res.setHeader('Connection', 'close');
    res.once('close', () => {
      inFlight--;
      // The connection just became idle: nothing more comes on it.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  let drained: Promise<'drained' | 'timeout'> | null = null;
  return {
    inFlight: () => inFlight,
    drain(timeoutMs = DRAIN_TIMEOUT_MS) {
      drained ??= new Promise((resolve) => {
        closing = true;
        let outcome: 'drained' | 'timeout' = 'drained';
        const timer = setTimeout(() => {
          outcome = 'timeout';
          server.closeAllConnections();
        }, timeoutMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve(outcome);
        });
        server.closeIdleConnections();
      });
      return drained;
    },
  };
}
