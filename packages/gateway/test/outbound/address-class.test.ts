import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, classifyHost, embeddedIpv4, type AddressClass } from '../../src/outbound/address-class.ts';
import { allowEntryProblem, compileAllowList } from '../../src/outbound/allow-list.ts';

describe('address classification', () => {
  const hosts: Array<[string, AddressClass | undefined]> = [
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::1', 'loopback'],
    ['[::ffff:127.0.0.1]', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['[0:0:0:0:0:ffff:127.0.0.1]', 'loopback'],
    ['[::127.0.0.1]', 'loopback'],
    ['[64:ff9b::127.0.0.1]', 'loopback'],
    ['[2002:7f00:1::]', 'loopback'],
    ['localhost', 'loopback'],
    ['LOCALHOST.', 'loopback'],
    ['api.localhost', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['[::]', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['[fc00::1]', 'private'],
    ['[fd12:3456::1]', 'private'],
    ['[::ffff:10.0.0.1]', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.254', 'shared'],
    ['169.254.1.1', 'link_local'],
    ['[fe80::1]', 'link_local'],
    ['[febf::1]', 'link_local'],
    ['169.254.169.254', 'metadata'],
    ['0xa9fea9fe', 'metadata'],
    ['[::ffff:169.254.169.254]', 'metadata'],
    ['[fd00:ec2::254]', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['metadata.google.internal', 'metadata'],
    ['METADATA.GOOGLE.INTERNAL.', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['[ff02::1]', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['[2001:db8::1]', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['[2606:4700:4700::1111]', 'public'],
    ['[::ffff:8.8.8.8]', 'public'],
    ['example.com', 'public'],
    ['127.0.0.1.nip.io', 'public'],
    ['exa mple.com', undefined],
  ];
  for (const [host, expected] of hosts) {
    test(`classifies ${host} as ${expected ?? 'not a host'}`, () => {
      assert.equal(classifyHost(host), expected);
    });
  }

  test('classifies resolved addresses the same way, whatever their spelling', () => {
    assert.equal(classifyAddress('::ffff:127.0.0.1'), 'loopback');
    assert.equal(classifyAddress('0:0:0:0:0:ffff:a9fe:a9fe'), 'metadata');
    assert.equal(classifyAddress('fe80::1%eth0'), 'link_local');
    assert.equal(classifyAddress('not-an-address'), undefined);
  });

  test('finds the IPv4 address inside mapped, compatible, NAT64 and 6to4 forms and nowhere else', () => {
    assert.equal(embeddedIpv4('::ffff:1.2.3.4'), '1.2.3.4');
    assert.equal(embeddedIpv4('::0102:0304'), '1.2.3.4');
    assert.equal(embeddedIpv4('64:ff9b::a00:1'), '10.0.0.1');
    assert.equal(embeddedIpv4('2002:a9fe:a9fe::1'), '169.254.169.254');
    assert.equal(embeddedIpv4('2606:4700::1'), undefined);
    assert.equal(embeddedIpv4('::1'), undefined);
  });
});

describe('outbound.allow entries', () => {
  test('accepts CIDRs, addresses, names and *.suffix patterns', () => {
    for (const entry of ['10.0.0.0/8', 'fd00::/8', '127.0.0.1', '::1', 'wiki.internal', '*.svc.cluster.local']) {
      assert.equal(allowEntryProblem(entry), undefined, entry);
    }
  });

  test('refuses malformed entries and an allow-everything prefix with a reason', () => {
    assert.match(allowEntryProblem('10.0.0.0/33')!, /prefix length must be 0 to 32/);
    assert.match(allowEntryProblem('0.0.0.0/0')!, /every address/);
    assert.match(allowEntryProblem('not an entry')!, /expected a CIDR/);
    assert.match(allowEntryProblem('host/8')!, /not an IP address/);
  });

  test('a CIDR opens its addresses, including their IPv4-mapped spelling, and nothing else', () => {
    const allow = compileAllowList(['127.0.0.0/8']);
    assert.equal(allow.allowsAddress('127.0.0.5', 'loopback'), true);
    assert.equal(allow.allowsAddress('::ffff:127.0.0.5', 'loopback'), true);
    assert.equal(allow.allowsAddress('10.0.0.1', 'private'), false);
  });

  test('a metadata address is opened only by an entry naming exactly it, never by a covering range', () => {
    assert.equal(compileAllowList(['169.254.0.0/16']).allowsAddress('169.254.169.254', 'metadata'), false);
    assert.equal(compileAllowList(['169.254.169.254']).allowsAddress('169.254.169.254', 'metadata'), true);
    assert.equal(compileAllowList(['169.254.169.254/32']).allowsAddress('::ffff:169.254.169.254', 'metadata'), true);
  });

  test('names match exactly or under a *.suffix', () => {
    const allow = compileAllowList(['wiki.internal', '*.svc.cluster.local']);
    assert.equal(allow.allowsName('WIKI.internal.'), true);
    assert.equal(allow.allowsName('crm.tools.svc.cluster.local'), true);
    assert.equal(allow.allowsName('svc.cluster.local.evil.com'), false);
    assert.equal(allow.allowsName('notwiki.internal'), false);
  });
});
