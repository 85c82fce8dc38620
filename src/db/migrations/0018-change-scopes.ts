/**
 * Page-cache scopes (docs/decisions/0018-cache-scopes-and-notifications.md): `content` and `votes` each have a
 * durable version that bumpDataVersion raises. SQLite keeps them as site_state rows (`data_version` is the
 * content one, as before). PostgreSQL keeps them in sequences, which writers advance without locking a row that
 * every writer shares; its `data_version` row, which every write transaction used to update (and hold), goes.
 */
import { sql } from 'kysely';
import { POSTGRES_VERSION_SEQUENCES, SCOPES, SQLITE_VERSION_KEYS } from '../change-feed.ts';
import type { Migration } from './index.ts';

export const changeScopes: Migration = {
  version: 18,
  name: 'change-scopes',
  async up(db, { engine }) {
    if (engine === 'postgres') {
      for (const s of SCOPES) await sql`create sequence ${sql.table(POSTGRES_VERSION_SEQUENCES[s])}`.execute(db);
      await db.deleteFrom('site_state').where('key', '=', 'data_version').execute();
      return;
    }
    const missing = SCOPES.map((s) => SQLITE_VERSION_KEYS[s]).filter((k) => k !== 'data_version');
    await db.insertInto('site_state').values(missing.map((key) => ({ key, value: 0 }))).execute();
  },
};
