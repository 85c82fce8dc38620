import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clientIp, clientKey, formatIp, inCidr, parseCidr, parseHop, parseIp, parseTrustProxy, type Ip, type TrustProxy,
} from '../../src/domain/client-address.ts';
import { loadConfig } from '../../src/config.ts';

const text = (ip: Ip | null) => (ip ? formatIp(ip) : null);
const trust = (raw: string) => {
  const t = parseTrustProxy(raw);
  assert.ok(!('error' in t), `TRUST_PROXY=${raw}`);
  return t as TrustProxy;
};
const cidr = (raw: string) => parseCidr(raw) ?? assert.fail(`not a CIDR: ${raw}`);

test('addresses: IPv4, IPv6 in any spelling, IPv4-mapped IPv6 is the IPv4 address, zone dropped', () => {
  assert.equal(text(parseIp('203.0.113.7')), '203.0.113.7');
  assert.equal(text(parseIp('2001:DB8:0:0:0:0:0:1')), '2001:db8::1');
  assert.equal(text(parseIp('2001:db8::1:0:0:1')), '2001:db8::1:0:0:1');
  assert.equal(text(parseIp('::')), '::');
  assert.equal(text(parseIp('::1')), '::1');
  assert.equal(text(parseIp('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1', 'a single zero group is not shortened');
  assert.equal(text(parseIp('::ffff:192.0.2.1')), '192.0.2.1');
  assert.equal(text(parseIp('::ffff:c000:201')), '192.0.2.1', 'mapped, written in hex');
  assert.equal(parseIp('::ffff:192.0.2.1')!.version, 4);
  assert.equal(text(parseIp('64:ff9b::192.0.2.1')), '64:ff9b::c000:201', 'NAT64 is not mapped');
  assert.equal(text(parseIp('fe80::1%eth0')), 'fe80::1');
  for (const bad of ['', 'unknown', '1.2.3', '1.2.3.256', '01.2.3.4x', '2001:db8::1::2', 'localhost', '_hidden', '1.2.3.4/8']) {
    assert.equal(parseIp(bad), null, bad);
  }
});

test('X-Forwarded-For hops: with ports and brackets; garbage is null', () => {
  assert.equal(text(parseHop(' 198.51.100.4:5678 ')), '198.51.100.4');
  assert.equal(text(parseHop('[2001:db8::7]:443')), '2001:db8::7');
  assert.equal(text(parseHop('[2001:db8::7]')), '2001:db8::7');
  assert.equal(text(parseHop('2001:db8::7')), '2001:db8::7');
  for (const bad of ['unknown', '"[2001:db8::7]"', '_gazonk', '1.2.3.4:99999x', '<script>', ' ']) assert.equal(parseHop(bad), null, bad);
});

test('CIDRs: v4, v6, single addresses, mapped ranges; membership by prefix', () => {
  assert.ok(inCidr(parseIp('10.1.2.3')!, cidr('10.0.0.0/8')));
  assert.ok(!inCidr(parseIp('11.1.2.3')!, cidr('10.0.0.0/8')));
  assert.ok(inCidr(parseIp('172.31.255.255')!, cidr('172.16.0.0/12')));
  assert.ok(!inCidr(parseIp('172.32.0.0')!, cidr('172.16.0.0/12')));
  assert.ok(inCidr(parseIp('::ffff:10.9.9.9')!, cidr('10.0.0.0/8')), 'a mapped address is in its IPv4 range');
  assert.ok(inCidr(parseIp('10.9.9.9')!, cidr('::ffff:10.0.0.0/104')), 'a mapped range is the IPv4 range');
  assert.ok(inCidr(parseIp('2001:db8:abcd::1')!, cidr('2001:db8::/32')));
  assert.ok(!inCidr(parseIp('2001:db9::1')!, cidr('2001:db8::/32')));
  assert.ok(!inCidr(parseIp('10.0.0.1')!, cidr('::/0')), 'IPv4 is never in an IPv6 range');
  assert.ok(inCidr(parseIp('127.0.0.1')!, cidr('127.0.0.1')));
  assert.ok(!inCidr(parseIp('127.0.0.2')!, cidr('127.0.0.1')));
  for (const bad of ['10.0.0.0/33', '2001:db8::/129', 'x/8', '10.0.0.0/', '10.0.0.0/8/8']) assert.equal(parseCidr(bad), null, bad);
});

test('TRUST_PROXY values; a bad one is named by the configuration', () => {
  assert.deepEqual(parseTrustProxy('false'), { mode: 'none' });
  assert.deepEqual(parseTrustProxy('0'), { mode: 'none' });
  assert.deepEqual(parseTrustProxy('true'), { mode: 'hops', hops: 1 });
  assert.deepEqual(parseTrustProxy('2'), { mode: 'hops', hops: 2 });
  const t = trust('10.0.0.0/8, 2001:db8::/32 127.0.0.1');
  assert.equal(t.mode === 'cidrs' && t.cidrs.length, 3);
  assert.ok('error' in parseTrustProxy('11'));
  assert.ok('error' in parseTrustProxy('yes'));
  assert.ok('error' in parseTrustProxy('10.0.0.0/8,nonsense'));
  assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).trustProxy, trust('10.0.0.0/8'));
  assert.deepEqual(loadConfig({}).trustProxy, { mode: 'none' });
  assert.throws(() => loadConfig({ TRUST_PROXY: 'yes' }), /TRUST_PROXY: expected false, the number of proxies in front.*"yes" is not an address/);
  assert.throws(() => loadConfig({ REDIS_URL: 'http://x' }), /REDIS_URL: expected redis:\/\//);
  assert.throws(() => loadConfig({ REDIS_URL: 'redis://:hunter2@x' , PORT: 'x' }), (e: Error) => !e.message.includes('hunter2'));
  assert.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).redisUrl, 'redis://127.0.0.1:6379/2');
});

test('no trust: the socket address, whatever X-Forwarded-For says', () => {
  assert.equal(text(clientIp({ mode: 'none' }, '1.1.1.1', '::ffff:203.0.113.9')), '203.0.113.9');
  assert.equal(clientIp({ mode: 'none' }, '1.1.1.1', undefined), null);
});

test('a number of proxies: the hop left of them; spoofed left hops are ignored', () => {
  const one = trust('1');
  // The client wrote "6.6.6.6"; our proxy appended the address it saw (198.51.100.4).
  assert.equal(text(clientIp(one, '6.6.6.6, 198.51.100.4', '10.0.0.2')), '198.51.100.4');
  assert.equal(text(clientIp(one, '198.51.100.4', '10.0.0.2')), '198.51.100.4');
  const two = trust('2');
  assert.equal(text(clientIp(two, '6.6.6.6, 7.7.7.7, 198.51.100.4, 10.0.0.1', '10.0.0.2')), '198.51.100.4');
  // Fewer hops than proxies (the outer one was skipped): the left-most there is.
  assert.equal(text(clientIp(two, '', '10.0.0.2')), '10.0.0.2');
  assert.equal(text(clientIp(two, undefined, '10.0.0.2')), '10.0.0.2');
  // Garbage where a proxy's hop should be: the proxy that passed it on is the client (one count for all such).
  assert.equal(text(clientIp(one, '6.6.6.6, unknown', '10.0.0.2')), '10.0.0.2');
  assert.equal(text(clientIp(one, '1.2.3.4, 2001:db8::5', '::1')), '2001:db8::5');
});

test('trusted CIDRs: the right-most hop not in them; left hops ignored; an untrusted peer is the client', () => {
  const t = trust('10.0.0.0/8, ::1, 2001:db8:ffff::/48');
  assert.equal(text(clientIp(t, '6.6.6.6, 198.51.100.4, 10.1.1.1', '10.0.0.2')), '198.51.100.4');
  assert.equal(text(clientIp(t, '6.6.6.6, 2001:db8:1::9, 2001:db8:ffff::1', '::1')), '2001:db8:1::9');
  assert.equal(text(clientIp(t, '6.6.6.6, 198.51.100.4:5555', '::ffff:10.0.0.2')), '198.51.100.4');
  // Not through a trusted proxy: X-Forwarded-For is the client's own writing.
  assert.equal(text(clientIp(t, '10.1.1.1, 6.6.6.6', '203.0.113.50')), '203.0.113.50');
  // Garbage in the chain stops the walk at the trusted hop that passed it on.
  assert.equal(text(clientIp(t, '6.6.6.6, garbage, 10.1.1.1', '10.0.0.2')), '10.1.1.1');
  // Everything trusted (a request from a proxy's own machine): the left-most.
  assert.equal(text(clientIp(t, '10.3.3.3', '10.0.0.2')), '10.3.3.3');
  // A very long header: only its right end is looked at.
  const long = Array.from({ length: 1000 }, () => '10.0.0.9').join(',');
  assert.equal(text(clientIp(t, `6.6.6.6,${long}`, '10.0.0.2')), '10.0.0.9');
});

test('clients are keyed by IPv4 address or IPv6 /64', () => {
  assert.equal(clientKey(parseIp('203.0.113.7')!), '203.0.113.7');
  assert.equal(clientKey(parseIp('::ffff:203.0.113.7')!), '203.0.113.7');
  assert.equal(clientKey(parseIp('2001:db8:1:2:aaaa:bbbb:cccc:dddd')!), '2001:db8:1:2::/64');
  assert.equal(clientKey(parseIp('2001:db8:1:2::1')!), clientKey(parseIp('2001:db8:1:2:ffff::9')!));
  assert.notEqual(clientKey(parseIp('2001:db8:1:2::1')!), clientKey(parseIp('2001:db8:1:3::1')!));
  assert.equal(clientKey(parseIp('::1')!), '::/64');
});
