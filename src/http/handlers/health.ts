/**
 * Health and database faults (docs/decisions/0013-budgets-and-faults.md). `/healthz/live`: the process
 * answers (no database). `/healthz`: ready, the database answers `select 1` within HEALTH_TIMEOUT_MS and its
 * disk was not found full lately. A request that meets a database fault (src/db/errors.ts) answers 503 with
 * Retry-After, and the operator gets one line; anything else is a 500 with the stack in the log only.
 */
import type { Context } from 'hono';
import { databaseFault, OPERATOR_HINT, RETRY_AFTER_SECONDS, VISITOR_MESSAGE, type FaultKind } from '../../db/errors.ts';
import { ping } from '../../db/queries/health.ts';
import { frame, type Deps } from '../context.ts';
import { errorPage } from '../views/layout.ts';

/** Load balancers probe every few seconds and give up after their own timeout (often 5 s): answer before that. */
export const HEALTH_TIMEOUT_MS = 2_000;
/**
 * SQLite reads keep working on a full disk, so `select 1` cannot see it: after a write meets a full (or
 * read-only) disk, readiness answers 503 this long; each new failed write renews it, and writes resume by
 * themselves once space is freed.
 */
export const DISK_FAULT_HOLD_MS = 60_000;

/** The last write that met a full or read-only disk, per app. */
export class DiskFaults {
  private last: { kind: FaultKind; at: number } | null = null;
  note(kind: FaultKind): void {
    if (kind === 'disk-full' || kind === 'read-only') this.last = { kind, at: Date.now() };
  }
  recent(): FaultKind | null {
    return this.last && Date.now() - this.last.at < DISK_FAULT_HOLD_MS ? this.last.kind : null;
  }
}

export const live = (c: Context) => c.json({ status: 'ok' });

export const readiness = (deps: Deps, disk: DiskFaults) => async (c: Context) => {
  const recent = disk.recent();
  if (recent) return c.json({ status: 'unavailable', database: recent === 'disk-full' ? 'disk full' : 'read-only' }, 503);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
  });
  try {
    await Promise.race([ping(deps.database.db), timeout]);
    return c.json({ status: 'ok' });
  } catch (e) {
    return c.json({ status: 'unavailable', database: (e as Error).message || 'unreachable' }, 503);
  } finally {
    clearTimeout(timer);
  }
};

/** app.onError: 503 for a database fault (page or JSON), 500 for anything else; never a stack to the visitor. */
export const onError = (deps: Deps, disk: DiskFaults) => (err: Error, c: Context) => {
  const api = c.req.path.startsWith('/api/');
  const fault = databaseFault(err);
  if (!fault) {
    console.error(err);
    return api ? c.json({ error: 'internal error' }, 500) : c.html('<!doctype html><title>Error</title><h1>Something went wrong on our side</h1>', 500);
  }
  disk.note(fault.kind);
  console.error(`[db] ${c.req.method} ${c.req.path}: 503, database ${fault.kind} (${deps.database.where}): ${fault.detail}; ${OPERATOR_HINT[fault.kind]}`);
  c.header('Retry-After', String(RETRY_AFTER_SECONDS[fault.kind]));
  c.header('Cache-Control', 'no-store');
  const message = VISITOR_MESSAGE[fault.kind];
  return api ? c.json({ error: message }, 503) : c.html(errorPage(frame(c, deps), 503, 'Temporarily unavailable', message), 503);
};
