import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointBody, generateSigningKey, isCheckpointSignatureValid, loadOrCreateSigningKey, publicKeyFromPem, signCheckpoint } from '../../src/audit/checkpoint.ts';
import { isAuditError } from '../../src/audit/errors.ts';
import { EMPTY_ROOT } from '../../src/audit/merkle.ts';
import { createTempDirectory, type TempDirectory } from './fixtures/audit-fixtures.ts';

describe('signed checkpoints', () => {
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(() => directory.remove());

  it('writes the C2SP checkpoint body: origin, size, base64 root, timestamp', () => {
    assert.equal(checkpointBody({ logId: 'gw-1/routine', treeSize: 42, rootHash: EMPTY_ROOT, timestampMs: 1_700_000_000_000 }), 'gw-1/routine\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\ntimestamp 1700000000000\n');
  });

  it('verifies a checkpoint with the signer\'s public key and no other', () => {
    const key = generateSigningKey();
    const checkpoint = signCheckpoint(key, { logId: 'gw/routine', treeSize: 3, rootHash: EMPTY_ROOT, timestampMs: 1 });
    assert.equal(checkpoint.keyId, key.keyId);
    assert.equal(isCheckpointSignatureValid(checkpoint, key.publicKey), true);
    assert.equal(isCheckpointSignatureValid(checkpoint, generateSigningKey().publicKey), false);
  });

  it('rejects a checkpoint whose size, root, log or time was changed after signing', () => {
    const key = generateSigningKey();
    const checkpoint = signCheckpoint(key, { logId: 'gw/routine', treeSize: 3, rootHash: EMPTY_ROOT, timestampMs: 1 });
    for (const forged of [
      { ...checkpoint, treeSize: 4 },
      { ...checkpoint, rootHash: Buffer.alloc(32) },
      { ...checkpoint, logId: 'gw/security' },
      { ...checkpoint, timestampMs: 2 },
    ]) {
      assert.equal(isCheckpointSignatureValid(forged, key.publicKey), false);
    }
  });

  it('generates a key file readable by its owner only, and reads the same key back', async () => {
    const path = join(directory.path, 'keys', 'audit-signing-key.pem');
    const created = await loadOrCreateSigningKey(path);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await loadOrCreateSigningKey(path)).keyId, created.keyId);
  });

  it('gives two processes starting at once the same key', async () => {
    const path = join(directory.path, 'race', 'key.pem');
    const keys = await Promise.all(Array.from({ length: 5 }, () => loadOrCreateSigningKey(path)));
    assert.equal(new Set(keys.map((key) => key.keyId)).size, 1);
  });

  it('refuses a key file that is not an Ed25519 key, with a code', async () => {
    const path = join(directory.path, 'bad.pem');
    await writeFile(path, 'not a key');
    await assert.rejects(loadOrCreateSigningKey(path), (error) => isAuditError(error) && error.code === 'audit_key_invalid');
  });

  it('reads a public key from a private key PEM as its public half', () => {
    const key = generateSigningKey();
    const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.equal(publicKeyFromPem(pem).export({ type: 'spki', format: 'pem' }), key.publicKeyPem);
  });
});
