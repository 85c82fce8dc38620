/**
 * Opens the database named by the configuration: SQLite (embedded, the default) or PostgreSQL.
 * Both are reached through one Kysely instance; `engine` says which, for the few places where
 * the SQL must differ.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';
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

/**
 * SQLite: another process held the write lock for longer than SQLITE_BUSY_BUDGET_MS. Nothing of the
 * statement or transaction was written; the site answers 503 (try again), the CLI stops with a message.
 */
export class DatabaseBusyError extends DatabaseError {
  override name = 'DatabaseBusyError';
}

/**
 * SQLite's own wait for a lock (busy_timeout): none. better-sqlite3 is synchronous, so that wait would
 * block the whole event loop, and every request waiting for the lock in turn (measured: 25 voters
 * waiting 20 ms each kept the loop blocked for most of an import batch). Waits are retried
 * asynchronously instead (SQLITE_BUSY_BUDGET_MS); in WAL mode readers never wait for writers.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 0;
/**
 * How long a write waits in all for other processes' writers (one at a time, each transaction short:
 * an import batch is ~100 ms) before it gives up with DatabaseBusyError. 5 s: far above any healthy
 * writer, below the 10-30 s after which people and proxies give up on a request.
 */
export const SQLITE_BUSY_BUDGET_MS = 5000;
/**
 * Pauses between tries grow from 2 ms to this, with jitter (so that waiting writers do not retry in
 * step). SQLite's lock has no queue: a waiting writer gets it only by trying while it is free, and an
 * import leaves it free SQLITE_WRITER_GAP_MS (30 ms) between batches: 20 ms makes every waiter try then.
 */
export const SQLITE_BUSY_MAX_PAUSE_MS = 20;

const isBusy = (e: unknown) => typeof (e as { code?: unknown }).code === 'string' && (e as { code: string }).code.startsWith('SQLITE_BUSY');

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
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  const db = new Kysely<DB>({ dialect: new OneWriterSqliteDialect(sqlite) });
  let versionStatement: SQLite.Statement<[], { value: number }> | undefined;
  const readDataVersion = async () => {
    versionStatement ??= sqlite.prepare(VERSION_SQL);
    return Number(versionStatement.get()?.value ?? 0);
  };
  // SQLite's default limit since 3.32 is 32,766 bound parameters.
  return { db, engine: 'sqlite', maxParams: 32_000, readDataVersion, close: () => db.destroy() };
}

/**
 * SQLite with several processes on one file (`serve` and a CLI import): one writer at a time by
 * design. Every transaction starts with BEGIN IMMEDIATE, so it takes the write lock first and never
 * fails half-way with SQLITE_BUSY_SNAPSHOT (a deferred one that read before writing does). A
 * statement outside a transaction, or the BEGIN, that finds the lock taken is retried with backoff
 * up to SQLITE_BUSY_BUDGET_MS, without holding this process's connection meanwhile (other queries of
 * this process go on), then fails with DatabaseBusyError.
 */
class OneWriterSqliteDialect extends SqliteDialect {
  constructor(private readonly sqlite: SQLite.Database) {
    super({ database: sqlite });
  }
  override createDriver(): Driver {
    return new OneWriterSqliteDriver(this.sqlite);
  }
}

class OneWriterSqliteDriver extends SqliteDriver {
  #connection: DatabaseConnection | undefined;
  constructor(private readonly sqlite: SQLite.Database) {
    super({ database: sqlite });
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.#connection ??= {
      // Inside a transaction the write lock is already ours (BEGIN IMMEDIATE): nothing to wait for.
      executeQuery: <R>(q: CompiledQuery) => (this.sqlite.inTransaction ? inner.executeQuery<R>(q) : this.#retryingBusy(inner, q)),
      streamQuery: <R>(q: CompiledQuery, chunkSize?: number) => inner.streamQuery<R>(q, chunkSize),
    };
    return this.#connection;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async #retryingBusy<R>(inner: DatabaseConnection, q: CompiledQuery): Promise<QueryResult<R>> {
    const deadline = Date.now() + SQLITE_BUSY_BUDGET_MS;
    for (let pause = 2; ; pause = Math.min(pause * 2, SQLITE_BUSY_MAX_PAUSE_MS)) {
      try {
        return await inner.executeQuery<R>(q);
      } catch (e) {
        if (!isBusy(e)) throw e;
        if (Date.now() + pause > deadline) {
          throw new DatabaseBusyError(`the SQLite database stayed locked by another writer for more than ${SQLITE_BUSY_BUDGET_MS / 1000} s`);
        }
        // Let this process's other queries use the connection while we wait.
        await super.releaseConnection();
        await new Promise((r) => setTimeout(r, pause * (0.5 + Math.random() / 2)));
        await super.acquireConnection();
      }
    }
  }
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
