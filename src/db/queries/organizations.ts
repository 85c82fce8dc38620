/**
 * Organizations as admins run them: create and edit (the `organizations` table, which also holds the
 * organizations Hugging Face imports bring), their members, and attaching papers to them. Every write
 * that changes what pages show bumps the data version, so cached pages are dropped.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.ts';
import { bumpDataVersion } from './papers.ts';

type Db = Kysely<DB>;

export interface OrganizationRow {
  id: number;
  name: string;
  fullname: string | null;
  avatarUrl: string | null;
  hfId: string | null;
  createdAt: string;
}

export interface OrganizationSummary extends OrganizationRow {
  members: number;
  papers: number;
}

const toRow = (r: { id: number; name: string; fullname: string | null; avatar_url: string | null; hf_id: string | null; created_at: string }): OrganizationRow => ({
  id: r.id, name: r.name, fullname: r.fullname, avatarUrl: r.avatar_url, hfId: r.hf_id, createdAt: r.created_at,
});

export async function findOrganization(db: Db, name: string): Promise<OrganizationRow | undefined> {
  const r = await db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
  return r && toRow(r);
}

/** Every organization with its counts of members and papers, by name; at most `limit`. */
export async function listOrganizations(db: Db, limit: number): Promise<OrganizationSummary[]> {
  const rows = await db
    .selectFrom('organizations as o')
    .selectAll('o')
    .select((eb) => [
      eb.selectFrom('organization_members as m').select((e) => e.fn.countAll<number>().as('n')).whereRef('m.organization_id', '=', 'o.id').as('members'),
      eb.selectFrom('papers as p').select((e) => e.fn.countAll<number>().as('n')).whereRef('p.organization_id', '=', 'o.id').as('papers'),
    ])
    .orderBy(sql`lower(o.name)`)
    .orderBy('o.name')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...toRow(r), members: Number(r.members ?? 0), papers: Number(r.papers ?? 0) }));
}

/** Creates an organization; false when the name is taken (letter case aside). */
export async function createOrganization(db: Db, o: { name: string; fullname: string | null; avatarUrl: string | null; now: Date }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const clash = await trx.selectFrom('organizations').select('id').where(sql`lower(name)`, '=', o.name.toLowerCase()).executeTakeFirst();
    if (clash) return false;
    const r = await trx
      .insertInto('organizations')
      .values({ name: o.name, fullname: o.fullname, avatar_url: o.avatarUrl, hf_id: null, created_at: o.now.toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!r) return false;
    await bumpDataVersion(trx);
    return true;
  });
}

/** Changes the display name and avatar (the name, which is the address, stays). */
export async function updateOrganization(db: Db, id: number, o: { fullname: string | null; avatarUrl: string | null }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('organizations').set({ fullname: o.fullname, avatar_url: o.avatarUrl }).where('id', '=', id).execute();
    await bumpDataVersion(trx);
  });
}

/** The members of an organization (accounts not deleted), by username. */
export async function membersOf(db: Db, organizationId: number): Promise<{ id: number; username: string }[]> {
  return db
    .selectFrom('organization_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.username'])
    .where('m.organization_id', '=', organizationId)
    .where('u.deleted_at', 'is', null)
    .orderBy('u.username')
    .execute();
}

/** Adds a member; false when they are one already. */
export async function addMember(db: Db, organizationId: number, userId: number, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .insertInto('organization_members')
      .values({ organization_id: organizationId, user_id: userId, created_at: now.toISOString() })
      .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doNothing())
      .returning('user_id')
      .executeTakeFirst();
    if (!r) return false;
    await bumpDataVersion(trx);
    return true;
  });
}

/** Removes a member; false when they were not one. */
export async function removeMember(db: Db, organizationId: number, userId: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx.deleteFrom('organization_members').where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) return false;
    await bumpDataVersion(trx);
    return true;
  });
}

/** The organizations a member belongs to, by name. */
export async function organizationsOfMember(db: Db, userId: number): Promise<{ id: number; name: string; fullname: string | null }[]> {
  return db
    .selectFrom('organization_members as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .select(['o.id', 'o.name', 'o.fullname'])
    .where('m.user_id', '=', userId)
    .orderBy('o.name')
    .execute();
}

export async function isMember(db: Db, organizationId: number, userId: number): Promise<boolean> {
  const r = await db.selectFrom('organization_members').select('user_id').where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst();
  return !!r;
}

/** The organization a paper is attached to now: undefined when there is no such paper, null when none. */
export async function paperOrganizationId(db: Db, paperId: string): Promise<number | null | undefined> {
  const r = await db.selectFrom('papers').select('organization_id').where('id', '=', paperId).executeTakeFirst();
  return r ? r.organization_id : undefined;
}

/** Attaches a paper to an organization, or detaches it (null); false when nothing changed. */
export async function setPaperOrganization(db: Db, paperId: string, organizationId: number | null): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('papers')
      .set({ organization_id: organizationId })
      .where('id', '=', paperId)
      .where(organizationId === null ? sql<boolean>`organization_id is not null` : sql<boolean>`(organization_id is null or organization_id <> ${organizationId})`)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await bumpDataVersion(trx);
    return true;
  });
}

/**
 * The ids of the organizations that every one of `names` names (each a short or full name, any case):
 * a search's org: filters, looked up once so that the search has one `organization_id in (…)` condition
 * (one subquery per name made PostgreSQL plan a join per name: docs/decisions/0014-search-budget.md).
 */
export async function organizationIdsNamedByAll(db: Db, names: readonly string[]): Promise<number[]> {
  if (names.length === 0) return [];
  const wanted = sql.join(names.map((n, i) => sql`select ${sql.lit(i)} as k, lower(${n}) as name`), sql` union all `);
  const rows = await sql<{ id: number; k: number }>`
    select o.id, n.k from organizations o join (${wanted}) n on lower(o.name) = n.name or lower(o.fullname) = n.name`.execute(db);
  const namedBy = new Map<number, Set<number>>();
  for (const r of rows.rows) {
    const id = Number(r.id);
    if (!namedBy.has(id)) namedBy.set(id, new Set());
    namedBy.get(id)!.add(Number(r.k));
  }
  return [...namedBy].filter(([, ks]) => ks.size === names.length).map(([id]) => id);
}
