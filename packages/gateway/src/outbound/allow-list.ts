// `outbound.allow`: the addresses and names an operator opens to the outbound
// guard (outbound-guard.ts) although they are internal: CIDRs, single IPs,
// host names and `*.suffix` patterns. Pure: parsed once from the config.

import { BlockList, isIP } from 'node:net';
import { classifyAddress, embeddedIpv4, type AddressClass } from './address-class.ts';

export interface AllowList {
  readonly entries: readonly string[];
  /** An address the guard would refuse as `kind` is let through. A metadata address needs an entry naming exactly it. */
  allowsAddress(address: string, kind: AddressClass): boolean;
  /** A host name listed (or under a listed `*.suffix`): its DNS answers are trusted as the operator's. */
  allowsName(host: string): boolean;
}

const NAME = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why `entry` is not a valid allow-list entry, or undefined when it is. */
export function allowEntryProblem(entry: string): string | undefined {
  const text = entry.trim().toLowerCase();
  if (text.includes('://')) return `"${entry}" is a URL: expected a CIDR (10.0.0.0/8, fd00::/8), an IP address, a host name or *.suffix, such as ${URL.parse(text)?.hostname || 'the host alone'}`;
  const slash = text.indexOf('/');
  if (slash !== -1) {
    const network = text.slice(0, slash);
    const prefixText = text.slice(slash + 1);
    const version = isIP(network);
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
    if (version === 0) return `"${entry}": the part before "/" is not an IP address`;
    if (!(prefix >= 0 && prefix <= (version === 4 ? 32 : 128))) return `"${entry}": the prefix length must be 0 to ${version === 4 ? 32 : 128}`;
    if (prefix === 0) return `"${entry}" would allow every address; list the networks you mean`;
    return undefined;
  }
  if (isIP(text) !== 0) return undefined;
  if (NAME.test(text)) return undefined;
  return `"${entry}": expected a CIDR (10.0.0.0/8, fd00::/8), an IP address, a host name or *.suffix`;
}

export function compileAllowList(entries: readonly string[]): AllowList {
  const subnets = new BlockList();
  const exact = new Set<string>();
  const names = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of entries) {
    const problem = allowEntryProblem(raw);
    if (problem !== undefined) throw new TypeError(`outbound.allow: ${problem}`);
    const entry = raw.trim().toLowerCase();
    const slash = entry.indexOf('/');
    if (slash !== -1) {
      const network = entry.slice(0, slash);
      const prefix = Number(entry.slice(slash + 1));
      const family = isIP(network) === 4 ? 'ipv4' : 'ipv6';
      subnets.addSubnet(network, prefix, family);
      if (prefix === (family === 'ipv4' ? 32 : 128)) exact.add(canonical(network));
    } else if (isIP(entry) !== 0) {
      subnets.addAddress(entry, isIP(entry) === 4 ? 'ipv4' : 'ipv6');
      exact.add(canonical(entry));
    } else if (entry.startsWith('*.')) {
      suffixes.push(entry.slice(1));
    } else {
      names.add(entry);
    }
  }
  return {
    entries: [...entries],
    allowsAddress(address, kind) {
      const plain = canonical(address);
      if (kind === 'metadata') return exact.has(plain);
      if (subnets.check(plain, isIP(plain) === 4 ? 'ipv4' : 'ipv6')) return true;
      const inner = isIP(plain) === 6 ? embeddedIpv4(plain) : undefined;
      return inner !== undefined && subnets.check(inner, 'ipv4');
    },
    allowsName(host) {
      const name = host.toLowerCase().replace(/\.$/, '');
      return names.has(name) || suffixes.some((suffix) => name.endsWith(suffix));
    },
  };
}

/** One spelling per address, so `::ffff:169.254.169.254` and `169.254.169.254` compare equal for the metadata rule. */
function canonical(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '').toLowerCase();
  if (isIP(bare) === 6) {
    const inner = embeddedIpv4(bare);
    if (inner !== undefined && classifyAddress(inner) !== 'public') return inner;
  }
  return bare;
}

export const EMPTY_ALLOW_LIST: AllowList = compileAllowList([]);
