import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseFault } from '../../src/db/errors.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

test('database faults: connection losses, timeouts, full and read-only disks; everything else is not one', () => {
  const kind = (e: unknown) => databaseFault(e)?.kind ?? null;
  assert.equal(kind(withCode('terminating connection due to administrator command', '57P01')), 'unavailable');
  assert.equal(kind(withCode('the database system is starting up', '57P03')), 'unavailable');
  assert.equal(kind(withCode('connection failure', '08006')), 'unavailable');
  assert.equal(kind(withCode('sorry, too many clients already', '53300')), 'unavailable');
  assert.equal(kind(withCode('could not extend file', '53100')), 'disk-full');
  assert.equal(kind(withCode('canceling statement due to statement timeout', '57014')), 'timeout');
  assert.equal(kind(withCode('terminating connection due to idle-in-transaction timeout', '25P03')), 'timeout');
  assert.equal(kind(new Error('Connection terminated unexpectedly')), 'unavailable');
  assert.equal(kind(new Error('Query read timeout')), 'timeout');
  assert.equal(kind(new Error('timeout exceeded when trying to connect')), 'timeout');
  assert.equal(kind(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')), 'unavailable');
  assert.equal(kind(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], '')), 'unavailable');
  assert.equal(kind(withCode('database or disk is full', 'SQLITE_FULL')), 'disk-full');
  assert.equal(kind(withCode('disk I/O error', 'SQLITE_IOERR_WRITE')), 'unavailable');
  assert.equal(kind(withCode('attempt to write a readonly database', 'SQLITE_READONLY')), 'read-only');
  assert.equal(kind(withCode('database is locked', 'SQLITE_BUSY')), 'timeout');
  // Bugs and bad data stay 500s: a constraint, bad SQL, a plain error.
  assert.equal(kind(withCode('UNIQUE constraint failed: users.email', 'SQLITE_CONSTRAINT_UNIQUE')), null);
  assert.equal(kind(withCode('duplicate key value violates unique constraint', '23505')), null);
  assert.equal(kind(withCode('syntax error at or near "selec"', '42601')), null);
  assert.equal(kind(new TypeError("Cannot read properties of undefined (reading 'id')")), null);
  assert.equal(kind('a string'), null);
  assert.match(databaseFault(withCode('database or disk is full', 'SQLITE_FULL'))!.detail, /database or disk is full \(SQLITE_FULL\)/);
});
