/**
 * Opens the database named by the configuration: SQLite (embedded, the default) or PostgreSQL.
 * Both are reached through one Kysely instance; `engine` says which, for the few places where
 * the SQL must differ.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { postgresChangeFeed, sqliteChangeFeed, type ChangeFeed } from './change-feed.ts';
import type { DB } from './schema.ts';

export type Engine = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  engine: Engine;
  /** Where it is, for the operator's log lines: the SQLite file, or PostgreSQL's host:port/database. */
  where: string;
  /** Largest number of bound parameters one statement may carry on this engine. */
  maxParams: number;
  /** What changed, as this process knows it without a round trip (src/db/change-feed.ts): for page caches. */
  changes: ChangeFeed;
  /**
   * A number that changes whenever the `content` scope does (src/db/queries/papers.ts bumpDataVersion), in any
   * process; a fresh one each call while that cannot be known (PostgreSQL's change listener is down).
   */
  readDataVersion(): Promise<number>;
  /**
   * PostgreSQL: queries on a small pool of their own (BOUNDED_POOL_SIZE connections) whose statements the server
   * ends after `timeoutMs` (the search budget: src/search/budget.ts). Nothing is held between statements, so a
   * search that also reads through `db` cannot wait on itself, and a flood of searches queues there, not in front
   * of every other page. Made on first use, one per timeout. null on SQLite (nothing to bound per statement).
   */
  bounded(timeoutMs: number): Kysely<DB> | null;
  /**
   * SQLite: the FTS5 function bm25_idf (native/bm25-idf.c, built at `npm install` when a C compiler is there)
   * is loaded, so keyword search ranks with IDFs it caches instead of bm25()'s whole-index pass per query
   * (docs/decisions/0044-ranking-at-scale.md). False on PostgreSQL and where it could not be built.
   */
  rankWithIdf?: boolean;
  /** PostgreSQL: the main pool's connections (total, idle) and the queries waiting for one, for /metrics. */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/** Connections of a bounded pool (Database.bounded): searches beyond this wait their turn, other pages do not. */
export const BOUNDED_POOL_SIZE = 4;

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/**
 * SQLite: another process held the write lock for longer than SQLITE_BUSY_BUDGET_MS. Nothing of the
 * statement or transaction was written; the site answers 503 (try again), the CLI stops with a message.
 */
export class DatabaseBusyError extends DatabaseError {
  override name = 'DatabaseBusyError';
  /** So that src/db/errors.ts classifies it like SQLite's own busy error: a timeout, 503 with Retry-After. */
  readonly code = 'SQLITE_BUSY';
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
 * import leaves it free SQLITE_WRITER_GAP_MS (30 ms) after a batch (after every one while others write, else
 * one in 250 ms: src/importers/staged.ts): 20 ms makes every waiter try then.
 */
export const SQLITE_BUSY_MAX_PAUSE_MS = 20;

const isBusy = (e: unknown) => typeof (e as { code?: unknown }).code === 'string' && (e as { code: string }).code.startsWith('SQLITE_BUSY');

// PostgreSQL returns BIGINT (COUNT, SUM) as text by default; our counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * How long one statement, one idle transaction and one connection attempt may take (PostgreSQL). The web
 * process and the CLI's long writers get different ones (src/config.ts; docs/decisions/0013-budgets-and-faults.md).
 */
export interface DatabaseBudget {
  /** Server-side statement_timeout; 0 = none. */
  statementTimeoutMs: number;
  /** Server-side idle_in_transaction_session_timeout: a transaction left open this long is ended (its locks freed); 0 = none. */
  idleInTransactionTimeoutMs: number;
  /** Longest wait to open a connection or to get one from a full pool. */
  connectTimeoutMs: number;
}

/** A page's queries take milliseconds (the slowest measured, a broad search, well under a second): 30 s is a bug or an overload, and ends before a reverse proxy's usual 60 s so the visitor gets our 503, not its 504. */
export const WEB_STATEMENT_TIMEOUT_MS = 30_000;
/** A web transaction never waits on anything but its own statements; one idle this long holds locks others need. */
export const WEB_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
/** A server that answers at all answers a connection within a second; 10 s rides out a busy moment, not an outage. */
export const CONNECT_TIMEOUT_MS = 10_000;
/**
 * The client gives up on an answer this long after the server's own statement_timeout would have ended the
 * statement: only a connection that no longer delivers anything (a black hole: a dead proxy, a peer gone
 * without a reset) gets there, and then the connection is thrown away.
 */
export const QUERY_TIMEOUT_GRACE_MS = 2_000;

export const DEFAULT_BUDGET: DatabaseBudget = {
  statementTimeoutMs: WEB_STATEMENT_TIMEOUT_MS,
  idleInTransactionTimeoutMs: WEB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  connectTimeoutMs: CONNECT_TIMEOUT_MS,
};

export async function openDatabase(config: DatabaseConfig, budget: DatabaseBudget = DEFAULT_BUDGET): Promise<Database> {
  return config.engine === 'sqlite' ? openSqlite(config.path) : openPostgres(config.url, budget);
}

function openSqlite(file: string): Database {
  let sqlite: SQLite.Database;
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    sqlite = new SQLite(file);
  } catch (e) {
    throw new DatabaseError(`cannot open SQLite database ${file}: ${(e as Error).message}; check that its folder exists and this user may write there (DATABASE_URL)`);
  }
  try {
    sqlite.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only a power loss may drop the last commits.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  } catch (e) {
    sqlite.close();
    const code = (e as { code?: string }).code;
    const why = code === 'SQLITE_NOTADB' ? 'it is not a SQLite database (DATABASE_URL names another kind of file?)'
      : code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_CANTOPEN') ? 'it or its folder is not writable by this user (the -wal and -shm files are created beside it)'
      : (e as Error).message;
    throw new DatabaseError(`cannot open SQLite database ${file}: ${why}`);
  }
  const rankWithIdf = loadRankExtension(sqlite);
  const db = new Kysely<DB>({ dialect: new OneWriterSqliteDialect(sqlite) });
  const changes = sqliteChangeFeed(sqlite);
  // SQLite's default limit since 3.32 is 32,766 bound parameters.
  return { db, engine: 'sqlite', where: file, maxParams: 32_000, rankWithIdf, changes, readDataVersion: contentVersion(changes), bounded: () => null, close: () => db.destroy() };
}

/** Where scripts/build-native.mjs puts the compiled bm25_idf extension (the same from src/db and dist/db). */
export const RANK_EXTENSION = fileURLToPath(new URL(`../../build/bm25-idf.${process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so'}`, import.meta.url));

/**
 * Loads bm25_idf into this connection when it was built (and SQLITE_RANK_EXTENSION is not `off`, which the
 * tests use to check the fallback). Without it keyword search ranks with FTS5's bm25(): the same order,
 * slower on a large corpus.
 */
function loadRankExtension(sqlite: SQLite.Database): boolean {
  if (process.env.SQLITE_RANK_EXTENSION === 'off' || !existsSync(RANK_EXTENSION)) return false;
  try {
    sqlite.loadExtension(RANK_EXTENSION);
    return true;
  } catch {
    return false;
  }
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

  /**
   * On some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM) SQLite rolls the transaction back itself, and
   * Kysely's ROLLBACK then fails with "cannot rollback - no transaction is active", which replaces the real
   * error (a full disk looked like a bug). Roll back only a transaction that is still open.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.sqlite.inTransaction) await super.rollbackTransaction(connection);
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

async function openPostgres(url: string, budget: DatabaseBudget): Promise<Database> {
  const where = new URL(url);
  const server = `${where.host}${where.pathname}`;
  const pool = postgresPool(url, server, budget, 10);
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => {});
    const timedOut = /timeout/i.test((e as Error).message);
    throw new DatabaseError(
      timedOut
        ? `cannot connect to PostgreSQL at ${server}: no answer within ${budget.connectTimeoutMs / 1000} s; check that the server is up, that HOST:PORT in DATABASE_URL is PostgreSQL's, and that no firewall drops the connection (DATABASE_CONNECT_TIMEOUT_SECONDS)`
        : `cannot connect to PostgreSQL at ${server}: ${(e as Error).message}; check that the server is up and DATABASE_URL (host, port, user, database)`,
    );
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const changes = postgresChangeFeed(url);
  const boundedPools = new Map<number, Kysely<DB>>();
  const bounded = (timeoutMs: number) => {
    let k = boundedPools.get(timeoutMs);
    if (!k) {
      k = new Kysely<DB>({ dialect: new PostgresDialect({ pool: postgresPool(withServerSettings(url, SEARCH_SETTINGS), server, { ...budget, statementTimeoutMs: timeoutMs }, BOUNDED_POOL_SIZE) }) });
      boundedPools.set(timeoutMs, k);
    }
    return k;
  };
  const close = async () => {
    await changes.close();
    await Promise.all([...boundedPools.values()].map((k) => k.destroy()));
    await db.destroy();
  };
  // The wire protocol allows 65,535 parameters per statement.
  const poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
  return { db, engine: 'postgres', where: server, maxParams: 60_000, changes, readDataVersion: contentVersion(changes), bounded, poolStats, close };
}

/**
 * Server settings of the searches' connections (Database.bounded). No parallel plans: a search is a few statements
 * of milliseconds, and starting parallel workers costs more than they save. Page 50 of `model` sorted by date at 1M
 * papers (offset 1,470) was planned as a Gather Merge over two workers: 18–31 ms for the statement, 7.5 ms without
 * them, and 42 → 14 ms for the whole page; bench:search-speed's 300 keyword searches were unchanged
 * (docs/decisions/0055-no-parallel-searches-and-the-with-code-order.md). On a two-core server a visitor's workers also take the
 * cores of the requests beside it.
 */
const SEARCH_SETTINGS: Record<string, string> = { max_parallel_workers_per_gather: '0' };

/**
 * `url` with server settings added to its `options` (`-c name=value`), after any it has: node-postgres takes
 * `options` from the URL over its own configuration (and then from PGOPTIONS), so they are joined here.
 */
function withServerSettings(url: string, settings: Record<string, string>): string {
  const u = new URL(url);
  const own = u.searchParams.get('options') ?? process.env.PGOPTIONS ?? '';
  const added = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`);
  u.searchParams.set('options', [own, ...added].filter(Boolean).join(' '));
  return u.toString();
}

/**
 * How long a pooled PostgreSQL connection is kept unused before it is closed (pg's default: 10 s). A new
 * backend plans its first statements with cold catalog caches: on 100k papers, the first keyword search after
 * 11 s idle took a median 139 ms before, 71 ms with this (docs/decisions/0048-import-at-scale-and-three-million-papers.md),
 * and a site with a search every minute paid that every time. A few idle backends per process cost the server
 * little; a dropped one is replaced on demand.
 */
export const POOL_IDLE_MS = 5 * 60_000;

/** A pool whose every client has an error listener and the budget's timeouts (openPostgres, Database.bounded). */
function postgresPool(url: string, server: string, budget: DatabaseBudget, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: budget.connectTimeoutMs,
    idleTimeoutMillis: POOL_IDLE_MS,
    // A peer that vanished without a reset (a crashed host, a proxy that dropped the flow) is found by the
    // kernel's probes instead of never.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // Sent at connect: the server ends a statement or an idle transaction past its budget (57014, 25P03).
    ...(budget.statementTimeoutMs > 0 ? { statement_timeout: budget.statementTimeoutMs, query_timeout: budget.statementTimeoutMs + QUERY_TIMEOUT_GRACE_MS } : {}),
    ...(budget.idleInTransactionTimeoutMs > 0 ? { idle_in_transaction_session_timeout: budget.idleInTransactionTimeoutMs } : {}),
  });
  // A connection that the server drops (a restart, a failover, a terminated backend, a proxy's idle timeout)
  // must not crash the process. The pool listens on idle clients only; every client gets its own listener, so
  // a drop costs at most the queries in flight (they fail, then 503) and the pool opens new connections.
  let lastLoss = 0;
  const lost = (err: Error) => {
    // One line per burst: ten pooled connections dropping together are one event for the operator.
    if (Date.now() - lastLoss > 1000) console.error(`PostgreSQL connection to ${server} lost: ${err.message}; the pool reconnects on demand`);
    lastLoss = Date.now();
  };
  pool.on('error', lost);
  pool.on('connect', (client) => {
    client.on('error', lost);
    // pg's query_timeout answers the caller but leaves the connection waiting for the lost answer, and the pool
    // would hand it out again: every later query on it would time out too. End it (with a query active, end()
    // destroys the socket) before the caller releases it, so the pool drops it and opens a new one.
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const result = query(...args);
      if (result instanceof Promise) {
        result.catch((e: Error) => {
          if (e?.message === 'Query read timeout') client.end().catch(() => {});
        });
      }
      return result;
    };
  });
  return pool;
}

function contentVersion(changes: ChangeFeed): () => Promise<number> {
  let unknown = 0;
  return async () => changes.current()?.content ?? --unknown;
}
