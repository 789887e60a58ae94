// The hash chain: each entry of a log carries the hash of the entry before it,
// so changing, removing or reordering any stored record breaks every link
// after it (docs/audit.md, tamper evidence). An entry's hash is also its Merkle
// leaf hash, so the chain and the signed tree cover the same bytes.

import { hash } from 'node:crypto';
import { HASH_SIZE, hashLeafTextHex } from './merkle.ts';

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
  const seqText = String(seq);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit (6 for a log id JSON escapes); an entry too long for the scratch bytes is hashed as one string.
  if (LEAF_FIXED_BYTES + 6 * logId.length + prevHashHex.length + 3 * recordText.length + seqText.length > leafBytes.length) {
    return hashLeafTextHex(entryLeafData(logId, seq, prevHashHex, recordText));
  }
  // The same bytes as entryLeafData's text, written into reused scratch bytes: no ~1 KB leaf string per record for the GC, and one native write (the record's) instead of converting the whole text.
  if (logId !== leafLogId) {
    leafLogId = logId;
    leafHead = Buffer.from(`\0{"log_id":${JSON.stringify(logId)},"prev_hash":"`, 'utf8');
  }
  leafBytes.set(leafHead, 0);
  let end = writeAscii(prevHashHex, leafHead.length);
  leafBytes.set(RECORD_KEY, end);
  end += RECORD_KEY.length;
  end += leafBytes.write(recordText, end, 'utf8');
  leafBytes.set(SEQ_KEY, end);
  end = writeAscii(seqText, end + SEQ_KEY.length);
  leafBytes[end] = 0x7d; // }
  return hash('sha256', leafBytes.subarray(0, end + 1), 'hex');
}

/** Writes ASCII `text` (hex digits, a number's digits) into leafBytes at `offset`; returns the offset after it. */
function writeAscii(text: string, offset: number): number {
  for (let index = 0; index < text.length; index += 1) leafBytes[offset + index] = text.charCodeAt(index);
  return offset + text.length;
}

/**
 * Scratch bytes for one leaf's data; hashing is synchronous, so nothing else
 * writes them meanwhile. 64 KiB holds any usual record; longer ones take the
 * string path.
 */
const leafBytes = Buffer.allocUnsafeSlow(64 * 1024);
const RECORD_KEY = Buffer.from('","record":', 'latin1');
const SEQ_KEY = Buffer.from(',"seq":', 'latin1');
/** The 0x00 prefix, the fixed keys and the log id's quotes. */
const LEAF_FIXED_BYTES = 1 + '{"log_id":"","prev_hash":"","record":,"seq":}'.length;
/** The last log id and its leaf data up to prev_hash's value, as bytes: a writer chains a batch into one or two logs. */
let leafLogId: string | undefined;
let leafHead = Buffer.alloc(0);

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
