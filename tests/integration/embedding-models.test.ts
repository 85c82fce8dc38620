/**
 * Stored semantic models (src/db/queries/embedding-models.ts): clearing old ones never deletes the site's model,
 * even when another `embeddings train` / `use` made it the site's model after the caller chose what to keep.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { deleteModelsExcept, setSiteModel, storedModels, storeModel } from '../../src/db/queries/embedding-models.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';

for (const engine of ENGINES) {
  describe(`stored models on ${engine}`, () => {
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    before(async () => {
      database = await openTestDatabase(engine);
    });
    after(() => database.close());

    test("clearing the models not kept leaves the site's model, whatever the caller thought it was", async () => {
      for (const id of ['builtin-a', 'builtin-b', 'builtin-c']) {
        const bytes = Buffer.from(`model ${id}`);
        await storeModel(database.db, { id, sha256: createHash('sha256').update(bytes).digest('hex'), bytes });
      }
      // One `train` chose to keep only its own model (a); meanwhile another made b the site's model.
      await setSiteModel(database.db, 'builtin-b');
      const deleted = await deleteModelsExcept(database.db, ['builtin-a']);
      assert.deepEqual(deleted, ['builtin-c']);
      assert.deepEqual((await storedModels(database.db)).map((m) => m.id).sort(), ['builtin-a', 'builtin-b']);
    });
  });
}
