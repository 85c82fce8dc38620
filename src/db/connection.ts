/**
 * Opens the database named by the configuration: SQLite (embedded, the default) or PostgreSQL.
 * Both are reached through one Kysely instance; `engine` says which, for the few places where
 * the SQL must differ.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import type { DB } from './schema.ts';

export type Engine = 'sqlite' | 'postgres';

const VERSION_SQL = "select value from site_state where key = 'data_version'";

export interface Database {
  db: Kysely<DB>;
  engine: Engine;
  /** Largest number of bound parameters one statement may carry on this engine. */
  maxParams: number;
  /**
   * The data version (src/db/queries/papers.ts bumpDataVersion), read on every anonymous request by the
   * response cache: on SQLite through a statement prepared once (Kysely prepares each query anew, which
   * was a tenth of the server's CPU on cached pages), elsewhere through the query.
   */
  readDataVersion(): Promise<number>;
  close(): Promise<void>;
}

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

// PostgreSQL returns BIGINT (COUNT, SUM) as text by default; our counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return config.engine === 'sqlite' ? openSqlite(config.path) : openPostgres(config.url);
}

function openSqlite(file: string): Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file);
  } catch (e) {
    throw new DatabaseError(`cannot open SQLite database ${file}: ${(e as Error).message}`);
  }
  sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only a power loss may drop the last commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  let versionStatement: SQLite.Statement<[], { value: number }> | undefined;
  const readDataVersion = async () => {
    versionStatement ??= sqlite.prepare(VERSION_SQL);
    return Number(versionStatement.get()?.value ?? 0);
  };
  // SQLite's default limit since 3.32 is 32,766 bound parameters.
  return { db, engine: 'sqlite', maxParams: 32_000, readDataVersion, close: () => db.destroy() };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection that the server drops (a restart, a terminated backend) must not crash the
  // process: the pool discards it and opens a new one when needed.
  pool.on('error', (err) => console.error(`PostgreSQL connection lost: ${err.message}`));
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => {});
    const where = new URL(url);
    throw new DatabaseError(
      `cannot connect to PostgreSQL at ${where.host}${where.pathname}: ${(e as Error).message}`,
    );
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const readDataVersion = async () => Number((await pool.query<{ value: number }>(VERSION_SQL)).rows[0]?.value ?? 0);
  // The wire protocol allows 65,535 parameters per statement.
  return { db, engine: 'postgres', maxParams: 60_000, readDataVersion, close: () => db.destroy() };
}
