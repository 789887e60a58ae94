// What kind of address an outbound URL's host is: public, or one of the
// special-use ranges (RFC 6890 and the IANA special-purpose registries) that
// the outbound guard refuses. Pure: the guard (outbound-guard.ts) applies it
// to literal hosts before connecting and to every DNS answer after resolving.

import { BlockList, isIP } from 'node:net';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'unspecified'
  | 'link_local'
  | 'private'
  | 'shared'
  | 'multicast'
  | 'reserved'
  | 'metadata';

type Family = 'ipv4' | 'ipv6';

/** Cloud instance metadata services: the classic SSRF prize (credentials of the machine's role). */
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

/** Names that reach a metadata service or the machine itself whatever DNS says (RFC 6761 section 6.3 for localhost). */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

const RANGES: ReadonlyArray<readonly [AddressClass, Family, string, number]> = [
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['shared', 'ipv4', '100.64.0.0', 10],
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['link_local', 'ipv4', '169.254.0.0', 16],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['reserved', 'ipv4', '192.0.0.0', 24],
  ['reserved', 'ipv4', '192.0.2.0', 24],
  ['reserved', 'ipv4', '192.88.99.0', 24],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['reserved', 'ipv4', '198.18.0.0', 15],
  ['reserved', 'ipv4', '198.51.100.0', 24],
  ['reserved', 'ipv4', '203.0.113.0', 24],
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['reserved', 'ipv4', '240.0.0.0', 4],
  ['unspecified', 'ipv6', '::', 128],
  ['loopback', 'ipv6', '::1', 128],
  ['reserved', 'ipv6', '100::', 64],
  ['reserved', 'ipv6', '2001::', 23],
  ['reserved', 'ipv6', '2001:db8::', 32],
  ['reserved', 'ipv6', '3fff::', 20],
  ['reserved', 'ipv6', '5f00::', 16],
  ['private', 'ipv6', 'fc00::', 7],
  ['link_local', 'ipv6', 'fe80::', 10],
  ['private', 'ipv6', 'fec0::', 10],
  ['multicast', 'ipv6', 'ff00::', 8],
];

const LISTS = new Map<AddressClass, BlockList>();
for (const [kind, family, network, prefix] of RANGES) {
  let list = LISTS.get(kind);
  if (list === undefined) LISTS.set(kind, (list = new BlockList()));
  list.addSubnet(network, prefix, family);
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad allowed), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad !== null) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 1 || halves[1] === '' ? [] : halves[1]!.split(':');
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail].map((group) => Number.parseInt(group, 16));
  return groups.length === 8 && groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : undefined;
}

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach an IPv4
 * host: mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d` (RFC 4291 section
 * 2.5.5), NAT64 `64:ff9b::/96` (RFC 6052) and 6to4 `2002::/16` (RFC 3056).
 */
export function embeddedIpv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (groups === undefined) return undefined;
  const quad = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return quad(groups[6]!, groups[7]!);
  if (zeros(0, 6) && (groups[6] !== 0 || groups[7]! > 1)) return quad(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return quad(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return quad(groups[1]!, groups[2]!);
  return undefined;
}

/** The class of an IP address (v4 or v6, an IPv6 zone ignored); `undefined` for text that is not an IP address. */
export function classifyAddress(address: string): AddressClass | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const version = isIP(bare);
  if (version === 0) return undefined;
  if (version === 6) {
    const inner = embeddedIpv4(bare);
    if (inner !== undefined) {
      const innerClass = classifyAddress(inner)!;
      if (innerClass !== 'public') return innerClass;
    }
    const groups = ipv6Groups(bare);
    if (groups !== undefined && METADATA_ADDRESSES.has(formatIpv6(groups))) return 'metadata';
  } else if (METADATA_ADDRESSES.has(bare)) {
    return 'metadata';
  }
  const family: Family = version === 4 ? 'ipv4' : 'ipv6';
  const plain = bare.replace(/%.*$/, '');
  for (const [kind, list] of LISTS) if (list.check(plain, family)) return kind;
  return 'public';
}

/** Compressed lower-case IPv6 text (RFC 5952 shape, enough to compare with the metadata set). */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < 8;) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength && end - start > 1) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end === start ? start + 1 : end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * The host of a URL as a connection would use it: WHATWG URL parsing turns
 * `2130706433`, `0x7f.1`, `0177.0.0.1` and `127.1` into `127.0.0.1`, so the
 * guard checks what the socket would reach, not what the text looks like.
 * Brackets of an IPv6 literal and a trailing root dot are removed.
 */
export function normalizedHost(url: URL): string {
  let host = url.hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.') && host.length > 1) host = host.slice(0, -1);
  return host;
}

/** The class a host name has before any DNS answer: loopback names (RFC 6761) and metadata names; else undefined. */
export function classifyName(host: string): AddressClass | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback';
  if (METADATA_NAMES.has(name)) return 'metadata';
  return undefined;
}

/**
 * Class of a host as written in a URL (an IP literal in any form the URL
 * parser accepts, or a name; names that need DNS are `public` until their
 * answers are checked); undefined when it is not a valid host at all.
 */
export function classifyHost(host: string): AddressClass | undefined {
  const literal = isIP(host) === 6 ? `[${host}]` : host;
  const url = URL.parse(`http://${literal}/`);
  if (url === null || url.hostname === '') return undefined;
  const normalized = normalizedHost(url);
  return classifyAddress(normalized) ?? classifyName(normalized) ?? 'public';
}
