/**
 * Applies pending migrations in order, each in its own transaction. A database that a newer version of
 * the code has migrated is accepted when every newer migration declares it compatible with this code's
 * schema (`compatibleWith`, recorded in schema_migrations.compatible_with: a rolling upgrade, where an
 * older instance restarts after a newer one migrated), and refused otherwise.
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
  /** The database's schema version (above codeVersion when a newer release migrated it compatibly). */
  version: number;
  /** The last migration this code knows. */
  codeVersion: number;
}

/** `say`: told each long migration's notice (Migration.notice) before it runs. */
export async function migrate(database: Database, migrations: readonly Migration[] = allMigrations, say?: (line: string) => void): Promise<MigrateResult> {
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
    .addColumn('compatible_with', 'integer')
    .execute();
  await addCompatibilityColumn(db);

  const applied: MigrateResult['applied'] = [];
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  const codeVersion = ordered.at(-1)?.version ?? 0;
  for (;;) {
    // One migration per transaction; the version is re-read under the lock each time.
    const done = await db.transaction().execute(async (trx) => {
      if (engine === 'postgres') await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      const current = await currentVersion(trx);
      if (current > codeVersion) {
        await refuseIncompatible(trx, current, codeVersion);
        return true;
      }
      // The first migration not applied yet: a release may bring one numbered below another that a branch
      // merged earlier had already applied (they are independent by construction), so gaps are filled too.
      const done = new Set((await trx.selectFrom('schema_migrations').select('version').execute()).map((r) => Number(r.version)));
      const next = ordered.find((m) => !done.has(m.version));
      if (!next) return true;
      const notice = await next.notice?.(trx, ctx);
      if (notice && say) say(`schema ${next.version} (${next.name}): ${notice}`);
      await next.up(trx, ctx);
      await trx
        .insertInto('schema_migrations')
        .values({ version: next.version, name: next.name, applied_at: new Date().toISOString(), compatible_with: next.compatibleWith ?? null })
        .execute();
      applied.push({ version: next.version, name: next.name });
      return false;
    });
    if (done) break;
  }
  return { applied, version: await currentVersion(db), codeVersion };
}

/** Throws SchemaTooNewError unless every migration past this code's declares this code's schema compatible. */
async function refuseIncompatible(db: Kysely<any>, current: number, codeVersion: number): Promise<void> {
  const newer = await db
    .selectFrom('schema_migrations')
    .select(['version', 'name', 'compatible_with'])
    .where('version', '>', codeVersion)
    .orderBy('version')
    .execute();
  const breaking = newer.find((m) => m.compatible_with === null || Number(m.compatible_with) > codeVersion);
  if (!breaking) return;
  throw new SchemaTooNewError(
    `the database is at schema version ${current}, but this version of Daily Papers knows only up to ${codeVersion}, ` +
      `and migration ${breaking.version} (${breaking.name}) of a newer release changed the schema in a way this version cannot use. ` +
      'Upgrade Daily Papers (or restore a backup made before the upgrade).',
  );
}

/**
 * Databases migrated before rolling upgrades have no compatible_with column. Adding it is safe while other
 * instances run: nullable, no default to write, and an older instance never selects it. Two instances adding
 * it at once: one wins, the other sees "duplicate column" / "already exists" and goes on.
 */
async function addCompatibilityColumn(db: Kysely<any>): Promise<void> {
  const has = await db.selectFrom('schema_migrations').select('compatible_with').limit(1).execute().then(() => true, () => false);
  if (has) return;
  await db.schema.alterTable('schema_migrations').addColumn('compatible_with', 'integer').execute().catch((e: Error) => {
    if (!/duplicate column|already exists/i.test(e.message)) throw e;
  });
}

async function currentVersion(db: Kysely<any>): Promise<number> {
  const row = await db
    .selectFrom('schema_migrations')
    .select((eb) => eb.fn.max<number>('version').as('v'))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}
