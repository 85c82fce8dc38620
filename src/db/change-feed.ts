/**
 * How a process learns, without a round trip per request, that the data pages show has changed
 * (docs/decisions/0018-cache-scopes-and-notifications.md). Writers raise the version of a scope
 * (src/db/queries/papers.ts bumpDataVersion): `content` for anything a page shows, `votes` for upvote
 * counts only. This feed keeps one counter per scope in memory, raised each time it sees that scope
 * change, whoever made the change (this process, another instance, a CLI import):
 *
 * - SQLite: the scope rows of site_state, read on each call through one statement prepared once
 *   (a few microseconds: the file is local and every process sees every commit).
 * - PostgreSQL: one dedicated client LISTENs on CHANGE_CHANNEL (writers NOTIFY it in their transaction,
 *   so it is delivered when they commit). The durable versions (sequences) are re-read when the client
 *   (re)connects, every SAFETY_INTERVAL_MS, and by the first reader after a write of this process
 *   (noteLocalWrite), which so sees that write at once instead of a few milliseconds later by notification.
 *   While the client is down the feed cannot vouch for anything: current() is null and caches are bypassed.
 */
import type SQLite from 'better-sqlite3';
import pg from 'pg';

export const SCOPES = ['content', 'votes'] as const;
export type Scope = (typeof SCOPES)[number];
export type Versions = Record<Scope, number>;

/** The PostgreSQL channel writers NOTIFY, with `SCOPE:VERSION` as payload (the value their bump took). */
export const CHANGE_CHANNEL = 'dailypapers_changes';
/** Where each scope's durable version is kept: a site_state row on SQLite, a sequence on PostgreSQL. */
export const SQLITE_VERSION_KEYS: Record<Scope, string> = { content: 'data_version', votes: 'votes_version' };
export const POSTGRES_VERSION_SEQUENCES: Record<Scope, string> = { content: 'data_version_content', votes: 'data_version_votes' };
/** The listener's name in pg_stat_activity (operators, and tests that cut it). */
export const LISTENER_APPLICATION_NAME = 'dailypapers-change-listener';

/**
 * How often the listener re-reads the durable versions and proves that its connection is alive. A
 * connection that died silently (no RST) is noticed within this time plus LISTENER_QUERY_TIMEOUT_MS;
 * a NOTIFY cannot be lost on a live one, so this only bounds that rare case. 30 s: one tiny query per
 * instance, and a bound that stays below the 60 s that browsers may keep a page anyway (CACHE_CONTROL).
 */
export const SAFETY_INTERVAL_MS = 30_000;
/** The longest the listener waits to connect or for one of its queries before it counts as dropped. */
export const LISTENER_QUERY_TIMEOUT_MS = 5_000;
/** Reconnect delays: the first retry is quick (a terminated backend), then doubles up to the cap (a server down). */
export const RECONNECT_MIN_MS = 200;
export const RECONNECT_MAX_MS = 30_000;

export interface ChangeFeed {
  /**
   * The versions as this process knows them, without a round trip (raised on every change seen, never
   * compared across processes); null when they must be checked first (settle) or cannot be vouched for
   * (PostgreSQL's listener is down): do not serve from a cache then.
   */
  current(): Versions | null;
  /**
   * Resolves once current() reflects every change committed before the call (PostgreSQL: one query, after
   * the listener's connection attempt in progress if any), or at once when the feed is down. For a reader
   * that found current() null.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

let localWrites = 0;
/**
 * Called by bumpDataVersion: this process changed something. The next reader on PostgreSQL re-reads the
 * durable versions before it trusts its counters (any database of the process: a spare query at worst).
 */
export function noteLocalWrite(): void {
  localWrites++;
}

/**
 * The counters, raised when a scope's durable version is seen to differ (`moved`) from the last one seen.
 * SQLite: any difference (a rolled-back write read from inside its transaction goes back down). PostgreSQL:
 * only a higher one, as sequences never go back and notifications carry the value they announce.
 */
function tracker(moved: (now: number, before: number | undefined) => boolean) {
  const local: Versions = { content: 0, votes: 0 };
  const seen: Partial<Versions> = {};
  return {
    local,
    observe(durable: Partial<Versions>): void {
      for (const s of SCOPES) {
        if (durable[s] === undefined || !moved(durable[s], seen[s])) continue;
        local[s]++;
        seen[s] = durable[s];
      }
    },
    /** A notified change always counts (its transaction may have taken its number before one already seen). */
    notified(scope: Scope, value: number): void {
      local[scope]++;
      seen[scope] = Math.max(seen[scope] ?? 0, value);
    },
    raiseAll(): void {
      for (const s of SCOPES) local[s]++;
    },
  };
}

export function sqliteChangeFeed(sqlite: SQLite.Database): ChangeFeed {
  const versions = tracker((now, before) => now !== before);
  const keys = Object.fromEntries(SCOPES.map((s) => [SQLITE_VERSION_KEYS[s], s])) as Record<string, Scope>;
  let statement: SQLite.Statement<unknown[], { key: string; value: number }> | undefined;
  return {
    current() {
      statement ??= sqlite.prepare(`select key, value from site_state where key in (${SCOPES.map(() => '?').join(', ')})`);
      const durable: Partial<Versions> = {};
      for (const r of statement.all(...SCOPES.map((s) => SQLITE_VERSION_KEYS[s]))) durable[keys[r.key]!] = Number(r.value);
      versions.observe(durable);
      return { ...versions.local };
    },
    settle: async () => {},
    close: async () => {},
  };
}

const DURABLE_SQL = `select ${SCOPES.map(
  (s) => `(select case when is_called then last_value else 0 end from ${POSTGRES_VERSION_SEQUENCES[s]}) as ${s}`,
).join(', ')}`;

export function postgresChangeFeed(url: string, log: (message: string) => void = (m) => console.error(m)): ChangeFeed {
  const versions = tracker((now, before) => before === undefined || now > before);
  let client: pg.Client | null = null;
  let healthy = false;
  let closed = false;
  let delay = RECONNECT_MIN_MS;
  let reconnect: NodeJS.Timeout | undefined;
  let safety: NodeJS.Timeout | undefined;
  let lostLogged = false;
  let connecting: Promise<void> | null = null;
  let localSeen = localWrites;
  let settling: { target: number; done: Promise<void> } | null = null;

  const readDurable = async (c: pg.Client) => {
    const row = (await c.query<Record<Scope, string>>(DURABLE_SQL)).rows[0]!;
    versions.observe(Object.fromEntries(SCOPES.map((s) => [s, Number(row[s])])));
  };

  const drop = (c: pg.Client, why: string) => {
    if (c !== client) return;
    client = null;
    healthy = false;
    clearInterval(safety);
    c.end().catch(() => {});
    if (closed) return;
    if (!lostLogged) log(`change listener: ${why}; page caches are bypassed until it reconnects (retrying)`);
    lostLogged = true;
    reconnect = setTimeout(connect, delay);
    reconnect.unref();
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  };

  function connect(): void {
    if (closed || client) return;
    const c = new pg.Client({
      connectionString: url, keepAlive: true, application_name: LISTENER_APPLICATION_NAME,
      connectionTimeoutMillis: LISTENER_QUERY_TIMEOUT_MS, query_timeout: LISTENER_QUERY_TIMEOUT_MS,
    });
    client = c;
    c.on('error', (e) => drop(c, `connection lost (${e.message})`));
    c.on('end', () => drop(c, 'connection ended'));
    c.on('notification', (m) => {
      const [name, value] = (m.payload ?? '').split(':');
      const scope = SCOPES.find((s) => s === name);
      if (scope) versions.notified(scope, Number(value) || 0);
      else versions.raiseAll();
    });
    connecting = (async () => {
      await c.connect();
      await c.query(`LISTEN ${CHANGE_CHANNEL}`);
      const writes = localWrites;
      await readDurable(c);
      if (c !== client) return;
      // This process's writes before that read are in it (a settle() that failed with the old connection is not
      // waited for: the cache would stay off until this process wrote again).
      localSeen = Math.max(localSeen, writes);
      // Whatever happened while nobody listened is unknown: every scope counts as changed.
      versions.raiseAll();
      healthy = true;
      delay = RECONNECT_MIN_MS;
      if (lostLogged) log('change listener: reconnected; page caches are in use again');
      lostLogged = false;
      safety = setInterval(() => void readDurable(c).catch((e: Error) => drop(c, `safety check failed (${e.message})`)), SAFETY_INTERVAL_MS);
      safety.unref();
    })()
      .catch((e: Error) => drop(c, `cannot listen (${e.message})`))
      .finally(() => (connecting = null));
  }

  return {
    current() {
      if (!client && !reconnect && !closed) connect(); // started by the first reader: CLI commands never open it
      return healthy && localSeen === localWrites ? { ...versions.local } : null;
    },
    async settle() {
      if (connecting) await connecting;
      const c = client;
      if (!healthy || !c) return;
      const target = localWrites;
      const read = () =>
        readDurable(c).then(
          () => void (localSeen = Math.max(localSeen, target)),
          (e: Error) => drop(c, `cannot read the versions (${e.message})`),
        );
      const s = settling?.target === target ? settling : (settling = { target, done: read() });
      await s.done;
      // A read that failed is not kept: the next settle() reads again.
      if (settling === s && localSeen < target) settling = null;
    },
    async close() {
      closed = true;
      clearTimeout(reconnect);
      clearInterval(safety);
      const c = client;
      client = null;
      healthy = false;
      await c?.end().catch(() => {});
    },
  };
}
