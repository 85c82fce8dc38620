import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { migrate, SchemaTooNewError } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations/index.ts';
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
  });
}
