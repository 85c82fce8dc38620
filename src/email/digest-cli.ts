/** `dailypapers digest`: what the command does and prints (src/cli.ts declares its options). */
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import type { Frequency } from '../domain/digest.ts';
import { openSemanticIndex } from '../search/semantic.ts';
import { runDigest } from './digest-run.ts';
import { createMailer } from './mailer.ts';
import { personalPicks } from './personal-picks.ts';
import { followedPapers } from '../notify/digest-section.ts';

export interface DigestCommandOptions {
  period: Frequency;
  date?: string;
  to?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** Runs the digest and prints its summary; the exit code: 0 done, 1 some mail is waiting for a retry. */
export async function digestCommand(config: Config, database: Database, opts: DigestCommandOptions, out: (line: string) => void = console.log): Promise<number> {
  const mailer = createMailer(database, config.mail);
  // Members' "Picked for you" needs the semantic index (none set up: no such section); its log lines go to stderr.
  const semantic = await openSemanticIndex(database, config, { log: (line) => console.error(line) });
  try {
    const r = await runDigest(database, {
      period: opts.period, ...(opts.date !== undefined ? { date: opts.date } : {}), ...(opts.to !== undefined ? { to: opts.to } : {}),
      dryRun: opts.dryRun ?? false, site: config.site, dailyDays: config.digest.dailyDays, mailer, extraSections: [personalPicks(semantic), followedPapers()],
    });
    if (r.skipped) {
      if (opts.json) out(JSON.stringify({ skipped: r.skipped }));
      else out(`no digest: ${r.skipped}`);
      return 0;
    }
    const p = r.period!;
    const what = `${p.frequency} digest ${p.key} (lists of ${p.range.from === p.range.to ? p.range.from : `${p.range.from} to ${p.range.to}`})`;
    if (opts.dryRun) {
      for (const line of r.plan ?? []) out(`${line.email}\t${line.papers.length} paper${line.papers.length === 1 ? '' : 's'}: ${line.papers.join(' ')}${line.alreadyQueued ? '\t(already enqueued: not again)' : ''}`);
    }
    const d = r.delivery;
    const summary = {
      period: p.frequency, key: p.key, subscribers: r.subscribers, enqueued: r.enqueued, alreadyQueued: r.alreadyQueued, empty: r.empty,
      ...(d ? { sent: d.sent, failed: d.failed, bounced: d.bounced, retrying: d.retrying, cancelled: d.cancelled, expired: d.expired, held: d.held } : {}),
      dryRun: opts.dryRun ?? false,
    };
    if (opts.json) out(JSON.stringify(summary));
    else {
      out(`${what}: ${r.subscribers} subscribers, ${opts.dryRun ? `${r.plan?.length ?? 0} would get a mail` : `${r.enqueued} enqueued`}, ${r.alreadyQueued} enqueued before, ${r.empty} with nothing matching their topics${opts.dryRun ? ' (dry run: nothing enqueued or sent)' : ''}`);
      if (d?.held) out('no SMTP_URL: the mail waits in the outbox (admins read it at /admin/outbox)');
      else if (d) out(`sent ${d.sent}, failed ${d.failed} (bounced ${d.bounced}), waiting for a retry ${d.retrying}, cancelled ${d.cancelled}, expired ${d.expired}`);
    }
    return d && d.retrying > 0 ? 1 : 0;
  } finally {
    mailer.close();
    await semantic?.close();
  }
}
