import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { migrate, SchemaTooNewError } from '../../src/db/migrate.ts';
import { migrations, type Migration } from '../../src/db/migrations/index.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/db.ts';

for (const engine of ENGINES) {
  describe(`migrations on ${engine}`, () => {
    let t: TestDatabase;
    let database: Database;
    before(async () => {
      t = await createTestDatabase(engine);
      database = await openDatabase(t.config);
    });
    after(async () => {
      await database.close();
      await t.drop();
    });

    test('apply every migration once, then nothing', async () => {
      const first = await migrate(database);
      assert.deepEqual(first.applied.map((m) => m.version), migrations.map((m) => m.version));
      assert.equal(first.version, migrations.at(-1)!.version);
      const second = await migrate(database);
      assert.deepEqual(second.applied, []);
      assert.equal(second.version, first.version);
    });

    test('a migration numbered below one already applied (merged from another branch) is applied too', async () => {
      const u = await createTestDatabase(engine);
      const d = await openDatabase(u.config);
      try {
        const skipped = migrations.at(-2)!;
        await migrate(d, migrations.filter((m) => m !== skipped));
        const r = await migrate(d);
        assert.deepEqual(r.applied.map((m) => m.version), [skipped.version]);
      } finally {
        await d.close();
        await u.drop();
      }
    });

    test('two instances migrating at once agree', async () => {
      const other = await openDatabase(t.config);
      try {
        const [a, b] = await Promise.all([migrate(database), migrate(other)]);
        assert.equal(a.version, b.version);
      } finally {
        await other.close();
      }
    });

    test('a database migrated by newer code is refused with a clear message', async () => {
      await database.db
        .insertInto('schema_migrations')
        .values({ version: 999, name: 'from the future', applied_at: new Date().toISOString() })
        .execute();
      await assert.rejects(migrate(database), (e: unknown) => {
        assert.ok(e instanceof SchemaTooNewError);
        assert.match(e.message, /schema version 999.*knows only up to \d+.*newer release/);
        return true;
      });
    });

    test('rolling upgrade: an older release runs on a database a newer one migrated compatibly, and refuses a breaking change', async () => {
      const u = await createTestDatabase(engine);
      const d = await openDatabase(u.config);
      try {
        const last = migrations.at(-1)!.version;
        const additive: Migration = { version: last + 1, name: 'an added table', compatibleWith: last, up: (db) => db.schema.createTable('rolling_extra').addColumn('id', 'integer').execute() };
        const breaking: Migration = { version: last + 2, name: 'a renamed column', up: async () => {} };
        assert.equal((await migrate(d, [...migrations, additive])).version, last + 1);
        // The older release (the list without the new migration) starts, and says how far ahead the database is.
        const older = await migrate(d, migrations);
        assert.deepEqual(older, { applied: [], version: last + 1, codeVersion: last });
        await migrate(d, [...migrations, additive, breaking]);
        for (const list of [migrations, [...migrations, additive]]) {
          await assert.rejects(migrate(d, list), (e: unknown) => {
            assert.ok(e instanceof SchemaTooNewError);
            assert.match(e.message, new RegExp(`schema version ${last + 2}.*migration ${last + 2} \\(a renamed column\\) of a newer release changed the schema in a way this version cannot use`));
            return true;
          });
        }
      } finally {
        await d.close();
        await u.drop();
      }
    });

    test('a database migrated before rolling upgrades gets the compatible_with column, rows kept', async () => {
      const u = await createTestDatabase(engine);
      const d = await openDatabase(u.config);
      try {
        await migrate(d, migrations.slice(0, 2));
        await d.db.schema.alterTable('schema_migrations').dropColumn('compatible_with').execute();
        const r = await migrate(d, migrations.slice(0, 3));
        assert.deepEqual(r.applied.map((m) => m.version), [migrations[2]!.version]);
        const rows = await d.db.selectFrom('schema_migrations').select(['version', 'compatible_with']).orderBy('version').execute();
        assert.deepEqual(rows.map((row) => [Number(row.version), row.compatible_with]), migrations.slice(0, 3).map((m) => [m.version, null]));
      } finally {
        await d.close();
        await u.drop();
      }
    });
  });
}
