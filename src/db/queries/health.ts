/** Readiness: the cheapest statement that proves the database answers (no table, no counting). */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.ts';

export async function ping(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}
