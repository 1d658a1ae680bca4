// Hashing. Every digest in Cairn is SHA-256 (FIPS 180-4) from @noble/hashes: audited, pure JS, and the
// same in Node, browsers and workers.
import { sha256 } from '@noble/hashes/sha2.js';
import { blockSize, encodeHeader, encodeTx } from './encoding.js';
import { RuleError } from './errors.js';
import { BLOCK_OVERHEAD_BYTES, type BlockHeader, type Hash, TX_BYTES, type Tx } from './types.js';

export { sha256 };

/** SHA-256(SHA-256(x)), Bitcoin's double hash (Core: Hash / CHash256). */
export function sha256d(data: Uint8Array): Hash {
  return sha256(sha256(data));
}

/** Block hash = SHA-256d of the 112-byte header (Core: CBlockHeader::GetHash). */
export function blockHash(header: BlockHeader): Hash {
  return sha256d(encodeHeader(header));
}

/** Tx id = SHA-256 of the whole encoded signed tx, signature included (Core: the wtxid, in spirit). */
export function txId(tx: Tx): Hash {
  return sha256(encodeTx(tx));
}

/**
 * The ids of a block's txs, hashed straight from the block's encoding (encoding.ts: every tx is TX_BYTES
 * at a fixed offset) instead of encoding each tx again: the same bytes, so the same ids as txId. For a
 * caller that has the bytes anyway (a block read from a peer or from disk). Throws BAD_ENCODING if the
 * bytes are not a block's length for `txCount` txs, or their tx count is not `txCount`.
 */
export function txIdsOfEncoded(encoded: Uint8Array, txCount: number): Hash[] {
  if (encoded.length !== blockSize(txCount)) {
    throw new RuleError(
      'BAD_ENCODING',
      `an encoded block of ${txCount} txs is ${blockSize(txCount)} bytes, got ${encoded.length}`,
    );
  }
  // The count field too: bytes of the right length whose count says otherwise would be stored and
  // served as this block, yet decode to another (or to nothing). Issue 13: one block, one encoding.
  const at = BLOCK_OVERHEAD_BYTES - 4;
  const count =
    ((encoded[at]! << 24) | (encoded[at + 1]! << 16) | (encoded[at + 2]! << 8) | encoded[at + 3]!) >>> 0;
  if (count !== txCount) {
    throw new RuleError('BAD_ENCODING', `an encoded block of ${txCount} txs says it has ${count}`);
  }
  const ids: Hash[] = new Array(txCount);
  for (let i = 0, off = BLOCK_OVERHEAD_BYTES; i < txCount; i++, off += TX_BYTES) {
    ids[i] = sha256(encoded.subarray(off, off + TX_BYTES));
  }
  return ids;
}
