import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.ts';
import { diffConfig } from '../../src/config/config-diff.ts';

const parse = (text: string) => parseConfig(text, 'gatehouse.yaml', {}, { hostname: 'testhost' }).config;

describe('the outbound section', () => {
  it('defaults to an empty allow list, 10 s and 1 MiB', () => {
    assert.deepEqual(parse('backends: []\n').outbound, { allow: [], timeoutMs: 10_000, maxResponseBytes: 1_048_576 });
  });

  it('reads CIDRs, addresses, names and *.suffix patterns', () => {
    const config = parse('outbound:\n  allow: [10.0.0.0/8, "fd00::/8", 127.0.0.1, wiki.internal, "*.svc.cluster.local"]\n  timeout_ms: 5000\n  max_response_bytes: 65536\n');
    assert.deepEqual(config.outbound, { allow: ['10.0.0.0/8', 'fd00::/8', '127.0.0.1', 'wiki.internal', '*.svc.cluster.local'], timeoutMs: 5000, maxResponseBytes: 65_536 });
  });

  it('names the entry and what is wrong with it', () => {
    assert.throws(() => parse('outbound:\n  allow: [10.0.0.0/40]\n'), /outbound\.allow\[0\]: "10\.0\.0\.0\/40": the prefix length must be 0 to 32/);
    assert.throws(() => parse('outbound:\n  allow: [0.0.0.0/0]\n'), /outbound\.allow\[0\]: .*would allow every address/);
    assert.throws(() => parse('outbound:\n  allow: ["http://wiki"]\n'), /outbound\.allow\[0\]: .*expected a CIDR/);
    assert.throws(() => parse('outbound:\n  alow: []\n'), /outbound\.alow: unknown key \(did you mean "allow"\?\)/);
  });

  it('is applied at the next restart, not by a reload', () => {
    const before = parse('backends: []\n');
    const after = parse('outbound:\n  allow: [10.0.0.0/8]\n');
    assert.deepEqual(diffConfig(before, after).needsRestart, ['outbound']);
  });
});
