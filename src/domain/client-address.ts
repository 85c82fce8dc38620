/**
 * Which address a request comes from, for rate limits (docs/decisions/0016-shared-rate-limits.md).
 *
 * Behind reverse proxies the socket's peer is the nearest proxy, and X-Forwarded-For lists the hops: each
 * proxy appends the address it was connected from. Only the right-hand end of that list was written by
 * proxies we run; everything to its left was written by the client and may be anything. So the chain
 * (X-Forwarded-For's hops, then the socket's address) is walked from the right, skipping the proxies we
 * trust, and the first hop that is not one of them is the client.
 *
 * Pure: parsing and selection only.
 */
import { isIP } from 'node:net';

/** An address as 4 (IPv4) or 16 (IPv6) bytes. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is its IPv4 one. */
export type Ip = { version: 4 | 6; bytes: Uint8Array };

export interface Cidr {
  version: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

/**
 * TRUST_PROXY, parsed: `none` (use the socket's address), `hops` (this many proxies in front: the socket's
 * peer is the nearest), or `cidrs` (the addresses of the trusted proxies).
 */
export type TrustProxy = { mode: 'none' } | { mode: 'hops'; hops: number } | { mode: 'cidrs'; cidrs: Cidr[] };

/** More proxies than this in front of one site is a typo, not a deployment. */
export const MAX_PROXY_HOPS = 10;
/** At most this many X-Forwarded-For hops are looked at (from the right): a longer header is all client-written. */
export const MAX_FORWARDED_HOPS = 32;
/**
 * IPv6 clients are counted by their /64: one subscriber (a home, a phone, a cloud server) gets a whole /64
 * and can pick any of its 2^64 addresses per request, so counting single IPv6 addresses limits nothing.
 */
export const IPV6_CLIENT_PREFIX = 64;

/** Parses an address (IPv4, IPv6, IPv4-mapped IPv6; a zone index `%eth0` is dropped); null if it is not one. */
export function parseIp(raw: string): Ip | null {
  const s = raw.trim().replace(/%[\w.-]+$/, '');
  const kind = isIP(s);
  if (kind === 4) return { version: 4, bytes: Uint8Array.from(s.split('.').map(Number)) };
  if (kind !== 6) return null;
  const bytes = ipv6Bytes(s);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? { version: 4, bytes: bytes.slice(12) } : { version: 6, bytes };
}

/** The 16 bytes of an address that isIP() accepted as IPv6 (with `::` and an optional dotted IPv4 tail). */
function ipv6Bytes(s: string): Uint8Array {
  const words = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else out.push(parseInt(group, 16));
    }
    return out;
  };
  const [head = '', tail] = s.split('::');
  const left = words(head);
  const right = tail === undefined ? [] : words(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

/**
 * One X-Forwarded-For hop: an address, possibly with a port (`1.2.3.4:5678`, `[2001:db8::1]:443`, as some
 * proxies write them) or in brackets. Null for anything else (`unknown`, an obfuscated name, garbage).
 */
export function parseHop(raw: string): Ip | null {
  const s = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(s);
  if (bracketed) return parseIp(bracketed[1]!);
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(s);
  return parseIp(v4port ? v4port[1]! : s);
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address (a /32 or /128). Null if it is neither. */
export function parseCidr(raw: string): Cidr | null {
  const m = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(raw.trim());
  if (!m) return null;
  const ip = parseIp(m[1]!);
  if (!ip) return null;
  const max = ip.version === 4 ? 32 : 128;
  let prefix = m[2] === undefined ? max : Number(m[2]);
  // ::ffff:10.0.0.0/104 is 10.0.0.0/8: the mapped range is stored as the IPv4 one.
  if (ip.version === 4 && m[1]!.includes(':') && m[2] !== undefined) prefix -= 96;
  if (prefix < 0 || prefix > max) return null;
  return { version: ip.version, bytes: ip.bytes, prefix };
}

export function inCidr(ip: Ip, cidr: Cidr): boolean {
  if (ip.version !== cidr.version) return false;
  const whole = cidr.prefix >> 3;
  for (let i = 0; i < whole; i++) if (ip.bytes[i] !== cidr.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip.bytes[whole]! & mask) === (cidr.bytes[whole]! & mask);
}

/**
 * TRUST_PROXY's value: `false`/`0` (none), a number of proxies, `true` (one proxy: the common case of one
 * reverse proxy on the same machine or network), or CIDRs and addresses separated by commas or spaces.
 * Returns a message saying what is expected when the value is none of these.
 */
export function parseTrustProxy(raw: string): TrustProxy | { error: string } {
  const s = raw.trim().toLowerCase();
  if (s === '' || s === 'false') return { mode: 'none' };
  if (s === 'true') return { mode: 'hops', hops: 1 };
  if (/^\d+$/.test(s)) {
    const hops = Number(s);
    if (hops > MAX_PROXY_HOPS) return { error: `expected at most ${MAX_PROXY_HOPS} proxies` };
    return hops === 0 ? { mode: 'none' } : { mode: 'hops', hops };
  }
  const cidrs: Cidr[] = [];
  for (const part of s.split(/[\s,]+/).filter(Boolean)) {
    const cidr = parseCidr(part);
    if (!cidr) return { error: `"${part}" is not an address or a CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32)` };
    cidrs.push(cidr);
  }
  return { mode: 'cidrs', cidrs };
}

/** For the log line at start: where client addresses come from. */
export function describeTrustProxy(t: TrustProxy): string {
  if (t.mode === 'none') return "client addresses: the connection's (TRUST_PROXY=false)";
  if (t.mode === 'hops') return `client addresses: X-Forwarded-For, the hop left of the ${t.hops} nearest ${t.hops === 1 ? 'proxy (TRUST_PROXY=1; true means 1)' : `proxies (TRUST_PROXY=${t.hops})`}`;
  return `client addresses: X-Forwarded-For, the right-most hop not in ${t.cidrs.map(formatCidr).join(', ')}`;
}

function formatCidr(c: Cidr): string {
  return `${formatIp({ version: c.version, bytes: c.bytes })}/${c.prefix}`;
}

/** The canonical text of an address (RFC 5952: lowercase, longest run of zero groups as `::`). */
export function formatIp(ip: Ip): string {
  if (ip.version === 4) return ip.bytes.join('.');
  const words = Array.from({ length: 8 }, (_, i) => (ip.bytes[2 * i]! << 8) | ip.bytes[2 * i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  return best < 0 ? hex(words) : `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/**
 * The client's address: walk the chain (X-Forwarded-For's hops, then the socket's peer) from the right,
 * skipping trusted proxies, and take the first hop that is not one. A hop that is not an address stops the
 * walk at the trusted hop to its right (the proxy that passed it on): a client cannot escape its count by
 * writing garbage. With fewer hops than proxies (a request that skipped the outer one) the left-most is taken.
 * Null only when the socket's address is unknown and nothing else is trusted.
 */
export function clientIp(trust: TrustProxy, forwardedFor: string | undefined, socketAddress: string | undefined): Ip | null {
  const socket = socketAddress ? parseIp(socketAddress) : null;
  if (trust.mode === 'none' || !socket) return socket;
  const hops = (forwardedFor ?? '').split(',').slice(-MAX_FORWARDED_HOPS);
  if (hops.length === 1 && hops[0]!.trim() === '') hops.pop();
  // Right to left: the socket's peer first, then each hop.
  const chain = [socket, ...hops.reverse().map(parseHop)];
  let client = socket;
  for (let i = 0; i < chain.length; i++) {
    const ip = chain[i];
    if (!ip) return client; // garbage: keep the trusted hop to its right
    client = ip;
    const trusted = trust.mode === 'hops' ? i < trust.hops : trust.cidrs.some((c) => inCidr(ip, c));
    if (!trusted) return ip;
  }
  return client;
}

/** The key a client is counted under: its IPv4 address, or its IPv6 /64. */
export function clientKey(ip: Ip): string {
  if (ip.version === 4) return formatIp(ip);
  const bytes = new Uint8Array(16);
  bytes.set(ip.bytes.subarray(0, IPV6_CLIENT_PREFIX / 8));
  return `${formatIp({ version: 6, bytes })}/${IPV6_CLIENT_PREFIX}`;
}
