import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { canonicalJson } from '../../src/audit/canonical-json.ts';
import { entryHash, entryHashHex } from '../../src/audit/hash-chain.ts';

/** The definition in docs/audit.md, spelled out the slow way: SHA-256(0x00 || canonical JSON of {log_id, prev_hash, record, seq}). */
function referenceEntryHash(logId: string, seq: number, prevHash: Buffer, record: unknown): Buffer {
  const leafData = canonicalJson({ seq, record, prev_hash: prevHash.toString('hex'), log_id: logId });
  return createHash('sha256').update(Buffer.from([0x00])).update(leafData, 'utf8').digest();
}

describe('entry hashes', () => {
  it('equal the reference definition, from the previous hash as bytes or as hex', () => {
    for (let round = 0; round < 100; round += 1) {
      const logId = `gw-${randomInt(1000)}/${round % 2 === 0 ? 'routine' : 'security'} "ü語"`;
      const seq = randomInt(2 ** 40);
      const prevHash = randomBytes(32);
      const record = { b: [1, 2.5, -0, null, 'ü'], a: { message: `echo ${round} 😀\u0000` }, c: 1e21 };
      const recordText = canonicalJson(record);
      const expected = referenceEntryHash(logId, seq, prevHash, record);
      assert.deepEqual(entryHash(logId, seq, prevHash, recordText), expected);
      assert.equal(entryHashHex(logId, seq, prevHash.toString('hex'), recordText), expected.toString('hex'));
    }
  });

  it('equal the reference for records longer than the scratch bytes, across alternating logs, and for text with a lone surrogate', () => {
    const prevHash = randomBytes(32);
    const long = { text: 'ü語😀'.repeat(30_000) };
    for (const logId of ['gw/security', 'gw/routine', 'gw/security', 'other "gw"/routine']) {
      for (const record of [long, { a: 1 }, { b: 'x'.repeat(21_000) }]) {
        const recordText = canonicalJson(record);
        assert.equal(entryHashHex(logId, 7, prevHash.toString('hex'), recordText), referenceEntryHash(logId, 7, prevHash, record).toString('hex'));
      }
    }
    // Canonical JSON escapes lone surrogates, but verify hashes what a store gives back: both paths write U+FFFD for one, as the reference does.
    const odd = '{"a":"\ud800x"}';
    const expected = createHash('sha256').update(Buffer.from([0x00])).update(`{"log_id":"gw/r","prev_hash":"${prevHash.toString('hex')}","record":${odd},"seq":1}`, 'utf8').digest('hex');
    assert.equal(entryHashHex('gw/r', 1, prevHash.toString('hex'), odd), expected);
  });

  it('equal the reference for what only a damaged store holds: a previous hash of another length, an odd seq', () => {
    for (const prevHash of [Buffer.alloc(0), randomBytes(31), randomBytes(40_000)]) {
      for (const seq of [0, 2 ** 53 - 1, 1e21, -1, 0.5]) {
        assert.deepEqual(entryHash('gw/routine', seq, prevHash, '{"a":1}'), referenceEntryHash('gw/routine', seq, prevHash, { a: 1 }));
      }
    }
  });

  it('read the previous hash through its view, not the whole pool it may share', () => {
    const pooled = Buffer.from(randomBytes(32).toString('hex'), 'hex');
    const copy = Buffer.from(pooled);
    assert.deepEqual(entryHash('gw/routine', 3, pooled, '{}'), entryHash('gw/routine', 3, copy, '{}'));
    assert.deepEqual(entryHash('gw/routine', 3, new Uint8Array(copy), '{}'), entryHash('gw/routine', 3, copy, '{}'));
  });
});
