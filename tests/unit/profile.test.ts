import assert from 'node:assert/strict';
import { test } from 'node:test';
import { avatarHue, BIO_MAX, DISPLAY_NAME_MAX, initials, parseProfileFields } from '../../src/domain/profile.ts';

test('profile fields are trimmed, cleaned of control characters, and length-limited', () => {
  assert.deepEqual(parseProfileFields({ displayName: '  Ada\u0007 Lovelace ', bio: ' Hi\r\nthere\n\n\n\nbye ' }), { ok: true, fields: { displayName: 'Ada Lovelace', bio: 'Hi\nthere\n\nbye' } });
  assert.deepEqual(parseProfileFields({ displayName: ' ', bio: '' }), { ok: true, fields: { displayName: null, bio: null } });
  const long = parseProfileFields({ displayName: 'x'.repeat(DISPLAY_NAME_MAX + 1), bio: '' });
  assert.equal(long.ok, false);
  assert.equal(parseProfileFields({ displayName: '', bio: 'é'.repeat(BIO_MAX) }).ok, true, 'characters, not bytes');
  assert.equal(parseProfileFields({ displayName: '', bio: 'é'.repeat(BIO_MAX + 1) }).ok, false);
});

test('initials and hue are stable', () => {
  assert.equal(initials('Ada Lovelace'), 'AL');
  assert.equal(initials('ada_l'), 'AL');
  assert.equal(initials('grace'), 'G');
  assert.equal(initials('Émile  Zola'), 'ÉZ');
  assert.equal(initials('!!!'), '?');
  assert.equal(avatarHue('ada'), avatarHue('ada'));
  assert.notEqual(avatarHue('ada'), avatarHue('grace'));
  assert.ok(avatarHue('x') >= 0 && avatarHue('x') < 360);
});
