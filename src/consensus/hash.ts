// Hashing. Every digest in Cairn is SHA-256 (FIPS 180-4) from @noble/hashes: audited, pure JS, and the
// same in Node, browsers and workers.
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeHeader, encodeTx } from './encoding.js';
import type { BlockHeader, Hash, Tx } from './types.js';

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
