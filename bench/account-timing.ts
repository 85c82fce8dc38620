/**
 * Whether /reset and /signup take the same time for an address with an account and one without
 * (docs/decisions/0015-account-hardening.md). `dailypapers serve` runs in a child process (as in production: the
 * client's work does not share its event loop) on a SQLite database in a temporary folder (or PostgreSQL), its
 * mail going to an SMTP server in this process that answers after `--relay-ms` (a relay across the internet takes
 * tens of milliseconds; `--no-relay` keeps mail in the outbox). Per form, known and unknown addresses alternate
 * after a warm-up; it prints the median and p90 answer time of each and their ratio. As the baseline of the same
 * run: what sending one mail inline (the mailer's `send`, as request paths did before) costs, against enqueuing it.
 *
 *   npx tsx bench/account-timing.ts [--requests 40] [--relay-ms 50] [--engine sqlite|postgres] [--no-relay]
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { hashPassword } from '../src/auth/crypto.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { createUser } from '../src/db/queries/users.ts';
import { createMailer } from '../src/email/mailer.ts';
import { createTestDatabase } from '../tests/helpers/db.ts';
import { freePort } from '../tests/helpers/cli.ts';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '40' }, 'relay-ms': { type: 'string', default: '50' }, engine: { type: 'string', default: 'sqlite' }, 'no-relay': { type: 'boolean', default: false } },
});
const N = Number(values.requests);
const RELAY_MS = Number(values['relay-ms']);
/** Requests of each kind run first and not counted (JIT, caches, the relay connection). */
const WARM_UP = 5;
/** The pause after each request, beyond the relay's time, for what it left to do (argon2, mail) to end. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 400);

const smtp = new SMTPServer({
  authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
  onData(stream, _s, cb) {
    stream.resume();
    stream.on('end', () => setTimeout(cb, RELAY_MS));
  },
});
await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;

const t = await createTestDatabase(values.engine as 'sqlite' | 'postgres');
const database = await openDatabase(t.config);
await migrate(database);
const hash = await hashPassword('a long passphrase');
for (let i = 0; i < N + WARM_UP; i++) await createUser(database.db, { username: `known-${i}`, email: `known-${i}@example.org`, passwordHash: hash });

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// TRUST_PROXY with a new X-Forwarded-For per request: the auth tier's rate limit counts each as another client.
const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../src/cli.ts'), 'serve'], {
  env: { ...process.env, DATABASE_URL: t.url, PORT: String(port), JOBS_ENABLED: 'false', TRUST_PROXY: 'true', ...(values['no-relay'] ? {} : { SMTP_URL: smtpUrl }) },
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (let i = 0; i < 200 && !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));

let client = 0;
async function timedPost(form: string, fields: Record<string, string>): Promise<number> {
  const ip = `10.${(++client >> 16) & 255}.${(client >> 8) & 255}.${client & 255}`;
  const page = await fetch(base + form, { headers: { 'x-forwarded-for': ip } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const start = performance.now();
  const res = await fetch(base + form, {
    method: 'POST', redirect: 'manual',
    headers: { cookie, 'x-forwarded-for': ip, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });
  await res.arrayBuffer();
  const ms = performance.now() - start;
  // What the request left to do (the lookup, the token, sending the mail) ends before the next request.
  await new Promise((r) => setTimeout(r, RELAY_MS + SETTLE_MS));
  return ms;
}

const stats = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p90: s[Math.floor(s.length * 0.9)]! };
};
async function compare(form: string, known: (i: number) => Record<string, string>, unknown: (i: number) => Record<string, string>) {
  const k: number[] = [];
  const u: number[] = [];
  for (let i = 0; i < N + WARM_UP; i++) {
    const a = await timedPost(form, known(i));
    const b = await timedPost(form, unknown(i));
    if (i >= WARM_UP) (k.push(a), u.push(b));
  }
  const [ks, us] = [stats(k), stats(u)];
  console.log(`${form.padEnd(8)} known median ${ks.median.toFixed(1)} ms p90 ${ks.p90.toFixed(1)} | unknown median ${us.median.toFixed(1)} ms p90 ${us.p90.toFixed(1)} | known/unknown ${(ks.median / us.median).toFixed(2)}`);
}

console.log(`${N} requests each (after ${WARM_UP} of warm-up), ${values.engine}, ${values['no-relay'] ? 'no relay (outbox only)' : `relay answers after ${RELAY_MS} ms`}`);
await compare('/reset', (i) => ({ email: `known-${i}@example.org` }), (i) => ({ email: `nobody-${i}@example.org` }));
await compare('/signup', (i) => ({ username: `again-${i}`, email: `known-${i}@example.org`, password: 'a long passphrase' }), (i) => ({ username: `new-${i}`, email: `new-${i}@example.org`, password: 'a long passphrase' }));
child.kill('SIGTERM');

// Baseline: one mail sent inline, as request paths did before, against enqueued.
const mailer = createMailer(database, { smtpUrl, from: 'Bench <bench@papers.test>' });
const inline: number[] = [];
const queued: number[] = [];
for (let i = 0; i < N; i++) {
  const mail = { to: `known-${i}@example.org`, subject: 'Reset', text: 'link' };
  let start = performance.now();
  await mailer.send(mail);
  inline.push(performance.now() - start);
  start = performance.now();
  await mailer.sendInBackground(mail);
  queued.push(performance.now() - start);
  await mailer.idle();
}
console.log(`one mail: sent inline median ${stats(inline).median.toFixed(1)} ms (the old request path) | enqueued median ${stats(queued).median.toFixed(1)} ms (the new one)`);
mailer.close();
smtp.close();
await database.close();
await t.drop();
