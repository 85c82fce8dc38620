/**
 * One place that says which errors mean "the database cannot serve right now" (a dropped or refused
 * connection, a timeout, a full or read-only disk) rather than a bug. Requests answer those with 503 and
 * Retry-After (src/http/app.ts), the CLI with one line and exit 1 (src/cli.ts), /healthz with 503.
 */

export type FaultKind = 'unavailable' | 'timeout' | 'disk-full' | 'read-only';

export interface DatabaseFault {
  kind: FaultKind;
  /** For the operator's log: what happened, in one line (the driver's message and code). */
  detail: string;
}

/** PostgreSQL SQLSTATE classes and codes that mean the server or the connection, not the query. */
const PG_UNAVAILABLE_CLASSES = ['08', '57P', '53']; // connection exception; operator intervention (shutdown, terminate); insufficient resources
const PG_DISK_FULL = '53100';
const PG_TIMEOUT_CODES = new Set(['57014', '25P03', '55P03']); // statement_timeout; idle_in_transaction_session_timeout; lock_timeout

/** Errors of the pg driver and of Node's sockets that carry no SQLSTATE. */
const PG_CLIENT_MESSAGES = [
  /^Connection terminated/,
  /^Query read timeout$/,
  /timeout exceeded when trying to connect/,
  /is not queryable/,
  /^Client was closed/,
  /cannot connect to PostgreSQL/,
];
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** better-sqlite3's codes (`SQLITE_IOERR_WRITE` and other extended codes start with the primary one). */
const SQLITE_KINDS: [prefix: string, kind: FaultKind][] = [
  ['SQLITE_FULL', 'disk-full'],
  ['SQLITE_READONLY', 'read-only'],
  ['SQLITE_BUSY', 'timeout'],
  ['SQLITE_LOCKED', 'timeout'],
  ['SQLITE_IOERR', 'unavailable'],
  ['SQLITE_CANTOPEN', 'unavailable'],
];

/** The fault an error stands for, or null when it is something else (a bug, a constraint, bad SQL). */
export function databaseFault(e: unknown): DatabaseFault | null {
  if (!(e instanceof Error)) return null;
  const raw = (e as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : '';
  const detail = code ? `${e.message} (${code})` : e.message;
  if (code.startsWith('SQLITE_')) {
    const hit = SQLITE_KINDS.find(([prefix]) => code.startsWith(prefix));
    return hit ? { kind: hit[1], detail } : null;
  }
  if (PG_TIMEOUT_CODES.has(code) || e.message === 'Query read timeout' || /timeout exceeded when trying to connect|connection timeout/i.test(e.message)) {
    return { kind: 'timeout', detail };
  }
  if (code === PG_DISK_FULL) return { kind: 'disk-full', detail };
  if (/^[0-9A-Z]{5}$/.test(code) && PG_UNAVAILABLE_CLASSES.some((p) => code.startsWith(p))) return { kind: 'unavailable', detail };
  if (SOCKET_CODES.has(code) || PG_CLIENT_MESSAGES.some((re) => re.test(e.message))) return { kind: 'unavailable', detail };
  // Errors wrapped by another (AggregateError of a connect to several addresses, `cause`).
  const inner = (e as { cause?: unknown }).cause ?? (e instanceof AggregateError ? e.errors[0] : undefined);
  return inner ? databaseFault(inner) : null;
}

/** Seconds a client is asked to wait before trying again (Retry-After), per kind. */
export const RETRY_AFTER_SECONDS: Record<FaultKind, number> = {
  // A restart or a failover of PostgreSQL takes seconds; the pool reconnects on the next request.
  unavailable: 5,
  timeout: 5,
  // A full or read-only disk needs an operator: asking again within the minute is pointless.
  'disk-full': 60,
  'read-only': 60,
};

/** What a visitor is told (no operator instructions, nothing about the server's insides). */
export const VISITOR_MESSAGE: Record<FaultKind, string> = {
  unavailable: 'The database is unavailable for a moment. Please try again shortly.',
  timeout: 'The server is too busy to answer right now. Please try again shortly.',
  'disk-full': "The server's disk is full: nothing can be saved for now. Please try again later.",
  'read-only': 'The site is read-only for now: nothing can be saved. Please try again later.',
};

/** What the operator is told to do, after the detail. */
export const OPERATOR_HINT: Record<FaultKind, string> = {
  unavailable: 'check that the database server is up and reachable (DATABASE_URL); the pool reconnects by itself',
  timeout: 'a query ran past its budget (DATABASE_STATEMENT_TIMEOUT_SECONDS) or waited for a lock: check the database load and long transactions',
  'disk-full': 'free space on the disk of the database (or raise its quota); writes resume by themselves',
  'read-only': 'the database file or its folder is not writable by this process: check permissions and the mount',
};
