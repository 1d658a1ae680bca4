// The merkle root a header commits to (its `txRoot`): RFC 6962 §2.1 "Merkle Hash Trees", over tx ids.
//
//   MTH({})       = SHA-256()                                  the empty list
//   MTH({d0})     = SHA-256(0x00 ‖ d0)                         a leaf
//   MTH(D[0:n])   = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))  k = largest power of two < n
//
// The 0x00/0x01 prefixes separate leaves from inner nodes, so no inner node can pass for a leaf (a
// second-preimage trick against trees that hash both the same way).
//
// Why not Bitcoin's tree (Core: ComputeMerkleRoot in consensus/merkle.cpp): at a level with an odd number
// of nodes, Bitcoin pairs the last node with a copy of itself. Then the lists [a, b, c] and [a, b, c, c]
// have the same root: CVE-2012-2459. An attacker could take a valid block, duplicate its last tx(s), and
// get an invalid block with the SAME header hash; a node that cached "this hash is invalid" would then
// refuse the honest block forever (Core now detects the duplicate shape with a `mutated` flag). RFC 6962
// never duplicates: an unpaired node is carried up unchanged, so different lists give different roots.
import { Writer } from './binary.js';
import { sha256, txId } from './hash.js';
import type { Hash, Tx } from './types.js';

const LEAF = 0x00;
const NODE = 0x01;

function leafHash(id: Uint8Array): Hash {
  return sha256(new Writer(1 + id.length).u8(LEAF).raw(id).finish());
}

function nodeHash(left: Hash, right: Hash): Hash {
  return sha256(new Writer(1 + left.length + right.length).u8(NODE).raw(left).raw(right).finish());
}

/**
 * RFC 6962 Merkle Tree Hash of a list of ids, computed bottom-up with exactly 2n − 1 hashes.
 *
 * Bottom-up, level by level: hash neighbours in pairs; a level's last node, if unpaired, moves up
 * UNCHANGED (never duplicated). This builds the same tree as the RFC's top-down split at the largest
 * power of two k < n: the left part D[0:k] is a complete subtree that pairing finishes after log2(k)
 * levels, and the smaller right part D[k:n] finishes no later, its root carried up until it meets its
 * left sibling. (The test checks this against a literal transcription of the RFC.)
 */
export function merkleRoot(ids: readonly Uint8Array[]): Hash {
  if (ids.length === 0) return sha256(new Uint8Array(0));
  let level: Hash[] = ids.map(leafHash);
  while (level.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** The `txRoot` of a block's txs: the merkle root of their ids (Core: BlockMerkleRoot). */
export function txRoot(txs: readonly Tx[]): Hash {
  return merkleRoot(txs.map(txId));
}
