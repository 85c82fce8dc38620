import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { ownerIsGone } from '../../src/importers/staged.ts';

const now = new Date('2026-01-01T12:00:00Z');
const later = '2026-01-01T12:01:00.000Z';

test('an import run is taken over when its lease ran out, or when its process on this host has exited', () => {
  const alive = () => true;
  const dead = () => false;
  assert.equal(ownerIsGone({ owner: 'elsewhere:42:ab', lease_until: '2026-01-01T11:59:59.000Z' }, now, alive), true);
  assert.equal(ownerIsGone({ owner: 'elsewhere:42:ab', lease_until: later }, now, dead), false, 'another host: only the lease tells');
  assert.equal(ownerIsGone({ owner: `${hostname()}:42:ab`, lease_until: later }, now, dead), true);
  assert.equal(ownerIsGone({ owner: `${hostname()}:42:ab`, lease_until: later }, now, alive), false);
  assert.equal(ownerIsGone({ owner: `${hostname()}:${process.pid}:ab`, lease_until: later }, now, dead), false, 'never this process');
});
