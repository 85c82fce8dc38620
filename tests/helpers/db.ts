/**
 * Test databases on both engines. Every storage test runs once per engine: SQLite in a fresh file
 * in a temporary folder, PostgreSQL in a fresh database on TEST_DATABASE_URL's server (default the
 * local one, user postgres), dropped when the test file is done.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config.ts';
import { openDatabase, type Database, type Engine } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';

export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  config: DatabaseConfig;
  /** The DATABASE_URL that names this database, for child processes. */
  url: string;
  /** Removes the database (and its folder or server-side database). */
  drop(): Promise<void>;
}

/** Creates an empty database on an engine (not migrated). */
export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-test-'));
    const file = path.join(dir, 'test.db');
    return {
      config: { engine, path: file },
      url: `sqlite:${file}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `dailypapers_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    config: { engine, url: url.toString() },
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A migrated, open database on an engine; `close()` also drops it. */
export async function openTestDatabase(engine: Engine): Promise<Database & { url: string }> {
  const t = await createTestDatabase(engine);
  const database = await openDatabase(t.config);
  await migrate(database);
  return {
    ...database,
    url: t.url,
    close: async () => {
      await database.close();
      await t.drop();
    },
  };
}
