/**
 * Whether an IP address is on the public internet. The image fetcher (src/images/fetch.ts) connects only
 * to public addresses: an image URL comes from imported data, and without this check it could make the
 * server read its own admin ports, the cloud metadata service (169.254.169.254) or the private network
 * (server-side request forgery). Pure: the fetcher applies it to every address a host name resolves to.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** IPv4 ranges that are not public (RFC 6890 special-purpose registry), as [first octets, prefix length]. */
const V4_BLOCKED: [number[], number][] = [
  [[0], 8], // "this network"
  [[10], 8], // private
  [[100, 64], 10], // carrier-grade NAT
  [[127], 8], // loopback
  [[169, 254], 16], // link-local (cloud metadata)
  [[172, 16], 12], // private
  [[192, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2], 24], // documentation
  [[192, 88, 99], 24], // 6to4 relay anycast
  [[192, 168], 16], // private
  [[198, 18], 15], // benchmarking
  [[198, 51, 100], 24], // documentation
  [[203, 0, 113], 24], // documentation
  [[224], 4], // multicast
  [[240], 4], // reserved, and broadcast
];

function v4ToInt(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function v4Public(a: string): boolean {
  const n = v4ToInt(a);
  return !V4_BLOCKED.some(([octets, bits]) => {
    const base = v4ToInt([...octets, 0, 0, 0, 0].slice(0, 4).join('.'));
    const size = 2 ** (32 - bits);
    return n >= base && n < base + size;
  });
}

/** The 8 groups of an IPv6 address as numbers (`::` expanded, a trailing dotted IPv4 folded into two groups). */
function v6Groups(a: string): number[] | null {
  let s = a.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const n = v4ToInt(dotted[1]!);
    s = s.slice(0, -dotted[1]!.length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  const groups = [...h, ...fill, ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

function v6Public(a: string): boolean {
  const g = v6Groups(a);
  if (!g) return false;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const v4 = `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible, deprecated): the IPv4 address decides.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || g5 === 0)) {
    if (g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) return false; // :: and ::1
    return v4Public(v4);
  }
  if (g0 === 0x64 && g1 === 0xff9b) return v4Public(v4); // NAT64 64:ff9b::/96
  if (g0 === 0x2002) return v4Public(`${g1 >> 8}.${g1 & 255}.${g2 >> 8}.${g2 & 255}`); // 6to4 carries an IPv4 address
  if ((g0 & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return false; // site-local (deprecated) fec0::/10
  if ((g0 & 0xff00) === 0xff00) return false; // multicast
  if (g0 === 0x2001 && g1 === 0x0db8) return false; // documentation
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return false; // discard-only 100::/64
  // Global unicast is 2000::/3; everything else is reserved.
  return (g0 & 0xe000) === 0x2000;
}

/** True when `address` (an IPv4 or IPv6 literal) is a public unicast address; false for anything else. */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return v4Public(address);
  if (isIPv6(address)) return v6Public(address);
  return false;
}
