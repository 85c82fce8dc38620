/**
 * Incremental embedding by a high-water mark (docs/decisions/0040-embedding-high-water-mark.md):
 *
 * - `papers.text_seq`: raised every time a paper is inserted or its embedded text (title, abstract: what
 *   every embedder reads) changes, by triggers, so that every writer (importers, harvest, CLI, web) is
 *   covered, older releases included. Indexed: the embedding job reads `text_seq > mark order by text_seq`.
 *   SQLite: a counter row in `site_state` (`text_seq`), raised by an after-trigger under the write lock.
 *   PostgreSQL: the sequence `papers_text_seq_values`, taken under a transaction-level advisory lock, so that seqs
 *   commit in the order they are handed out and a reader never sees a seq before a lower one that commits
 *   later (the cost: writers of papers' text commit one after another).
 * - `embedding_site.embedded_text_seq`: the mark: every paper with text_seq <= it has a vector of the
 *   site's model for its current text. A trigger sets it to 0 whenever the site's model changes (any
 *   writer, an older release's `embeddings use` included): everything is embedded again with the new model.
 *
 * Existing papers are numbered with those that already have a vector of the site's model first, and the
 * mark is set to their number: an upgraded site re-embeds nothing.
 */
import { sql } from 'kysely';
import type { Migration } from './index.ts';

/** The advisory lock key of papers' text_seq (any number, the same in every instance; not the migration lock's). */
export const TEXT_SEQ_LOCK_KEY = 7_231_976_033;

export const textSeq: Migration = {
  version: 33,
  name: 'text-seq',
  // An older release keeps working: its inserts and edits are numbered by the triggers, its `embeddings use`
  // resets the mark (trigger), and its anti-join embedding leaves the mark behind, which only costs work again.
  compatibleWith: 32,
  async up(db, { engine }) {
    await db.schema.alterTable('papers').addColumn('text_seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('embedding_site').addColumn('embedded_text_seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    // Papers with a vector of the site's model first (1..embedded), then the rest, each by id.
    await sql`
      update papers set text_seq = n.rn
      from (
        select p.id, row_number() over (order by case when e.paper_id is null then 1 else 0 end, p.id) as rn
        from papers p
        left join paper_embeddings e on e.paper_id = p.id and e.model = (select model from embedding_site where id = 1)
      ) n
      where n.id = papers.id`.execute(db);
    await sql`
      update embedding_site set embedded_text_seq =
        (select count(*) from paper_embeddings e where e.model = (select model from embedding_site where id = 1))`.execute(db);
    await db.schema.createIndex('papers_text_seq').on('papers').column('text_seq').execute();

    if (engine === 'sqlite') {
      await sql`insert into site_state (key, value) values ('text_seq', (select count(*) from papers))`.execute(db);
      const bump = `
        update site_state set value = value + 1 where key = 'text_seq';
        update papers set text_seq = (select value from site_state where key = 'text_seq') where id = new.id;`;
      // An update of text_seq alone fires neither trigger (nor the keyword index's: `update of title, authors, abstract`).
      await sql.raw(`create trigger papers_text_seq_insert after insert on papers begin ${bump} end`).execute(db);
      await sql.raw(`create trigger papers_text_seq_update after update of title, abstract on papers
        when old.title is not new.title or old.abstract is not new.abstract
        begin ${bump} end`).execute(db);
      await sql.raw(`create trigger embedding_site_model after update of model on embedding_site
        when old.model is not new.model
        begin update embedding_site set embedded_text_seq = 0 where id = new.id; end`).execute(db);
      return;
    }
    await sql`create sequence papers_text_seq_values as bigint`.execute(db);
    await sql`select setval('papers_text_seq_values', (select count(*) from papers) + 1, false)`.execute(db);
    // A before-trigger sets the row's value: no second write of the row. The lock is held to commit (or rollback).
    await sql.raw(`create function papers_text_seq() returns trigger language plpgsql as $$
      begin
        perform pg_advisory_xact_lock(${TEXT_SEQ_LOCK_KEY});
        new.text_seq := nextval('papers_text_seq_values');
        return new;
      end $$`).execute(db);
    await sql.raw(`create trigger papers_text_seq_insert before insert on papers for each row execute function papers_text_seq()`).execute(db);
    await sql.raw(`create trigger papers_text_seq_update before update of title, abstract on papers for each row
      when (old.title is distinct from new.title or old.abstract is distinct from new.abstract)
      execute function papers_text_seq()`).execute(db);
    await sql.raw(`create function embedding_site_model() returns trigger language plpgsql as $$
      begin
        new.embedded_text_seq := 0;
        return new;
      end $$`).execute(db);
    await sql.raw(`create trigger embedding_site_model before update of model on embedding_site for each row
      when (old.model is distinct from new.model)
      execute function embedding_site_model()`).execute(db);
  },
};
