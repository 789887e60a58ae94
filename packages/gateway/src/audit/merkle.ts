// Merkle tree hashing of RFC 9162 (Certificate Transparency 2.0, the same
// tree as RFC 6962): leaf and node hashes, roots, inclusion and consistency
// proofs with their verification, and the frontier the log appends to. Pure.

import { createHash, hash } from 'node:crypto';

export const HASH_SIZE = 32;

/** MTH({}) = SHA-256() (RFC 9162 section 2.1.1). */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

const LEAF_PREFIX = Buffer.from([0x00]);

/** MTH({d}) = SHA-256(0x00 || d): the prefix keeps a leaf from passing for a node (RFC 9162 section 2.1.1). */
export function hashLeaf(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/**
 * hashLeaf of a string's UTF-8 bytes in one call ("\0" is the single byte
 * 0x00 in UTF-8, and one-shot hash() costs less than a Hash object), as
 * lowercase hex: its callers need the text anyway (the next entry's
 * prev_hash, a receipt). Digests are taken as hex throughout:
 * hash() with 'buffer' output costs about 0.7 µs more per call than 'hex'
 * plus Buffer.from(hex) (each digest gets its own ArrayBuffer backing store,
 * where Buffer.from takes a slice of the pool), and a log writer makes about
 * two digests per record.
 */
export function hashLeafTextHex(text: string): string {
  return hash('sha256', `\0${text}`, 'hex');
}

/** One reused buffer for 0x01 || left || right: hashing is synchronous, so nothing else writes it meanwhile. */
const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeInput[0] = 0x01;

/** SHA-256(0x01 || left || right) (RFC 9162 section 2.1.1). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    return createHash('sha256').update(nodeInput.subarray(0, 1)).update(left).update(right).digest();
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  // Hex and back costs less than a 'buffer' digest (see hashLeafTextHex).
  return Buffer.from(hash('sha256', nodeInput, 'hex'), 'hex');
}

/** The largest power of two smaller than n, for n > 1: where MTH splits D[n]. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[start:end]) over leaf hashes (already hashed with hashLeaf). */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[], start = 0, end = leafHashes.length): Buffer {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return Buffer.from(leafHashes[start]!);
  const k = splitPoint(n);
  return hashChildren(rootFromLeafHashes(leafHashes, start, start + k), rootFromLeafHashes(leafHashes, start + k, end));
}

/** PATH(m, D[n]) of RFC 9162 section 2.1.3.1, deepest sibling first. */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number, start = 0, end = leafHashes.length): Buffer[] {
  if (index < 0 || index >= end - start) throw new RangeError(`leaf ${index} is outside a tree of ${end - start} leaves`);
  return path(leafHashes, index, start, end);
}

function path(leafHashes: readonly Uint8Array[], m: number, start: number, end: number): Buffer[] {
  const n = end - start;
  if (n <= 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...path(leafHashes, m, start, start + k), rootFromLeafHashes(leafHashes, start + k, end)];
  return [...path(leafHashes, m - k, start + k, end), rootFromLeafHashes(leafHashes, start, start + k)];
}

/**
 * RFC 9162 section 2.1.3.2. Shifts are done by halving, not with `>>`, so
 * sizes above 2^31 stay exact.
 */
export function verifyInclusion(index: number, treeSize: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (leafHash.length !== HASH_SIZE || root.length !== HASH_SIZE || !proof.every((hash) => hash.length === HASH_SIZE)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && Buffer.from(r).equals(root);
}

/** PROOF(m, D[n]) of RFC 9162 section 2.1.4.1: empty when m is 0 or n. */
export function consistencyProof(leafHashes: readonly Uint8Array[], m: number, n = leafHashes.length): Buffer[] {
  if (m < 0 || m > n || n > leafHashes.length) throw new RangeError(`no consistency proof from size ${m} to size ${n}`);
  if (m === 0 || m === n) return [];
  return subproof(leafHashes, m, 0, n, true);
}

function subproof(leafHashes: readonly Uint8Array[], m: number, start: number, end: number, isComplete: boolean): Buffer[] {
  const n = end - start;
  if (m === n) return isComplete ? [] : [rootFromLeafHashes(leafHashes, start, end)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(leafHashes, m, start, start + k, isComplete), rootFromLeafHashes(leafHashes, start + k, end)];
  return [...subproof(leafHashes, m - k, start + k, end, false), rootFromLeafHashes(leafHashes, start, start + k)];
}

/** RFC 9162 section 2.1.4.2, with its trivial cases: equal sizes need equal roots, size 0 is consistent with anything. */
export function verifyConsistency(firstSize: number, secondSize: number, proof: readonly Uint8Array[], firstRoot: Uint8Array, secondRoot: Uint8Array): boolean {
  if (!isSize(firstSize) || !isSize(secondSize) || firstSize > secondSize) return false;
  if (firstSize === secondSize) return proof.length === 0 && Buffer.from(firstRoot).equals(secondRoot);
  if (firstSize === 0) return proof.length === 0;
  if (proof.length === 0 || !proof.every((hash) => hash.length === HASH_SIZE)) return false;
  if (firstRoot.length !== HASH_SIZE || secondRoot.length !== HASH_SIZE) return false;
  const path = isPowerOfTwo(firstSize) ? [firstRoot, ...proof] : [...proof];
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (let index = 1; index < path.length; index += 1) {
    const c = path[index]!;
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return Buffer.from(fr).equals(firstRoot) && Buffer.from(sr).equals(secondRoot) && sn === 0;
}

/**
 * The roots of the perfect subtrees that make up a tree of `size` leaves,
 * largest first (a "compact range" from 0): enough to append leaves and to
 * compute MTH of every later size without the earlier leaves. A log keeps one
 * per head, and retention keeps one at the start of what it did not delete.
 */
export class MerkleFrontier {
  #size: number;
  readonly #hashes: Buffer[];

  constructor(size = 0, hashes: readonly Uint8Array[] = []) {
    if (!isSize(size) || hashes.length !== bitCount(size) || !hashes.every((hash) => hash.length === HASH_SIZE)) {
      throw new RangeError(`a frontier of ${size} leaves has ${bitCount(size)} hashes, got ${hashes.length}`);
    }
    this.#size = size;
    this.#hashes = hashes.map((hash) => Buffer.from(hash));
  }

  get size(): number {
    return this.#size;
  }

  get hashes(): readonly Buffer[] {
    return this.#hashes;
  }

  append(leafHash: Uint8Array): void {
    let merged: Buffer = Buffer.isBuffer(leafHash) ? leafHash : Buffer.from(leafHash);
    let size = this.#size;
    // Each trailing 1 bit of the old size is a subtree of equal height to merge with.
    while (isOdd(size)) {
      merged = hashChildren(this.#hashes.pop()!, merged);
      size = half(size);
    }
    this.#hashes.push(merged);
    this.#size += 1;
  }

  /** MTH of the leaves so far: subtrees folded right to left, as MTH's split at powers of two nests them. */
  root(): Buffer {
    if (this.#hashes.length === 0) return EMPTY_ROOT;
    let root = this.#hashes[this.#hashes.length - 1]!;
    for (let index = this.#hashes.length - 2; index >= 0; index -= 1) root = hashChildren(this.#hashes[index]!, root);
    return root;
  }

  clone(): MerkleFrontier {
    return new MerkleFrontier(this.#size, this.#hashes);
  }

  /** The hashes concatenated, for storage beside the size. */
  toBytes(): Buffer {
    return Buffer.concat(this.#hashes);
  }

  /** The frontier stored for `size`, or undefined when the bytes cannot be one (a damaged or edited row). */
  static tryFromBytes(size: number, bytes: Uint8Array): MerkleFrontier | undefined {
    if (!isSize(size) || bytes.length !== bitCount(size) * HASH_SIZE) return undefined;
    return MerkleFrontier.fromBytes(size, bytes);
  }

  static fromBytes(size: number, bytes: Uint8Array): MerkleFrontier {
    const hashes: Buffer[] = [];
    for (let offset = 0; offset < bytes.length; offset += HASH_SIZE) hashes.push(Buffer.from(bytes.subarray(offset, offset + HASH_SIZE)));
    return new MerkleFrontier(size, hashes);
  }
}

function isSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isOdd(value: number): boolean {
  return value % 2 === 1;
}

function half(value: number): number {
  return Math.floor(value / 2);
}

function isPowerOfTwo(value: number): boolean {
  return value > 0 && bitCount(value) === 1;
}

function bitCount(value: number): number {
  let count = 0;
  for (let rest = value; rest > 0; rest = half(rest)) count += rest % 2;
  return count;
}
