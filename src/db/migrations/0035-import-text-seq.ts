/**
 * Imports number their new papers' text_seq themselves on SQLite (docs/decisions/0042-fast-import.md).
 * Migration 33's insert trigger raised the counter and then wrote each new row a second time to set its
 * text_seq. It now fires only for a row inserted with text_seq 0 (the default: every other writer, older
 * releases included); the importer, which holds the write lock, reads the counter once a batch, gives its
 * new rows the next values in insertion order and raises the counter by their number, as the trigger would.
 * PostgreSQL is unchanged: its before-insert trigger sets the value without a second write.
 */
import { sql } from 'kysely';
import type { Migration } from './index.ts';

export const importTextSeq: Migration = {
  version: 35,
  name: 'import-text-seq',
  // An older release inserts with text_seq 0: the trigger still numbers its rows.
  compatibleWith: 34,
  async up(db, { engine }) {
    if (engine !== 'sqlite') return;
    // Applied before 33 (an upgrade test does that): 33 creates its own trigger, which numbers every new row, as before.
    const has = await sql<{ n: number }>`select count(*) as n from pragma_table_info('papers') where name = 'text_seq'`.execute(db);
    if (Number(has.rows[0]?.n ?? 0) === 0) return;
    await sql`drop trigger if exists papers_text_seq_insert`.execute(db);
    await sql.raw(`create trigger papers_text_seq_insert after insert on papers when new.text_seq = 0 begin
        update site_state set value = value + 1 where key = 'text_seq';
        update papers set text_seq = (select value from site_state where key = 'text_seq') where id = new.id;
      end`).execute(db);
  },
};
