/**
 * The unread-notifications count of the member header (docs/decisions/0031-follows-and-notifications.md): read
 * once per member page (GET, not the API, feeds or files), kept beside the request's viewer for the frame.
 */
import type { MiddlewareHandler } from 'hono';
import { unreadCount } from '../../db/queries/notifications.ts';
import type { AppEnv, Deps } from '../context.ts';

const counts = new WeakMap<object, number>();

/** The count read for this request's viewer, if it was. */
export const unreadFor = (viewer: object): number | undefined => counts.get(viewer);

export const loadUnreadCount = (deps: Deps): MiddlewareHandler<AppEnv> => async (c, next) => {
  const viewer = c.get('viewer');
  const p = c.req.path;
  if (viewer && c.req.method === 'GET' && !p.startsWith('/api/') && !p.startsWith('/feeds/') && p !== '/mcp' && !/\.(rss|atom|json|md)$/.test(p)) {
    counts.set(viewer, await unreadCount(deps.database.db, viewer.id));
  }
  return next();
};
