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

  it('read the previous hash through its view, not the whole pool it may share', () => {
    const pooled = Buffer.from(randomBytes(32).toString('hex'), 'hex');
    const copy = Buffer.from(pooled);
    assert.deepEqual(entryHash('gw/routine', 3, pooled, '{}'), entryHash('gw/routine', 3, copy, '{}'));
    assert.deepEqual(entryHash('gw/routine', 3, new Uint8Array(copy), '{}'), entryHash('gw/routine', 3, copy, '{}'));
  });
});
