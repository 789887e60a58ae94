import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import {
  consistencyProof, EMPTY_ROOT, hashChildren, hashLeaf, hashLeafTextHex, inclusionProof, MerkleFrontier, rootFromLeafHashes, verifyConsistency, verifyInclusion,
} from '../../src/audit/merkle.ts';

// The RFC 6962 test vectors of the transparency-dev/merkle reference
// implementation (testonly/constants.go, proof/verify_test.go).
const hex = (text: string) => Buffer.from(text, 'hex');
const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex);
const LEAVES = LEAF_INPUTS.map((input) => hashLeaf(input));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(hex);
const NODES = [
  ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7', '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1'],
  ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0'],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
].map((level) => level.map(hex));
const node = (level: number, index: number) => NODES[level]![index]!;

/** Random text of `length` code points, ASCII and not (accents, CJK, astral emoji, NUL). */
function randomText(length: number): string {
  const alphabet = ['a', 'Z', '"', '\\', '\u0000', 'ü', '語', '😀', '{', ' '];
  let text = '';
  for (let index = 0; index < length; index += 1) text += alphabet[randomInt(alphabet.length)];
  return text;
}

/** Inclusion proofs: [leaf index (0-based), tree size, proof]. */
const INCLUSION_VECTORS: [number, number, Buffer[]][] = [
  [0, 1, []],
  [0, 8, [node(0, 1), node(1, 1), node(2, 1)]],
  [5, 8, [node(0, 4), node(1, 3), node(2, 0)]],
  [2, 3, [hex('fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125')]],
  [1, 5, [node(0, 0), node(1, 1), node(0, 4)]],
];

/** Consistency proofs: [size1, size2, proof]. */
const CONSISTENCY_VECTORS: [number, number, Buffer[]][] = [
  [1, 1, []],
  [1, 8, [node(0, 1), node(1, 1), node(2, 1)]],
  [6, 8, [node(1, 2), node(1, 3), node(2, 0)]],
  [2, 5, [node(1, 1), node(0, 4)]],
  [6, 7, [node(1, 2), node(0, 6), node(2, 0)]],
];

const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456');

describe('Merkle tree hashing (RFC 9162 section 2.1)', () => {
  it('hashes the empty tree to SHA-256 of nothing', () => {
    assert.deepEqual(EMPTY_ROOT, ROOTS[0]);
    assert.deepEqual(rootFromLeafHashes([]), ROOTS[0]);
  });

  it('computes the reference root of every tree size from 1 to 8', () => {
    for (let size = 1; size <= 8; size += 1) assert.deepEqual(rootFromLeafHashes(LEAVES.slice(0, size)), ROOTS[size], `size ${size}`);
  });

  it('computes the reference leaf and interior node hashes', () => {
    LEAVES.forEach((leaf, index) => assert.deepEqual(leaf, node(0, index)));
    assert.deepEqual(hashChildren(node(0, 0), node(0, 1)), node(1, 0));
    assert.deepEqual(hashChildren(node(2, 0), node(2, 1)), node(3, 0));
  });

  it('hashes text leaves as the bytes of their UTF-8 encoding', () => {
    assert.equal(hashLeafTextHex('ünïcode {"a":1}'), hashLeaf(Buffer.from('ünïcode {"a":1}', 'utf8')).toString('hex'));
  });

  // The digests are taken as hex and turned back into bytes (cheaper than a 'buffer' digest): the bytes must be exactly SHA-256 of the RFC's input.
  it('hashes random leaves and nodes exactly as SHA-256(0x00 || d) and SHA-256(0x01 || l || r), in bytes and in hex', () => {
    for (let round = 0; round < 200; round += 1) {
      const text = randomText(round);
      const expectedLeaf = createHash('sha256').update(Buffer.from([0x00])).update(Buffer.from(text, 'utf8')).digest();
      assert.equal(hashLeafTextHex(text), expectedLeaf.toString('hex'));
      const left = randomBytes(32);
      const right = randomBytes(32);
      const children = hashChildren(left, right);
      assert.equal(children.length, 32);
      assert.deepEqual(children, createHash('sha256').update(Buffer.from([0x01])).update(left).update(right).digest());
    }
  });
});

describe('inclusion proofs (RFC 9162 section 2.1.3)', () => {
  for (const [index, size, proof] of INCLUSION_VECTORS) {
    it(`builds and verifies the reference proof of leaf ${index} in a tree of ${size}`, () => {
      assert.deepEqual(inclusionProof(LEAVES.slice(0, size), index), proof);
      assert.equal(verifyInclusion(index, size, LEAVES[index]!, proof, ROOTS[size]!), true);
    });
  }

  it('rejects a proof with the wrong index, size, leaf, root, or a changed, missing or extra element', () => {
    const [index, size, proof] = INCLUSION_VECTORS[2]!;
    const leaf = LEAVES[index]!;
    const root = ROOTS[size]!;
    const flipped = proof.map((hash, position) => (position === 1 ? Buffer.from(hash.map((byte, offset) => (offset === 0 ? byte ^ 8 : byte))) : hash));
    const probes: [string, boolean][] = [
      ['index - 1', verifyInclusion(index - 1, size, leaf, proof, root)],
      ['index + 1', verifyInclusion(index + 1, size, leaf, proof, root)],
      ['size * 2', verifyInclusion(index, size * 2, leaf, proof, root)],
      ['size / 2', verifyInclusion(index, size / 2, leaf, proof, root)],
      ['wrong leaf', verifyInclusion(index, size, LEAVES[0]!, proof, root)],
      ['empty root', verifyInclusion(index, size, leaf, proof, EMPTY_ROOT)],
      ['random root', verifyInclusion(index, size, leaf, proof, SOME_HASH)],
      ['flipped bit', verifyInclusion(index, size, leaf, flipped, root)],
      ['missing element', verifyInclusion(index, size, leaf, proof.slice(0, -1), root)],
      ['trailing root', verifyInclusion(index, size, leaf, [...proof, root], root)],
      ['preceding root', verifyInclusion(index, size, leaf, [root, ...proof], root)],
      ['index beyond size', verifyInclusion(size, size, leaf, proof, root)],
    ];
    assert.deepEqual(probes.filter(([, isValid]) => isValid).map(([name]) => name), []);
  });

  it('proves every leaf of every tree up to 40 leaves', () => {
    const leaves = Array.from({ length: 40 }, (_, index) => hashLeaf(Buffer.from([index])));
    for (let size = 1; size <= leaves.length; size += 1) {
      const root = rootFromLeafHashes(leaves.slice(0, size));
      for (let index = 0; index < size; index += 1) {
        assert.equal(verifyInclusion(index, size, leaves[index]!, inclusionProof(leaves.slice(0, size), index), root), true, `leaf ${index} of ${size}`);
      }
    }
  });
});

describe('consistency proofs (RFC 9162 section 2.1.4)', () => {
  for (const [first, second, proof] of CONSISTENCY_VECTORS) {
    it(`builds and verifies the reference proof from size ${first} to size ${second}`, () => {
      assert.deepEqual(consistencyProof(LEAVES, first, second), proof);
      assert.equal(verifyConsistency(first, second, proof, ROOTS[first]!, ROOTS[second]!), true);
    });
  }

  it('handles the trivial cases as the reference does', () => {
    const [rootA, rootB] = [hashLeaf(Buffer.from('a')), hashLeaf(Buffer.from('b'))];
    const cases: [number, number, Buffer, Buffer, Buffer[], boolean][] = [
      [0, 0, rootA, rootB, [], false],
      [1, 1, rootA, rootB, [], false],
      [0, 0, rootA, rootA, [], true],
      [0, 1, rootA, rootB, [], true],
      [1, 1, rootB, rootB, [], true],
      [1, 0, rootA, rootB, [], false],
      [2, 1, rootA, rootB, [], false],
      [1, 2, rootA, rootB, [], false],
      [0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], false],
      [0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], false],
      [1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], false],
    ];
    for (const [first, second, firstRoot, secondRoot, proof, expected] of cases) {
      assert.equal(verifyConsistency(first, second, proof, firstRoot, secondRoot), expected, `${first} -> ${second}`);
    }
  });

  it('rejects a proof with the wrong sizes, swapped roots, or a changed, missing or extra element', () => {
    const [first, second, proof] = CONSISTENCY_VECTORS[2]!;
    const [rootA, rootB] = [ROOTS[first]!, ROOTS[second]!];
    const flipped = proof.map((hash, position) => (position === 0 ? Buffer.from(hash.map((byte, offset) => (offset === 0 ? byte ^ 16 : byte))) : hash));
    const probes: [string, boolean][] = [
      ['size1 - 1', verifyConsistency(first - 1, second, proof, rootA, rootB)],
      ['size1 + 1', verifyConsistency(first + 1, second, proof, rootA, rootB)],
      ['size2 * 2', verifyConsistency(first, second * 2, proof, rootA, rootB)],
      ['size2 / 2', verifyConsistency(first, second / 2, proof, rootA, rootB)],
      ['swapped roots', verifyConsistency(first, second, proof, rootB, rootA)],
      ['empty proof', verifyConsistency(first, second, [], rootA, rootB)],
      ['flipped bit', verifyConsistency(first, second, flipped, rootA, rootB)],
      ['truncated', verifyConsistency(first, second, proof.slice(0, -1), rootA, rootB)],
      ['trailing root', verifyConsistency(first, second, [...proof, rootA], rootA, rootB)],
      ['preceding element', verifyConsistency(first, second, [proof[0]!, ...proof], rootA, rootB)],
    ];
    assert.deepEqual(probes.filter(([, isValid]) => isValid).map(([name]) => name), []);
  });

  it('proves consistency between every pair of sizes up to 33 leaves', () => {
    const leaves = Array.from({ length: 33 }, (_, index) => hashLeaf(Buffer.from([index, 7])));
    for (let second = 1; second <= leaves.length; second += 1) {
      const secondRoot = rootFromLeafHashes(leaves.slice(0, second));
      for (let first = 1; first <= second; first += 1) {
        const proof = consistencyProof(leaves, first, second);
        assert.equal(verifyConsistency(first, second, proof, rootFromLeafHashes(leaves.slice(0, first)), secondRoot), true, `${first} -> ${second}`);
      }
    }
  });
});

describe('the Merkle frontier', () => {
  it('holds the reference compact tree of every size from 0 to 8', () => {
    const expected = [[], [node(0, 0)], [node(1, 0)], [node(1, 0), node(0, 2)], [node(2, 0)], [node(2, 0), node(0, 4)], [node(2, 0), node(1, 2)], [node(2, 0), node(1, 2), node(0, 6)], [node(3, 0)]];
    const frontier = new MerkleFrontier();
    assert.deepEqual([...frontier.hashes], expected[0]);
    LEAVES.forEach((leaf, index) => {
      frontier.append(leaf);
      assert.deepEqual([...frontier.hashes], expected[index + 1], `size ${index + 1}`);
      assert.deepEqual(frontier.root(), ROOTS[index + 1]);
    });
  });

  it('continues from its stored bytes to the same roots as the full tree', () => {
    const leaves = Array.from({ length: 100 }, (_, index) => hashLeaf(Buffer.from(String(index))));
    const frontier = new MerkleFrontier();
    for (const leaf of leaves.slice(0, 37)) frontier.append(leaf);
    const restored = MerkleFrontier.fromBytes(frontier.size, frontier.toBytes());
    for (let size = 38; size <= leaves.length; size += 1) {
      restored.append(leaves[size - 1]!);
      assert.deepEqual(restored.root(), rootFromLeafHashes(leaves.slice(0, size)), `size ${size}`);
    }
  });

  it('refuses stored bytes that do not fit the size', () => {
    assert.throws(() => MerkleFrontier.fromBytes(3, Buffer.alloc(32)), RangeError);
  });
});
