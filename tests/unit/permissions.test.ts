import assert from 'node:assert/strict';
import { test } from 'node:test';
import { can, mayActOn, mayUndo, ROLE_RANK, suspensionProblem, type Role } from '../../src/domain/permissions.ts';

const ROLES = Object.keys(ROLE_RANK) as Role[];
const account = (id: number, role: Role, suspended = false) => ({ id, role, suspended });

test('can: a role holds its own privilege and those below; a suspended account holds none', () => {
  assert.equal(can(account(1, 'moderator'), 'moderator'), true);
  assert.equal(can(account(1, 'admin'), 'moderator'), true);
  assert.equal(can(account(1, 'admin'), 'editor'), true);
  assert.equal(can(account(1, 'editor'), 'moderator'), false);
  assert.equal(can(account(1, 'member'), 'editor'), false);
  assert.equal(can({ role: 'superuser', suspended: false }, 'editor'), false, 'an unknown role grants nothing');
  assert.equal(can(null, 'editor'), false);
  for (const role of ROLES) for (const p of ['editor', 'moderator', 'admin'] as const) assert.equal(can(account(1, role, true), p), false, `suspended ${role} as ${p}`);
});

test('mayActOn: own things, anything for admins, else only a lower rank’s', () => {
  assert.equal(mayActOn(account(1, 'moderator'), account(2, 'member')), true);
  assert.equal(mayActOn(account(1, 'moderator'), account(2, 'editor')), true);
  assert.equal(mayActOn(account(1, 'moderator'), account(2, 'moderator')), false, 'equal rank');
  assert.equal(mayActOn(account(1, 'moderator'), account(2, 'admin')), false, 'higher rank');
  assert.equal(mayActOn(account(1, 'editor'), account(2, 'editor')), false);
  assert.equal(mayActOn(account(1, 'editor'), account(1, 'editor')), true, 'their own');
  assert.equal(mayActOn(account(1, 'admin'), account(2, 'admin')), true);
  assert.equal(mayActOn(account(1, 'editor'), null), true, 'an imported entry is nobody’s');
});

test('suspension: who may suspend X is who may unsuspend X, and a lift needs the suspender’s rank', () => {
  const mod = account(1, 'moderator');
  const admin = account(2, 'admin');
  assert.equal(suspensionProblem(mod, account(3, 'member'), 'suspend'), null);
  assert.equal(suspensionProblem(mod, account(3, 'editor'), 'suspend'), null);
  assert.match(suspensionProblem(mod, account(3, 'moderator'), 'suspend')!, /Only admins/);
  assert.equal(suspensionProblem(admin, account(3, 'moderator'), 'suspend'), null);
  assert.match(suspensionProblem(admin, account(4, 'admin'), 'suspend')!, /Admins are not suspended/);
  assert.match(suspensionProblem(mod, mod, 'suspend')!, /themselves/);
  assert.match(suspensionProblem(account(5, 'editor'), account(3, 'member'), 'suspend')!, /Only moderators and admins/);
  assert.match(suspensionProblem(account(6, 'admin', true), account(3, 'member'), 'suspend')!, /Only moderators and admins/, 'a suspended admin');

  // Symmetry: for every pair of roles, unsuspending (by someone of the actor's own rank) is allowed exactly when suspending is.
  for (const a of ROLES) {
    for (const t of ROLES) {
      const actor = account(10, a);
      const target = account(11, t);
      assert.equal(suspensionProblem(actor, target, 'unsuspend', { role: a }) === null, suspensionProblem(actor, target, 'suspend') === null, `${a} on ${t}`);
    }
  }
  // The finding: a moderator cannot lift an admin's suspension of another member (or moderator).
  assert.match(suspensionProblem(mod, account(3, 'member'), 'unsuspend', { role: 'admin' })!, /An admin suspended this member/);
  assert.match(suspensionProblem(mod, account(3, 'moderator'), 'unsuspend', { role: 'admin' })!, /Only admins/);
  assert.equal(suspensionProblem(mod, account(3, 'member'), 'unsuspend', { role: 'moderator' }), null);
  assert.match(suspensionProblem(mod, account(3, 'member'), 'unsuspend', null)!, /admin/, 'an unknown suspender counts as an admin');
  assert.equal(suspensionProblem(admin, account(3, 'member'), 'unsuspend', null), null);
});

test('mayUndo: at least the rank of whoever did it; unknown counts as an admin', () => {
  assert.equal(mayUndo({ role: 'moderator' }, { role: 'moderator' }), true);
  assert.equal(mayUndo({ role: 'moderator' }, { role: 'admin' }), false);
  assert.equal(mayUndo({ role: 'admin' }, { role: 'moderator' }), true);
  assert.equal(mayUndo({ role: 'moderator' }, null), false);
  assert.equal(mayUndo({ role: 'admin' }, undefined), true);
});
