/**
 * `dailypapers digest` as separate processes against a real SMTP server, on both engines: killed with SIGKILL
 * halfway and run again, every subscriber gets exactly one mail; two processes running the same digest at
 * once send no duplicate.
 *
 * A mail counts as delivered when the server has answered 250 to it (as with any MTA). To kill the run with
 * mails in flight but outside the one window that cannot be closed (after the 250, before the row is marked
 * sent: docs/decisions/0009-email-delivery.md), the server stops answering new mails before the kill.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { runCli, startCli } from '../helpers/cli.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { seedPapers, seedSubscribers } from '../helpers/digest-data.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

const SUBSCRIBERS = 200;
const TOPICS = [
  'all' as const,
  { categories: ['cs.CL'], keywords: [], organizations: [] },
  { categories: [], keywords: ['diffusion'], organizations: [] },
  { categories: ['cs'], keywords: [], organizations: ['meta'] },
];

for (const engine of ENGINES) {
  describe(`digest runs as processes on ${engine}`, () => {
    let database: Database & { url: string };
    const emails = Array.from({ length: SUBSCRIBERS }, (_, i) => `reader${i}@example.org`);
    before(async () => {
      database = await openTestDatabase(engine);
      const papers = [];
      for (const day of ['2025-11-19', '2025-11-20']) {
        for (let i = 0; i < 12; i++) {
          papers.push({
            id: `2511.${day.slice(-2)}${String(i).padStart(3, '0')}`, title: i % 3 === 0 ? `Diffusion study ${i}` : `Paper ${i} of ${day}`,
            categories: ['cs.CL', 'cs.CV cs.LG', 'stat.ML'][i % 3]!, upvotes: 100 - i, day, ...(i % 4 === 0 ? { organization: 'meta' } : {}),
          });
        }
      }
      await seedPapers(database, papers);
      await seedSubscribers(database, emails.map((email, i) => ({ email, topics: TOPICS[i % TOPICS.length]!, maxPapers: 3 + (i % 5) })));
    });
    after(() => database.close());

    const env = (smtpUrl: string) => ({ DATABASE_URL: database.url, SMTP_URL: smtpUrl, PUBLIC_URL: 'http://papers.test', MAIL_FROM: 'Daily Papers <papers@papers.test>' });

    test('killed with SIGKILL halfway and run again: every subscriber gets exactly one mail', async () => {
      const sink = await startSmtpSink();
      try {
        const child = startCli(['digest', '--period', 'daily', '--date', '2025-11-20'], env(sink.url));
        let stderr = '';
        child.stderr!.on('data', (d) => (stderr += d));
        const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
        await sink.waitForCount(50, 30_000);
        sink.setStalled(true);
        await new Promise((r) => setTimeout(r, 400)); // mails already answered 250 get marked sent
        child.kill('SIGKILL');
        await exited;
        const first = sink.accepted.length;
        assert.ok(first >= 50 && first < SUBSCRIBERS, `${first} delivered before the kill`);
        const rows = await database.db.selectFrom('outbox').select(['status', 'claimed_by']).where('kind', '=', 'digest').execute();
        assert.equal(rows.filter((r) => r.status === 'sent').length, first, 'every accepted mail was marked sent');
        assert.ok(rows.some((r) => r.status === 'queued' && r.claimed_by !== null), 'the killed run held claimed rows');

        sink.setStalled(false);
        const again = await runCli(['digest', '--period', 'daily', '--date', '2025-11-20', '--json'], env(sink.url));
        assert.equal(again.code, 0, again.stderr + stderr);
        const summary = JSON.parse(again.stdout.trim().split('\n').at(-1)!);
        assert.equal(summary.enqueued, 0, 'the first run had enqueued them all');
        assert.equal(summary.sent, SUBSCRIBERS - first);
        const counts = sink.countByRecipient();
        for (const e of emails) assert.equal(counts.get(e), 1, `${e} got ${counts.get(e) ?? 0} mails`);
        assert.equal(sink.accepted.length, SUBSCRIBERS);
      } finally {
        await sink.close();
      }
    });

    test('two processes running the same digest at once send no duplicate', async () => {
      const sink = await startSmtpSink();
      try {
        const args = ['digest', '--period', 'daily', '--date', '2025-11-19', '--json'];
        const [a, b] = await Promise.all([runCli(args, env(sink.url)), runCli(args, env(sink.url))]);
        assert.equal(a.code, 0, a.stderr);
        assert.equal(b.code, 0, b.stderr);
        const [sa, sb] = [a, b].map((r) => JSON.parse(r.stdout.trim().split('\n').at(-1)!));
        assert.equal(sa.enqueued + sb.enqueued, SUBSCRIBERS, 'each digest enqueued once between them');
        assert.equal(sa.sent + sb.sent, SUBSCRIBERS);
        const counts = sink.countByRecipient();
        for (const e of emails) assert.equal(counts.get(e), 1, `${e} got ${counts.get(e) ?? 0} mails`);
        assert.equal(new Set(sink.accepted.map((m) => m.messageId)).size, SUBSCRIBERS);
      } finally {
        await sink.close();
      }
    });
  });
}
