// Signed checkpoints: an Ed25519 signature (node:crypto) over a log's id, tree
// size and Merkle root, in the body format of C2SP tlog-checkpoint (origin,
// size, base64 root; a timestamp as an extension line). A checkpoint commits
// the log to every record so far; later ones must extend it consistently.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AuditError, describeCause } from './errors.ts';

export interface Checkpoint {
  logId: string;
  treeSize: number;
  rootHash: Buffer;
  timestampMs: number;
  /** Which key signed it (keyIdOf), so a verifier picks the right public key. */
  keyId: string;
  signature: Buffer;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  /** SPKI PEM of the public key, for the store's key table and for verifiers elsewhere. */
  publicKeyPem: string;
}

/**
 * The signed text. Origin line first, then the size in decimal, then the root
 * in standard base64 (C2SP tlog-checkpoint); the extension line carries the
 * signing time, so that a replayed old checkpoint shows its age.
 */
export function checkpointBody(fields: { logId: string; treeSize: number; rootHash: Uint8Array; timestampMs: number }): string {
  return `${fields.logId}\n${fields.treeSize}\n${Buffer.from(fields.rootHash).toString('base64')}\ntimestamp ${fields.timestampMs}\n`;
}

export function signCheckpoint(key: SigningKey, fields: { logId: string; treeSize: number; rootHash: Buffer; timestampMs: number }): Checkpoint {
  // Ed25519 takes no digest algorithm: node:crypto's sign() wants null for it.
  const signature = sign(null, Buffer.from(checkpointBody(fields), 'utf8'), key.privateKey);
  return { ...fields, keyId: key.keyId, signature };
}

export function isCheckpointSignatureValid(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(checkpointBody(checkpoint), 'utf8'), publicKey, checkpoint.signature);
  } catch {
    return false;
  }
}

/** The first 16 hex digits of SHA-256 over the key's SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

function signingKeyFromPrivateKey(privateKey: KeyObject): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditError('audit_key_invalid', `the audit signing key is a ${privateKey.asymmetricKeyType ?? 'non-asymmetric'} key; an Ed25519 key is needed (delete the file to have one generated)`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function generateSigningKey(): SigningKey {
  return signingKeyFromPrivateKey(generateKeyPairSync('ed25519').privateKey);
}

export function signingKeyFromPem(pem: string, source = 'the audit signing key'): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new AuditError('audit_key_invalid', `${source} is not a PEM private key (${describeCause(error)}); restore it from backup or delete it to start a new key`, { cause: error });
  }
  return signingKeyFromPrivateKey(privateKey);
}

/** The key in `path` (PKCS#8 PEM), or undefined when there is no such file. */
export async function readSigningKey(path: string): Promise<SigningKey | undefined> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AuditError('audit_key_invalid', `cannot read the audit signing key ${path}: ${describeCause(error)}`, { cause: error });
  }
  return signingKeyFromPem(pem, path);
}

/**
 * Reads the key in `path`, or generates one and writes it there readable by
 * its owner only. The exclusive create ('wx') makes two processes starting at
 * once agree on one key: the loser reads the winner's file.
 */
export async function loadOrCreateSigningKey(path: string): Promise<SigningKey> {
  const existing = await readSigningKey(path);
  if (existing !== undefined) return existing;
  const key = generateSigningKey();
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(path, key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new AuditError('audit_key_invalid', `cannot write the audit signing key ${path}: ${describeCause(error)}`, { cause: error });
    }
    return (await readSigningKey(path))!;
  }
  return key;
}

/** A public key from SPKI PEM, or a private key's PEM (its public half). */
export function publicKeyFromPem(pem: string, source = 'the public key'): KeyObject {
  try {
    const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${key.asymmetricKeyType} key, not Ed25519`);
    return key;
  } catch (error) {
    throw new AuditError('audit_key_invalid', `${source} is not an Ed25519 key in PEM form: ${describeCause(error)}`, { cause: error });
  }
}
