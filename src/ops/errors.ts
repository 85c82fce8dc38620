/** The one-line messages `serve` stops with when it cannot start (no stack trace: the operator gets what to change). */
import type { Config } from '../config.ts';

export class ServeError extends Error {
  override name = 'ServeError';
}

/** The HTTP server could not listen on HOST:PORT. */
export function listenProblem(e: NodeJS.ErrnoException, config: Pick<Config, 'host' | 'port'>): ServeError {
  const where = `${config.host}:${config.port}`;
  if (e.code === 'EADDRINUSE') return new ServeError(`port ${config.port} on ${config.host} is in use by another program (another dailypapers serve?); stop it or set PORT to a free port`);
  if (e.code === 'EACCES') return new ServeError(`not allowed to listen on ${where} (ports below 1024 need privileges); set PORT to 1024 or above and put a reverse proxy in front`);
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return new ServeError(`cannot listen on ${where}: this machine has no such address; check HOST`);
  return new ServeError(`cannot listen on ${where}: ${e.message}`);
}
