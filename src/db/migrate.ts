/**
 * Applies pending migrations in order, each in its own transaction, and refuses a database that a
 * newer version of the code has migrated (its schema may not be what this code expects).
 * Several app instances may start at once: on PostgreSQL an advisory lock lets one migrate while
 * the others wait; on SQLite the write lock does the same.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './connection.ts';
import { migrations as allMigrations, type Migration, type MigrationContext } from './migrations/index.ts';

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

/** Any number; it only has to be the same in every instance of this program. */
const MIGRATION_LOCK_KEY = 7_231_975;

export interface MigrateResult {
  applied: { version: number; name: string }[];
  version: number;
}

export async function migrate(database: Database, migrations: readonly Migration[] = allMigrations): Promise<MigrateResult> {
  const { db, engine } = database;
  const ctx: MigrationContext = {
    engine,
    id: engine === 'sqlite' ? (c) => c.primaryKey().autoIncrement() : (c) => c.primaryKey().generatedByDefaultAsIdentity(),
  };
  await db.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();

  const applied: MigrateResult['applied'] = [];
  const codeVersion = migrations.at(-1)?.version ?? 0;
  for (;;) {
    // One migration per transaction; the version is re-read under the lock each time.
    const done = await db.transaction().execute(async (trx) => {
      if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      const current = await currentVersion(trx);
      if (current > codeVersion) {
        throw new SchemaTooNewError(
          `the database is at schema version ${current}, but this version of Daily Papers knows only up to ${codeVersion}: ` +
            'it was migrated by a newer release. Upgrade Daily Papers (or restore a backup made before the upgrade).',
        );
      }
      const next = migrations.find((m) => m.version > current);
      if (!next) return true;
      await next.up(trx, ctx);
      await trx
        .insertInto('schema_migrations')
        .values({ version: next.version, name: next.name, applied_at: new Date().toISOString() })
        .execute();
      applied.push({ version: next.version, name: next.name });
      return false;
    });
    if (done) break;
  }
  return { applied, version: await currentVersion(db) };
}

async function currentVersion(db: Kysely<any>): Promise<number> {
  const row = await db
    .selectFrom('schema_migrations')
    .select((eb) => eb.fn.max<number>('version').as('v'))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}
