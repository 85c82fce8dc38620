import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseDatabaseUrl } from '../../src/config.ts';

test('defaults: SQLite file under ./data, 127.0.0.1:3000', () => {
  const c = loadConfig({});
  assert.deepEqual(c.database, { engine: 'sqlite', path: path.resolve('data/dailypapers.db') });
  assert.equal(c.port, 3000);
  assert.equal(c.host, '127.0.0.1');
});

test('database URLs', () => {
  assert.deepEqual(parseDatabaseUrl('sqlite:/tmp/x.db'), { engine: 'sqlite', path: '/tmp/x.db' });
  assert.deepEqual(parseDatabaseUrl('sqlite:///tmp/x.db'), { engine: 'sqlite', path: '/tmp/x.db' });
  assert.deepEqual(parseDatabaseUrl('/tmp/y.db'), { engine: 'sqlite', path: '/tmp/y.db' });
  assert.deepEqual(parseDatabaseUrl('postgres://u@h:5432/db'), { engine: 'postgres', url: 'postgres://u@h:5432/db' });
  assert.deepEqual(parseDatabaseUrl('postgresql://u@h/db'), { engine: 'postgres', url: 'postgresql://u@h/db' });
  assert.throws(() => parseDatabaseUrl('mysql://u@h/db'), /DATABASE_URL: unsupported scheme/);
  assert.throws(() => parseDatabaseUrl('sqlite:'), /names no file/);
});

test('bad values name the variable and what was expected', () => {
  assert.throws(() => loadConfig({ PORT: 'abc' }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /PORT: expected a whole number from 1 to 65535 \(got "abc"\)/);
    return true;
  });
  assert.throws(() => loadConfig({ PORT: '70000' }), /PORT: expected a whole number/);
  assert.throws(() => loadConfig({ PORT: '80.5' }), /PORT: expected a whole number/);
  assert.equal(loadConfig({ PORT: '8080', HOST: '0.0.0.0' }).port, 8080);
  assert.equal(loadConfig({ PORT: '' }).port, 3000, 'a blank variable counts as unset');
});

test('site settings: name, curators, public URL', () => {
  const c = loadConfig({ PORT: '8080' });
  assert.deepEqual(c.site, { name: 'Daily Papers', curators: null, publicUrl: 'http://127.0.0.1:8080' });
  const d = loadConfig({ SITE_NAME: 'Lab Papers', SITE_CURATORS: 'AK', PUBLIC_URL: 'https://papers.example.org/' });
  assert.deepEqual(d.site, { name: 'Lab Papers', curators: 'AK', publicUrl: 'https://papers.example.org' });
  assert.throws(() => loadConfig({ PUBLIC_URL: 'javascript:alert(1)' }), /PUBLIC_URL: expected an http/);
});
