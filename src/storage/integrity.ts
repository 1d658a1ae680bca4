// Integrity of the records read back from LevelDB (docs/STORAGE.md "Integrity checks").
//
// LevelDB checks the CRC of a log record when it replays the log at open, but classic-level does not
// expose `verify_checksums`, so a table (.ldb) read is NOT checked: a flipped bit on disk comes back as a
// plausible value. Bodies are high-entropy (keys, signatures), so LevelDB stores them uncompressed and such
// a flip shows up nowhere else: an outside test campaign got an altered block back, with no error, from
// 49 of 150 random bit flips in an .ldb file. So Cairn checks what it reads where the key commits to the
// value: a block body is stored under its own hash, and its header commits to its txs (the txRoot), so the
// body read for hash H is exactly the block H or it is damaged. The check costs one double SHA-256 of the
// header and one SHA-256 per tx plus the merkle tree, next to reading the bytes at all.
// (Core: ReadBlockFromDisk rechecks the header's proof of work and that the block read is the block asked
// for, "GetHash() doesn't match index"; the merkle root is checked again by CheckBlock on every connect.)
import { bytesEqual, toHex } from '../consensus/bytes.js';
import { blockSize, decodeHeader } from '../consensus/encoding.js';
import { sha256d, txIdsOfEncoded } from '../consensus/hash.js';
import { merkleRoot } from '../consensus/merkle.js';
import { BLOCK_OVERHEAD_BYTES, type Hash, HEADER_BYTES, TX_BYTES } from '../consensus/types.js';

/**
 * Why `bytes`, stored under block hash `hash`, is not that block; undefined when it is. Checks, in order:
 * the length fits the tx count it states, the header hashes to the key, and the txs hash to the header's
 * txRoot (RFC 6962 over the tx ids, src/consensus/merkle.ts).
 */
export function blockRecordProblem(hash: Uint8Array, bytes: Uint8Array): string | undefined {
  const checked = checkBlockRecord(hash, bytes);
  return typeof checked === 'string' ? checked : undefined;
}

/**
 * The tx ids of `bytes`, stored under block hash `hash`, when it is that block (the ids the txRoot check
 * hashed, so a reader that needs them does not hash the txs again); otherwise why it is not
 * (blockRecordProblem).
 */
export function checkBlockRecord(hash: Uint8Array, bytes: Uint8Array): Hash[] | string {
  if (bytes.length < BLOCK_OVERHEAD_BYTES || (bytes.length - BLOCK_OVERHEAD_BYTES) % TX_BYTES !== 0) {
    return `its ${bytes.length} bytes are not a block's length`;
  }
  const header = bytes.subarray(0, HEADER_BYTES);
  const actual = sha256d(header);
  if (!bytesEqual(actual, hash)) return `its header hashes to ${toHex(actual)}, not to the key`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(HEADER_BYTES);
  if (blockSize(count) !== bytes.length) {
    return `it says it has ${count} txs but holds ${(bytes.length - BLOCK_OVERHEAD_BYTES) / TX_BYTES}`;
  }
  let decoded: ReturnType<typeof decodeHeader>;
  try {
    decoded = decodeHeader(header);
  } catch (e) {
    return `its header does not decode: ${(e as Error).message}`;
  }
  // The genesis block has no txs; its txRoot slot commits to the chain parameters instead
  // (src/consensus/params.ts). Its header hashed to the key, so that is all there is to check.
  if (decoded.height === 0) return count === 0 ? [] : `the genesis block says it has ${count} txs`;
  // The length and count were checked above, so this hashes the tx slices and cannot throw.
  const ids = txIdsOfEncoded(bytes, count);
  if (!bytesEqual(merkleRoot(ids), decoded.txRoot)) return "its txs do not hash to the header's txRoot";
  return ids;
}

/**
 * Why a header-index record stored under `hash` is not that header's; undefined when it is. Only the header
 * part is committed to by the key: the chain work, status and flags are checked by the chain when it
 * links the entry to its parent (src/chain/chain.ts load, src/chain/reindex.ts).
 */
export function headerRecordProblem(hash: Uint8Array, value: Uint8Array): string | undefined {
  if (value.length < HEADER_BYTES) return `its ${value.length} bytes are too short for a header`;
  const actual = sha256d(value.subarray(0, HEADER_BYTES));
  return bytesEqual(actual, hash) ? undefined : `its header hashes to ${toHex(actual)}, not to the key`;
}

/** LevelDB's own report of a damaged table or log (classic-level's error code for Status::Corruption). */
export function isLevelCorruption(e: unknown): boolean {
  return (e as { code?: unknown })?.code === 'LEVEL_CORRUPTION';
}

/** The LEVEL_CORRUPTION error in `e` or its chain of causes (level wraps open failures twice), if any. */
export function levelCorruptionIn(e: unknown): unknown {
  for (let c = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    if (isLevelCorruption(c)) return c;
  }
  return undefined;
}

/**
 * True for a CORRUPT_RECORD that LevelDB itself reported (a table or log block whose structure broke), as
 * opposed to a record that reads but fails Cairn's checks: only LevelDB's repair can get past the former.
 */
export function isLevelDamage(e: unknown): boolean {
  const err = e as { code?: unknown; cause?: unknown };
  return err?.code === 'CORRUPT_RECORD' && isLevelCorruption(err.cause);
}
