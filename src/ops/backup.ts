/**
 * `dailypapers backup PATH`: a consistent copy of the SQLite database, made with SQLite's online backup API
 * while the site keeps serving and writing (WAL mode: readers and the backup never block the writer for long).
 * The copy is written beside PATH under a temporary name and renamed into place when complete, so PATH is
 * never a half-written database. PostgreSQL has its own tools: backupAdvice says how.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { DatabaseConfig } from '../config.ts';

export class BackupError extends Error {
  override name = 'BackupError';
}

export interface BackupResult {
  engine: 'sqlite';
  source: string;
  path: string;
  bytes: number;
  pages: number;
  ms: number;
}

export async function backupSqlite(source: string, target: string, opts: { force?: boolean } = {}): Promise<BackupResult> {
  const dest = path.resolve(target);
  if (source === ':memory:') throw new BackupError('DATABASE_URL names an in-memory database: there is nothing to back up');
  if (dest === path.resolve(source)) throw new BackupError(`${dest} is the database itself; name another file`);
  if (!existsSync(source)) throw new BackupError(`no database at ${source} (DATABASE_URL)`);
  if (existsSync(dest)) {
    if (statSync(dest).isDirectory()) throw new BackupError(`${dest} is a folder; name a file in it, e.g. ${path.join(dest, 'dailypapers-backup.db')}`);
    if (!opts.force) throw new BackupError(`${dest} exists; pass --force to replace it`);
  }
  const dir = path.dirname(dest);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BackupError(`the folder ${dir} does not exist`);
  const t0 = performance.now();
  const partial = path.join(dir, `.${path.basename(dest)}.partial-${process.pid}`);
  let db: SQLite.Database;
  try {
    db = new SQLite(source, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new BackupError(`cannot open ${source}: ${(e as Error).message}`);
  }
  try {
    const { totalPages } = await db.backup(partial);
    renameSync(partial, dest);
    return { engine: 'sqlite', source, path: dest, bytes: statSync(dest).size, pages: totalPages, ms: Math.round(performance.now() - t0) };
  } catch (e) {
    rmSync(partial, { force: true });
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS' || /readonly|unable to open/i.test(err.message)) {
      throw new BackupError(`cannot write ${dest}: ${err.message}; check that this user may write in ${dir}`);
    }
    throw new BackupError(`backing up to ${dest} failed: ${err.message}`);
  } finally {
    db.close();
  }
}

/** What `backup` says on PostgreSQL: pg_dump makes the backup (the README's "Backup and restore" has the details). */
export function backupAdvice(database: Extract<DatabaseConfig, { engine: 'postgres' }>, target: string): string {
  const u = new URL(database.url);
  const safe = `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  return [
    'on PostgreSQL, back up with PostgreSQL\'s own tools (consistent while the site runs):',
    `  pg_dump --format=custom --file=${target} "${safe}"`,
    'and restore into an empty database, with the site stopped:',
    `  pg_restore --clean --if-exists --no-owner --dbname="${safe}" ${target}`,
  ].join('\n');
}
