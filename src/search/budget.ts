/**
 * A time budget per search (docs/decisions/0014-search-budget.md). The caps on query operators
 * (src/domain/search-query.ts) and the LIMITs in src/search/keyword.ts bound a search's work by
 * construction; this is the net for what they did not foresee.
 *
 * - PostgreSQL: the search's statements run on a small pool of their own whose connections carry the
 *   budget as statement_timeout (Database.bounded), so one statement running past it is cancelled by the
 *   server. (A transaction with SET LOCAL held one connection for the whole search while its semantic part
 *   asked the main pool for another: ten concurrent searches waited on each other until the connect timeout.)
 * - Both engines: no statement starts once the budget is spent (a Kysely plugin checks the deadline
 *   before each one), so a search of many quick statements stops too. better-sqlite3 cannot interrupt a
 *   statement that has started; there, the caps and LIMITs are what bound one statement, and the event
 *   loop runs between statements (DeadlinePlugin).
 *
 * Either way the search ends with SearchTooSlow, which the page and the API answer with a 503 and a
 * message to simplify the query.
 */
import { type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import type { Database } from '../db/connection.ts';

/**
 * The time a search may take. A search takes tens of milliseconds at 100k papers (bench/search-speed.ts,
 * p99 under 100 ms on both engines), and the hostile queries of bench/hostile-search.ts stay under a
 * second once the caps hold; four seconds is far past both, and short of the point where a reader gives up
 * or a proxy's timeout answers for us. A statement is cut at this time, and none starts after it, so a
 * search ends within about twice this in the worst case.
 */
export const SEARCH_BUDGET_MS = 4000;

export const SEARCH_TOO_SLOW = 'The search took too long and was stopped: simplify the query (fewer words, filters or authors) and try again.';

export class SearchTooSlow extends Error {
  override name = 'SearchTooSlow';
  constructor() {
    super(SEARCH_TOO_SLOW);
  }
}

/** PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout (query_canceled). */
const QUERY_CANCELED = '57014';

/**
 * Refuses to start a statement once the deadline has passed. With `yieldAfter` (SQLite), lets the event
 * loop run after each statement: better-sqlite3 runs a statement synchronously, and Kysely chains a
 * search's statements through promises alone, so without it a whole search (dozens of statements for a
 * long query) held the event loop; with it, only its longest statement does.
 */
class DeadlinePlugin implements KyselyPlugin {
  constructor(private readonly deadline: number, private readonly yieldAfter: boolean) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (performance.now() > this.deadline) throw new SearchTooSlow();
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.yieldAfter) await new Promise((r) => setImmediate(r));
    return args.result;
  }
}

/** The database a budgeted one was made from (caches are kept per database, not per search). */
const bases = new WeakMap<Database, Database>();
export const baseDatabase = (database: Database): Database => bases.get(database) ?? database;

/**
 * Runs `fn` with a database whose statements are bounded by the budget; throws SearchTooSlow when the
 * budget runs out (a statement cancelled on PostgreSQL, or a statement about to start past it).
 */
export async function withSearchBudget<T>(database: Database, fn: (budgeted: Database) => Promise<T>, budgetMs = SEARCH_BUDGET_MS): Promise<T> {
  const base = baseDatabase(database);
  const deadline = performance.now() + budgetMs;
  const plugin = new DeadlinePlugin(deadline, database.engine === 'sqlite');
  // PostgreSQL: the statements go to a pool whose server-side statement_timeout is the budget (Database.bounded);
  // no transaction holds a connection between them, so the semantic part (which reads through the main pool)
  // cannot wait on a connection the search itself holds. SQLite: no transaction either (Kysely's one connection
  // would be held, and every other request wait, for the whole search).
  const budgeted: Database = { ...database, db: (database.bounded(Math.max(1, Math.ceil(budgetMs))) ?? database.db).withPlugin(plugin) };
  bases.set(budgeted, base);
  try {
    return await fn(budgeted);
  } catch (e) {
    if ((e as { code?: unknown }).code === QUERY_CANCELED) throw new SearchTooSlow();
    throw e;
  }
}
