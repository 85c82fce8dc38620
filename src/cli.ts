/**
 * The `dailypapers` command: serve | migrate | import. Exit codes: 0 success, 1 failure (a file
 * rejected, the database unreachable), 2 usage error (bad arguments or configuration).
 */
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { hashPassword, newToken } from './auth/crypto.ts';
import { randomBytes } from 'node:crypto';
import { createUser, DuplicateUserError, listUsers, setRole } from './db/queries/users.ts';
import { usernameTaken } from './db/queries/oauth.ts';
import { freeUsername } from './domain/usernames.ts';
import { setupLinkIfNoAdmin } from './http/handlers/setup.ts';
import type { Role } from './db/schema.ts';
import { emailProblem, normalizeEmail, passwordProblem, SETUP_TOKEN_HOURS, usernameProblem } from './domain/accounts.ts';
import cliProgress from 'cli-progress';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { DatabaseBusyError, DatabaseError, openDatabase, type Database } from './db/connection.ts';
import { migrate, SchemaTooNewError } from './db/migrate.ts';
import { databaseFault, OPERATOR_HINT } from './db/errors.ts';
import { startServer } from './http/server.ts';
import { FORMATS, type Format } from './importers/formats.ts';
import { importFiles, listInputFiles } from './importers/import-files.ts';
import { finishInterruptedImports, IMPORT_LEASE_MS, type FinishedRun } from './importers/staged.ts';
import { SHUTDOWN_GRACE_MS } from './domain/jobs.ts';
import { registerJobsCommands } from './jobs/cli.ts';
import { registerImagesCommands } from './images/cli.ts';
import { registerFullTextCommands } from './fulltext/cli.ts';
import { registerSummariesCommands } from './summaries/cli.ts';
import { registerHarvestCommands } from './harvest/cli.ts';
import { registerLlmCommands } from './llm/cli.ts';
import { jobDefinitions } from './jobs/registry.ts';
import { Scheduler } from './jobs/scheduler.ts';
import { firstHarvestIfEmpty } from './jobs/first-harvest.ts';
import { digestCommand, type DigestCommandOptions } from './email/digest-cli.ts';
import { DigestError } from './email/digest-run.ts';
import { registerEmbeddingsCommands } from './search/cli-embeddings.ts';
import { openSemanticIndex } from './search/semantic.ts';
import { EmbedderError } from './search/embedders/types.ts';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createLogger } from './ops/log.ts';
import { Metrics } from './ops/metrics.ts';
import { drainable } from './ops/shutdown.ts';
import { ServeError } from './ops/errors.ts';
import { backupAdvice, backupSqlite, BackupError } from './ops/backup.ts';

class UsageError extends Error {}

async function withDatabase<T>(fn: (config: Config, database: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase(config.database, config.databaseBudgets.cli);
  try {
    await migrateAndSay(database);
    return await fn(config, database);
  } finally {
    await database.close();
  }
}

/**
 * Migrates, saying what a long migration does before it runs; on a database a newer release migrated compatibly,
 * says so (migrate refuses an incompatible one).
 */
async function migrateAndSay(database: Database) {
  const r = await migrate(database, undefined, (line) => console.error(`dailypapers: ${line}`));
  if (r.version > r.codeVersion) {
    console.error(`dailypapers: the database is at schema version ${r.version}, migrated by a newer release; this release (schema ${r.codeVersion}) runs on it because the newer migrations are compatible with it`);
  }
  return r;
}

function reportFinished(runs: FinishedRun[]): void {
  for (const r of runs) console.error(`finished the interrupted import of ${r.file}: new ${r.new}, updated ${r.updated}, unchanged ${r.unchanged}`);
}

const program = new Command()
  .name('dailypapers')
  .description('Daily Papers: a self-hosted site where a research community finds, curates and discusses new papers.')
  .showHelpAfterError()
  // package.json is one folder up from both src/cli.ts and dist/cli.js.
  .version((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version, '-V, --version', 'print the version')
  .exitOverride();

program
  .command('serve')
  .description('migrate the database, then serve the site on HOST:PORT (default 127.0.0.1:3000)')
  .action(async () => {
    const config = loadConfig();
    // Migrations may build indexes for minutes: they run under the commands' budget, the site under its own.
    const migrating = await openDatabase(config.database, config.databaseBudgets.cli);
    try {
      await migrateAndSay(migrating);
    } finally {
      await migrating.close();
    }
    const database = await openDatabase(config.database, config.databaseBudgets.web);
    // Background jobs (src/jobs): their rows are written even when this instance does not run them, for /admin/jobs.
    // One semantic index for the pages and the jobs (digests' personal picks, saved-search alerts); null when none is set up.
    // It follows the database (decision 0023): a model trained while serving turns semantic search on, no restart.
    const semantic = await openSemanticIndex(database, config, { followMs: config.embeddings.followMs ?? 5000 });
    const jobs = jobDefinitions(config, { database, semantic });
    // The request log and /metrics (src/ops; docs/decisions/0022-operations.md).
    const log = createLogger({ level: config.observability.logLevel });
    const metrics = config.observability.metrics.enabled ? new Metrics(database) : null;
    const scheduler = new Scheduler({
      database, jobs, timezone: config.jobs.timezone, tickMs: config.jobs.tickMs, scheduleRefreshMs: config.jobs.scheduleRefreshMs,
      ...(metrics ? { onRun: (r) => metrics.jobRuns.inc({ job: r.name, outcome: r.status }) } : {}),
    });
    await scheduler.sync();
    // While the site has no admin, the operator (and only they: it is in this log) gets a one-time link to make one.
    const setupLink = await setupLinkIfNoAdmin(database, config.site.publicUrl);
    if (setupLink) {
      console.log(`This site has no admin yet. Open this one-time link within ${SETUP_TOKEN_HOURS} hours to become it (sign up there, or log in first): ${setupLink}`);
      console.log('Or make one with: dailypapers users create --email YOU@EXAMPLE.ORG --admin');
    }
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(config, database, { jobs, semantic, log, metrics, metricsToken: config.observability.metrics.token });
    } catch (e) {
      await database.close();
      throw e;
    }
    const http = drainable(server as Server);
    // An import cut short (a killed `dailypapers import`) is finished in the background: at start, then once a lease.
    const finishImports = () => finishInterruptedImports(database).then(reportFinished, (e: Error) => console.error(`finishing an interrupted import: ${e.message}`));
    void finishImports();
    const importWatch = setInterval(() => void finishImports(), IMPORT_LEASE_MS);
    const where = config.database.engine === 'sqlite' ? config.database.path : 'PostgreSQL';
    console.log(`Daily Papers on http://${config.host}:${config.port} (database: ${where}; background jobs ${config.jobs.enabled ? 'on' : 'off (JOBS_ENABLED=false)'})`);
    if (database.engine === 'sqlite' && !database.rankWithIdf) {
      console.log('Keyword ranking without bm25_idf (build/ has no compiled native/bm25-idf.c): searches are slower past ~100k papers. Install a C compiler (Debian: apt-get install gcc), then run: node scripts/build-native.mjs');
    }
    const firstHarvest = new AbortController();
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      firstHarvest.abort();
      clearInterval(importWatch);
      // Stop taking requests and claiming jobs: requests under way get DRAIN_TIMEOUT_MS (src/ops/shutdown.ts),
      // running jobs SHUTDOWN_GRACE_MS, then their leases are released; then the database is closed.
      if (http.inFlight() > 0) console.log(`stopping: waiting for ${http.inFlight()} request(s) under way`);
      const closed = http.drain();
      void Promise.all([scheduler.stop(SHUTDOWN_GRACE_MS).catch((e) => console.error(`stopping background jobs: ${(e as Error).message}`)), closed])
        .then(() => database.close())
        .finally(() => process.exit(0));
      // Connections that linger (keep-alive) must not hold the process forever.
      setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS + 5000).unref();
    };
    // Handled from the moment the server answers: a SIGTERM while the scheduler starts still stops cleanly.
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // A SIGTERM during the start closes the database under it: that failure is the stop, not an error.
    if (config.jobs.enabled) await scheduler.start().catch((e) => { if (!stopping) throw e; });
    // A new site (no papers): the first harvest now rather than at its slot; in the background, stopped with the server.
    if (config.jobs.enabled && !stopping) {
      void firstHarvestIfEmpty(database, config, jobs, { signal: firstHarvest.signal, log: (line) => console.log(line) })
        .catch((e: Error) => firstHarvest.signal.aborted || console.error(`first harvest: ${e.message}`));
    }
  });

program
  .command('migrate')
  .description('apply pending database migrations and print the schema version')
  .action(async () => {
    const config = loadConfig();
    const database = await openDatabase(config.database, config.databaseBudgets.cli);
    try {
      const r = await migrateAndSay(database);
      for (const m of r.applied) console.log(`applied ${m.version} ${m.name}`);
      console.log(`schema version ${r.version}${r.applied.length === 0 ? ' (up to date)' : ''}`);
    } finally {
      await database.close();
    }
  });

program
  .command('import')
  .description('import papers from files or folders (format detected by content); each file is all or nothing')
  .argument('<paths...>', 'files or folders to import')
  .addOption(new Option('--format <format>', 'the input format').choices(['auto', ...FORMATS]).default('auto'))
  .option('--json', 'print the summary as one JSON object on the last line of stdout')
  .action(async (paths: string[], opts: { format: Format | 'auto'; json?: boolean }) => {
    let files: string[];
    try {
      files = await listInputFiles(paths);
    } catch (e) {
      throw new UsageError(`cannot read ${(e as NodeJS.ErrnoException).path ?? paths.join(' ')}: ${(e as Error).message}`);
    }
    const result = await withDatabase(async (_config, database) => {
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar(
            { stream: process.stderr, format: 'importing [{bar}] {percentage}% | {value}/{total} MB | ETA {eta_formatted}' },
            cliProgress.Presets.shades_classic,
          )
        : null;
      const mb = (b: number) => Math.round(b / 1e5) / 10;
      reportFinished(await finishInterruptedImports(database));
      bar?.start(1, 0);
      try {
        return await importFiles(database, files, {
          format: opts.format,
          onProgress: (done, total) => {
            bar?.setTotal(mb(total));
            bar?.update(mb(done));
          },
          onRejected: (r) => {
            bar?.stop();
            console.error(`rejected ${r.file}: ${r.reason}`);
          },
        });
      } finally {
        bar?.stop();
      }
    });
    const { rejections, ...summary } = result;
    if (opts.json) console.log(JSON.stringify(summary));
    else {
      console.log(
        `read ${summary.read}, new ${summary.new}, updated ${summary.updated}, unchanged ${summary.unchanged}, ` +
          `rejected ${summary.rejected} file${summary.rejected === 1 ? '' : 's'} (of ${files.length})`,
      );
    }
    process.exitCode = rejections.length > 0 ? 1 : 0;
  });

program
  .command('digest')
  .description('enqueue the email digest of a period for every active subscriber of that frequency (or one), then send it; each subscriber gets it once however often it runs')
  .addOption(new Option('--period <period>', 'which digest').choices(['daily', 'weekly']).default('daily'))
  .option('--date <day>', 'a day in the period, YYYY-MM-DD (default: today in US Eastern time; yesterday for weekly)')
  .option('--to <email>', 'only this (active) subscriber')
  .option('--dry-run', 'print who would get which papers; enqueue and send nothing')
  .option('--json', 'print the summary as one JSON object on the last line of stdout')
  .action(async (opts: DigestCommandOptions) => {
    try {
      process.exitCode = await withDatabase((config, database) => digestCommand(config, database, opts));
    } catch (e) {
      if (e instanceof DigestError) throw new UsageError(e.message);
      throw e;
    }
  });

const ROLES = ['member', 'editor', 'moderator', 'admin'] as const;
const users = program.command('users').description('manage member accounts (operators)');

users
  .command('create')
  .description('create an account with a confirmed email; prints a generated password unless --password is given')
  .requiredOption('--email <email>', 'the email address')
  .option('--username <name>', 'the username (default: from the email address)')
  .option('--password <password>', 'the password (default: a random one, printed once)')
  .addOption(new Option('--role <role>', 'the role').choices(ROLES).default('member'))
  .option('--admin', 'shorthand for --role admin')
  .action(async (opts: { email: string; username?: string; password?: string; role: Role; admin?: boolean }) => {
    const email = normalizeEmail(opts.email);
    const password = opts.password ?? newToken().slice(0, 20);
    const nameProblem = opts.username === undefined ? null : usernameProblem(opts.username);
    const problem = emailProblem(email) ?? (nameProblem && `username "${opts.username}": ${nameProblem}`) ?? passwordProblem(password);
    if (problem) throw new UsageError(problem);
    await withDatabase(async (_config, database) => {
      // Without --username: the address's local part, numbered when reserved or taken (admin@… → admin-2).
      const username = opts.username ?? (await freeUsername(email.split('@')[0]!, (name) => usernameTaken(database.db, name), () => randomBytes(3).toString('hex')));
      try {
        const user = await createUser(database.db, { username, email, passwordHash: await hashPassword(password), role: opts.admin ? 'admin' : opts.role, verified: true });
        console.log(`created ${user.username} <${user.email}> as ${user.role}`);
        if (!opts.password) console.log(`password: ${password}`);
      } catch (e) {
        if (e instanceof DuplicateUserError) throw new UsageError(`an account with that ${e.field} exists`);
        throw e;
      }
    });
  });

users
  .command('list')
  .description('list accounts')
  .option('--json', 'one JSON array')
  .action(async (opts: { json?: boolean }) => {
    const list = await withDatabase((_config, database) => listUsers(database.db));
    if (opts.json) console.log(JSON.stringify(list));
    else for (const u of list) console.log(`${u.username}\t${u.email}\t${u.role}${u.emailVerified ? '' : '\tunconfirmed'}${u.suspended ? '\tsuspended' : ''}`);
  });

users
  .command('set-role')
  .description('give an account a role')
  .argument('<username>')
  .addArgument(new Argument('<role>').choices(ROLES))
  .action(async (username: string, role: Role) => {
    const ok = await withDatabase((_config, database) => setRole(database.db, username, role));
    if (!ok) throw new UsageError(`no account named ${username}`);
    console.log(`${username} is now ${role}`);
  });

program
  .command('backup')
  .description('copy the SQLite database to PATH while the site runs (SQLite\'s online backup); on PostgreSQL, says how to use pg_dump')
  .argument('<path>', 'the backup file to write')
  .option('--force', 'replace PATH if it exists')
  .option('--json', 'print the summary as one JSON object on the last line of stdout')
  .action(async (target: string, opts: { force?: boolean; json?: boolean }) => {
    const config = loadConfig();
    if (config.database.engine === 'postgres') throw new UsageError(backupAdvice(config.database, target));
    const r = await backupSqlite(config.database.path, target, { force: opts.force === true });
    if (opts.json) console.log(JSON.stringify(r));
    else console.log(`backed up ${r.source} to ${r.path} (${(r.bytes / 1e6).toFixed(1)} MB, ${r.pages} pages) in ${r.ms} ms`);
  });

registerEmbeddingsCommands(program, withDatabase);
registerJobsCommands(program, withDatabase);
registerImagesCommands(program, withDatabase);
registerFullTextCommands(program, withDatabase);
registerSummariesCommands(program, withDatabase);
registerHarvestCommands(program, withDatabase);
registerLlmCommands(program, withDatabase);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (e instanceof ServeError) {
    // serve could not start: its scheduler and index may hold timers; nothing is being written.
    console.error(`dailypapers: ${e.message}`);
    process.exit(1);
  } else if (e instanceof BackupError) {
    console.error(`dailypapers: ${e.message}`);
    process.exitCode = 1;
  } else if (e instanceof UsageError || e instanceof ConfigError || e instanceof InvalidArgumentError) {
    console.error(`dailypapers: ${e.message}`);
    process.exitCode = 2;
  } else if (e instanceof DatabaseBusyError) {
    console.error(
      `dailypapers: ${e.message}. Nothing was left half-written: run the command again once the other writer is done ` +
        '(an import cut short is finished or discarded by the next import or by serve).',
    );
    process.exitCode = 1;
  } else if (e instanceof DatabaseError || e instanceof SchemaTooNewError || e instanceof EmbedderError) {
    console.error(`dailypapers: ${e.message}`);
    process.exitCode = 1;
  } else if (databaseFault(e)) {
    // The database went away, timed out or filled its disk mid-command: one line and what to check, no stack.
    const fault = databaseFault(e)!;
    console.error(`dailypapers: database ${fault.kind}: ${fault.detail}; ${OPERATOR_HINT[fault.kind]}`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
