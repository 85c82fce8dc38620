/**
 * The digest benchmark: N subscribers (default 10,000) with varied topics, a week of papers (synthetic, or
 * imported from a data path such as ../shared/data/hf-daily), and a daily digest run: enqueue (select, render,
 * insert) then delivery through a local SMTP sink in a child process that accepts and discards every mail.
 * Prints messages per second (delivery, and end to end), peak RSS, and RSS sampled over the run (flat
 * memory: subscribers are read and rendered in batches, the outbox is claimed in batches).
 *
 *   npm run bench:digest -- [--subscribers 10000] [--engine sqlite|postgres] [--data PATH] [--connections 10]
 *
 * Target: >= 200 messages/s delivered. Exit code 1 when missed. Run it when nothing else uses the CPU: it
 * prints the CPU other processes used meanwhile.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../tests/helpers/db.ts';
import { seedPapers, seedSubscribers, type SeedPaper } from '../tests/helpers/digest-data.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { addDays } from '../src/domain/dates.ts';
import type { TopicChoice } from '../src/domain/digest.ts';
import { deliverOutbox } from '../src/email/delivery.ts';
import { runDigest } from '../src/email/digest-run.ts';
import { createMailer } from '../src/email/mailer.ts';
import { importFiles, listInputFiles } from '../src/importers/import-files.ts';
import { latestListingDay } from '../src/db/queries/lists.ts';

const TARGET_PER_SECOND = 200;

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    engine: { type: 'string', default: 'sqlite' },
    data: { type: 'string' },
    connections: { type: 'string', default: '10' },
  },
});
const N = Number(values.subscribers);
const engine = values.engine === 'postgres' ? 'postgres' : 'sqlite';

function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3]! - cpu[4]!) / 100;
}
function cpuSecondsOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const CATEGORIES = ['cs.CL', 'cs.CV', 'cs.LG', 'cs.AI', 'stat.ML', 'cs.RO', 'eess.AS', 'math.OC'];
const WORDS = ['diffusion', 'transformer', 'agents', 'reasoning', 'retrieval', 'robotics', 'speech', 'alignment', 'benchmark', 'vision'];
const ORGS = ['meta', 'google', 'deepmind', 'nvidia', 'allenai'];

function syntheticPapers(lastDay: string): SeedPaper[] {
  const papers: SeedPaper[] = [];
  for (let d = 0; d < 7; d++) {
    const day = addDays(lastDay, -d);
    for (let i = 0; i < 50; i++) {
      const n = d * 50 + i;
      papers.push({
        id: `2511.${String(10000 + n)}`,
        title: `${WORDS[n % WORDS.length]![0]!.toUpperCase()}${WORDS[n % WORDS.length]!.slice(1)} at scale: a study of ${WORDS[(n * 7) % WORDS.length]} (${n})`,
        abstract: `We study ${WORDS[(n * 3) % WORDS.length]} and ${WORDS[(n * 5) % WORDS.length]}. `.repeat(12),
        categories: `${CATEGORIES[n % CATEGORIES.length]} ${CATEGORIES[(n + 3) % CATEGORIES.length]}`,
        upvotes: (n * 37) % 120, day, ...(n % 6 === 0 ? { organization: ORGS[n % ORGS.length]! } : {}),
      });
    }
  }
  return papers;
}

function topicsFor(i: number): TopicChoice {
  switch (i % 4) {
    case 0: return 'all';
    case 1: return { categories: [CATEGORIES[i % CATEGORIES.length]!, CATEGORIES[(i + 1) % CATEGORIES.length]!], keywords: [], organizations: [] };
    case 2: return { categories: [], keywords: [WORDS[i % WORDS.length]!, WORDS[(i + 4) % WORDS.length]!], organizations: [] };
    default: return { categories: ['cs'], keywords: [WORDS[i % WORDS.length]!], organizations: [ORGS[i % ORGS.length]!] };
  }
}

const mb = (b: number) => Math.round(b / 1e6);

const t = await createTestDatabase(engine);
const database = await openDatabase(t.config);
const sink = spawn(process.execPath, ['--import', 'tsx', '-e', `
  const { startSmtpSink } = await import(${JSON.stringify(path.resolve(import.meta.dirname, '../tests/helpers/smtp-sink.ts'))});
  const s = await startSmtpSink();
  console.log(s.port);
  process.stdin.on('data', () => console.log('count ' + s.accepted.length));
`], { stdio: ['pipe', 'pipe', 'inherit'] });
try {
  await migrate(database);
  const sinkPort = await new Promise<string>((resolve) => sink.stdout!.once('data', (d) => resolve(String(d).trim())));

  let digestDay = '2025-11-20'; // a Thursday
  if (values.data) {
    const r = await importFiles(database, await listInputFiles([values.data]));
    digestDay = (await latestListingDay(database.db)) ?? digestDay;
    console.log(`imported ${r.read} records from ${values.data}; digest of ${digestDay}`);
  } else {
    await seedPapers(database, syntheticPapers(digestDay));
  }
  await seedSubscribers(database, Array.from({ length: N }, (_, i) => ({ email: `reader${i}@example.org`, topics: topicsFor(i), maxPapers: [3, 5, 10, 20][i % 4]!, frequency: 'daily' as const })));
  // The digest day must be a daily digest day: use every weekday for a data set whose last list is a Friday.
  const dailyDays = [0, 1, 2, 3, 4, 5, 6];

  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 200);
  const busy0 = machineBusySeconds();
  const own0 = process.cpuUsage();
  const sinkCpu0 = cpuSecondsOf(sink.pid!);
  const site = { name: 'Daily Papers', curators: null, publicUrl: 'https://papers.example.org' };
  const start = performance.now();
  const enqueued = await runDigest(database, { period: 'daily', date: digestDay, site, dailyDays, now: new Date(`${digestDay}T23:30:00Z`) });
  const enqueueSeconds = (performance.now() - start) / 1000;
  const mailer = createMailer(database, { smtpUrl: `smtp://127.0.0.1:${sinkPort}`, from: 'Daily Papers <papers@papers.example.org>' });
  const d0 = performance.now();
  const dCpu0 = process.cpuUsage();
  const dSink0 = cpuSecondsOf(sink.pid!);
  const delivered = await deliverOutbox(database, mailer, { maxConnections: Number(values.connections), now: new Date(`${digestDay}T23:31:00Z`) });
  const deliverSeconds = (performance.now() - d0) / 1000;
  const dCpu = process.cpuUsage(dCpu0);
  const deliverCpu = (dCpu.user + dCpu.system) / 1e6;
  const deliverSinkCpu = cpuSecondsOf(sink.pid!) - dSink0;
  const total = (performance.now() - start) / 1000;
  mailer.close();
  clearInterval(sampler);
  const own = process.cpuUsage(own0);
  const ownCpu = (own.user + own.system) / 1e6;
  const sinkCpu = cpuSecondsOf(sink.pid!) - sinkCpu0;
  const otherCpu = Math.max(0, machineBusySeconds() - busy0 - ownCpu - sinkCpu);
  sink.stdin!.write('count\n');
  const accepted = await new Promise<string>((resolve) => sink.stdout!.once('data', (d) => resolve(String(d).trim())));
  const outboxBytes = await database.db.selectFrom('outbox').select((eb) => eb.fn.sum<number>(eb.fn('length', ['html_body'])).as('b')).executeTakeFirst();

  const perSecond = delivered.sent / deliverSeconds;
  console.log(`engine ${engine}; ${N} subscribers; digest of ${digestDay}; ${values.connections} SMTP connections (nodemailer pool)`);
  console.log(`enqueue: ${enqueued.enqueued} digests (${enqueued.empty} with nothing matching) in ${enqueueSeconds.toFixed(1)} s = ${Math.round(enqueued.enqueued / enqueueSeconds)} digests/s; ${mb(Number(outboxBytes?.b ?? 0))} MB of HTML in the outbox`);
  console.log(`deliver: ${delivered.sent} sent (${accepted.replace('count ', '')} accepted by the sink), ${delivered.retrying} retrying, ${delivered.failed} failed in ${deliverSeconds.toFixed(1)} s = ${Math.round(perSecond)} messages/s`);
  console.log(`deliver CPU: ${deliverCpu.toFixed(1)} s in this process (${Math.round(delivered.sent / deliverCpu)} messages per CPU-second: the rate with a core to itself), ${deliverSinkCpu.toFixed(1)} s in the sink`);
  console.log(`end to end: ${Math.round(delivered.sent / total)} messages/s (${total.toFixed(1)} s)`);
  console.log(`peak RSS ${mb(Math.max(...rss))} MB; RSS over the run (MB, every ${Math.max(1, Math.round(rss.length / 20))} samples of 0.2 s): ${rss.filter((_, i) => i % Math.max(1, Math.round(rss.length / 20)) === 0).map(mb).join(' ')}`);
  console.log(`CPU seconds: this process ${ownCpu.toFixed(1)}, SMTP sink ${sinkCpu.toFixed(1)}, other processes ${otherCpu.toFixed(1)} (over ${total.toFixed(0)} s on ${readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? '?'} cores)${otherCpu / total > 0.3 ? '  ← other processes used the CPU: the figures are disturbed' : ''}`);
  console.log(`target ≥ ${TARGET_PER_SECOND} messages/s: ${perSecond >= TARGET_PER_SECOND ? 'met' : 'MISSED'}`);
  process.exitCode = perSecond >= TARGET_PER_SECOND ? 0 : 1;
} finally {
  sink.kill();
  await database.close();
  await t.drop();
}
