// Binary encodings of txs, headers and blocks (docs/PROTOCOL.md §4.1, §5.1, §5.2). All integers are big-endian.
//
//   tx     = version u8 | nonce u64 | fee u64 | amount u64 | to 20 | from 33 | signature 64   (142 bytes)
//   header = version u32 | height u32 | prevHash 32 | txRoot 32 | miner 20 | time u64 | bits u32 | nonce u64
//                                                                                             (112 bytes)
//   block  = header | txCount u32 | txCount × tx
//
// Decoders are strict: truncated input, trailing bytes and out-of-range values all throw
// RuleError('BAD_ENCODING'), so any byte string either decodes to exactly one value or fails clearly.
// (Core: the serialize.h Unserialize family, which throws std::ios_base::failure on short reads.)
import { Reader, Writer } from './binary.js';
import { RuleError } from './errors.js';
import {
  ADDRESS_BYTES,
  type Block,
  type BlockHeader,
  HASH_BYTES,
  HEADER_BYTES,
  MAX_U32,
  MAX_U64,
  PUBKEY_BYTES,
  SIGNATURE_BYTES,
  TX_BYTES,
  type Tx,
  UNSIGNED_TX_BYTES,
  type UnsignedTx,
} from './types.js';

function checkU64(v: bigint, field: string): void {
  if (v < 0n || v > MAX_U64) throw new RuleError('BAD_ENCODING', `${field} is not a u64: ${v}`);
}
function checkU32(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > MAX_U32)
    throw new RuleError('BAD_ENCODING', `${field} is not a u32: ${v}`);
}

function writeUnsigned(w: Writer, tx: UnsignedTx): void {
  if (!Number.isInteger(tx.version) || tx.version < 0 || tx.version > 0xff) {
    throw new RuleError('BAD_ENCODING', `tx version is not a u8: ${tx.version}`);
  }
  checkU64(tx.nonce, 'tx nonce');
  checkU64(tx.fee, 'tx fee');
  checkU64(tx.amount, 'tx amount');
  w.u8(tx.version);
  w.u64(tx.nonce);
  w.u64(tx.fee);
  w.u64(tx.amount);
  w.raw(tx.to, ADDRESS_BYTES);
  w.raw(tx.from, PUBKEY_BYTES);
}

/** The 78 unsigned bytes that the signing hash commits to (everything but the signature). */
export function encodeUnsignedTx(tx: UnsignedTx): Uint8Array {
  const w = new Writer(UNSIGNED_TX_BYTES);
  writeUnsigned(w, tx);
  return w.finish();
}

function writeTx(w: Writer, tx: Tx): void {
  writeUnsigned(w, tx);
  w.raw(tx.signature, SIGNATURE_BYTES);
}

function readTx(r: Reader): Tx {
  return {
    version: r.u8(),
    nonce: r.u64(),
    fee: r.u64(),
    amount: r.u64(),
    to: r.copy(ADDRESS_BYTES),
    from: r.copy(PUBKEY_BYTES),
    signature: r.copy(SIGNATURE_BYTES),
  };
}

export function encodeTx(tx: Tx): Uint8Array {
  const w = new Writer(TX_BYTES);
  writeTx(w, tx);
  return w.finish();
}

export function decodeTx(bytes: Uint8Array): Tx {
  const r = new Reader(bytes, 'tx');
  const tx = readTx(r);
  r.end();
  return tx;
}

function writeHeader(w: Writer, h: BlockHeader): void {
  checkU32(h.version, 'header version');
  checkU32(h.height, 'header height');
  checkU32(h.bits, 'header bits');
  checkU64(h.nonce, 'header nonce');
  if (!Number.isSafeInteger(h.time) || h.time < 0) {
    throw new RuleError('BAD_ENCODING', `header time is not a non-negative safe integer: ${h.time}`);
  }
  w.u32(h.version);
  w.u32(h.height);
  w.raw(h.prevHash, HASH_BYTES);
  w.raw(h.txRoot, HASH_BYTES);
  w.raw(h.miner, ADDRESS_BYTES);
  w.u64(BigInt(h.time));
  w.u32(h.bits);
  w.u64(h.nonce);
}

function readHeader(r: Reader): BlockHeader {
  const version = r.u32();
  const height = r.u32();
  const prevHash = r.copy(HASH_BYTES);
  const txRoot = r.copy(HASH_BYTES);
  const miner = r.copy(ADDRESS_BYTES);
  const time64 = r.u64();
  // Unix seconds beyond 2^53 - 1 are 285 million years away; refusing them keeps `time` a plain number.
  if (time64 > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RuleError('BAD_ENCODING', `header time ${time64} is out of range (max 2^53 - 1)`);
  }
  return { version, height, prevHash, txRoot, miner, time: Number(time64), bits: r.u32(), nonce: r.u64() };
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  const w = new Writer(HEADER_BYTES);
  writeHeader(w, h);
  return w.finish();
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  const r = new Reader(bytes, 'header');
  const h = readHeader(r);
  r.end();
  return h;
}

/** Encoded size of a block with `txCount` txs, without encoding it. */
export function blockSize(txCount: number): number {
  return HEADER_BYTES + 4 + txCount * TX_BYTES;
}

export function encodeBlock(block: Block): Uint8Array {
  const w = new Writer(blockSize(block.txs.length));
  writeHeader(w, block.header);
  w.u32(block.txs.length);
  for (const tx of block.txs) writeTx(w, tx);
  return w.finish();
}

/**
 * Decode a block. `maxBytes` (the chain's max block size) is checked before anything is allocated, so a
 * hostile tx count cannot make the decoder reserve memory it will never fill.
 */
export function decodeBlock(bytes: Uint8Array, maxBytes = Number.MAX_SAFE_INTEGER): Block {
  if (bytes.length > maxBytes) {
    throw new RuleError(
      'BLOCK_TOO_LARGE',
      `block is ${bytes.length} bytes, more than the limit of ${maxBytes}`,
    );
  }
  const r = new Reader(bytes, 'block');
  const header = readHeader(r);
  const count = r.u32();
  if (blockSize(count) !== bytes.length) {
    throw new RuleError(
      'BAD_ENCODING',
      `block says it has ${count} txs (${blockSize(count)} bytes) but is ${bytes.length} bytes`,
    );
  }
  const txs: Tx[] = new Array(count);
  for (let i = 0; i < count; i++) txs[i] = readTx(r);
  r.end();
  return { header, txs };
}

/**
 * The bytes of tx `i` inside an encoded block, found without decoding the block: every tx has the same
 * size, so tx i starts at byte 116 + 142 · i (header, tx count, then i txs). Returns a view (no copy); a tx id is
 * SHA-256 of exactly these bytes. Throws BAD_ENCODING if `block` is not a block's length for its tx count
 * or has no tx `i`. (Core's -txindex likewise stores a tx's offset in its block, CDiskTxPos, and reads it from there.)
 */
export function txBytesAt(block: Uint8Array, i: number): Uint8Array {
  const r = new Reader(block, 'block');
  r.raw(HEADER_BYTES);
  const count = r.u32();
  if (blockSize(count) !== block.length) {
    throw r.error(`block says it has ${count} txs (${blockSize(count)} bytes) but is ${block.length} bytes`);
  }
  if (!Number.isInteger(i) || i < 0 || i >= count) throw r.error(`block has ${count} txs, so no tx ${i}`);
  r.raw(i * TX_BYTES); // the txs before it
  return r.raw(TX_BYTES);
}
