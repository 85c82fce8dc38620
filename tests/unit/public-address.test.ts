import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPublicAddress } from '../../src/domain/public-address.ts';

test('public IPv4 and IPv6 addresses are allowed', () => {
  for (const a of ['8.8.8.8', '1.1.1.1', '151.101.1.69', '18.160.0.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8']) {
    assert.equal(isPublicAddress(a), true, a);
  }
});

test('loopback, private, link-local, reserved and mapped-private addresses are refused', () => {
  for (const a of [
    '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1', '192.0.2.1',
    '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '2001:db8::1', '::ffff:127.0.0.1', '::ffff:7f00:1',
    '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '2002:7f00:1::', 'fe80::1%eth0',
  ]) {
    assert.equal(isPublicAddress(a), false, a);
  }
});

test('what is not an IP literal is refused', () => {
  for (const a of ['', 'localhost', 'example.org', '1.2.3', '999.1.1.1', '::ffff::1', 'http://8.8.8.8']) assert.equal(isPublicAddress(a), false, a);
});
