// The hash chain: each entry of a log carries the hash of the entry before it,
// so changing, removing or reordering any stored record breaks every link
// after it (docs/audit.md, tamper evidence). An entry's hash is also its Merkle
// leaf hash, so the chain and the signed tree cover the same bytes.

import { canonicalJson } from './canonical-json.ts';
import { HASH_SIZE, hashLeafTextHex } from './merkle.ts';
import type { AuditRecord } from './record.ts';

/** The previous hash of a log's first entry. */
export const GENESIS_HASH: Buffer = Buffer.alloc(HASH_SIZE);

/** One record as a log stores it: its place in the log and the two hashes that bind it there. */
export interface ChainedEntry {
  logId: string;
  /** 0-based position in the log; also the Merkle leaf index. */
  seq: number;
  prevHash: Buffer;
  hash: Buffer;
  /** The record in canonical JSON, exactly the bytes that were hashed. */
  recordText: string;
}

/**
 * The Merkle leaf data of an entry: the canonical JSON (RFC 8785) of
 * `{log_id, prev_hash, record, seq}`. The record is already canonical text,
 * so it is spliced in rather than parsed and serialized again; the keys are
 * written in the order RFC 8785 section 3.2.3 sorts them. `prevHashHex` is
 * the previous hash in lowercase hex, as the text carries it.
 */
function entryLeafData(logId: string, seq: number, prevHashHex: string, recordText: string): string {
  return `{"log_id":${JSON.stringify(logId)},"prev_hash":"${prevHashHex}","record":${recordText},"seq":${seq}}`;
}

/** SHA-256(0x00 || leaf data): the entry's hash, the next entry's prev_hash, and its Merkle leaf hash. */
export function entryHash(logId: string, seq: number, prevHash: Uint8Array, recordText: string): Buffer {
  return Buffer.from(entryHashHex(logId, seq, hexOf(prevHash), recordText), 'hex');
}

/**
 * entryHash in lowercase hex, from the previous hash in hex: a writer keeps
 * each new hash as hex too, since the next entry's leaf data and the
 * receipt both carry it as text (one conversion instead of two per record).
 */
export function entryHashHex(logId: string, seq: number, prevHashHex: string, recordText: string): string {
  return hashLeafTextHex(entryLeafData(logId, seq, prevHashHex, recordText));
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** `recordText` is canonicalJson(record) when the caller already has it (the SQLite sink serializes once, on the gateway's thread). */
export function chainRecord(logId: string, seq: number, prevHash: Buffer, record: AuditRecord, recordText: string = canonicalJson(record)): ChainedEntry {
  return { logId, seq, prevHash, hash: entryHash(logId, seq, prevHash, recordText), recordText };
}
