// Value codecs for the records in layout.ts (docs/STORAGE.md "Key layout"). Fixed sizes, big-endian
// integers, written and read with the consensus Reader/Writer. Decoders are strict and canonical: a stored
// value either decodes to exactly one record, which re-encodes to the same bytes, or fails with
// StorageError('CORRUPT_RECORD') naming what broke. Encoders reject values that do not fit with
// StorageError('BAD_ARGUMENT'), so a bad value never reaches disk.
import { Reader, Writer } from '../consensus/binary.js';
import { bigIntToBytes, bytesToBigInt } from '../consensus/bytes.js';
import { decodeHeader, encodeHeader } from '../consensus/encoding.js';
import {
  type Account,
  ADDRESS_BYTES,
  type BlockHeader,
  HASH_BYTES,
  type Hash,
  HEADER_BYTES,
  MAX_U32,
  MAX_U64,
} from '../consensus/types.js';
import { badArgument, corruptRecord, StorageError } from './errors.js';

/**
 * How far a header has been validated. Core keeps the same ladder in CBlockIndex::nStatus
 * (BLOCK_VALID_TREE … BLOCK_VALID_SCRIPTS, BLOCK_FAILED_VALID / BLOCK_FAILED_CHILD).
 */
export type HeaderStatus =
  /** the header passed every header check (PoW, difficulty, time); its body is unknown or unchecked */
  | 'valid-header'
  /** the whole block was connected successfully at least once */
  | 'valid'
  /** the block, or an ancestor, broke a rule: never connect it or anything built on it */
  | 'invalid';

/** One node of the block tree (Core: CBlockIndex). Height lives in the header. */
export interface HeaderEntry {
  readonly header: BlockHeader;
  readonly hash: Hash;
  /** Sum of the work of every block from genesis up to and including this one (Core: nChainWork). */
  readonly chainWork: bigint;
  readonly status: HeaderStatus;
  /** The block body is in the `b` sublevel (Core: BLOCK_HAVE_DATA). */
  readonly hasBody: boolean;
}

/** Where a main-chain tx is: its block and its position in the block's tx list. */
export interface TxLocation {
  readonly blockHash: Hash;
  readonly index: number;
}

const CHAIN_WORK_BYTES = 32;
/** header 112 ‖ chainWork 32 ‖ status 1 ‖ flags 1 */
export const HEADER_ENTRY_BYTES = HEADER_BYTES + CHAIN_WORK_BYTES + 2;
/** balance u64 ‖ nonce u64 */
export const ACCOUNT_BYTES = 16;
/** block hash 32 ‖ index u32 */
export const TX_LOCATION_BYTES = HASH_BYTES + 4;

// The status byte. Values are part of the on-disk format: append, never renumber.
const STATUS_CODES: readonly HeaderStatus[] = ['valid-header', 'valid', 'invalid'];
const FLAG_HAS_BODY = 0x01;
const KNOWN_FLAGS = FLAG_HAS_BODY;

function corrupt(what: string, why: string): Error {
  return corruptRecord(what)(why);
}

/** Throw BAD_ARGUMENT unless `bytes` has exactly `length` bytes. */
export function expectLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes;
    throw new StorageError('BAD_ARGUMENT', `${what} must be ${length} bytes, got ${got}`);
  }
}

export function encodeHeaderEntry(entry: HeaderEntry): Uint8Array {
  expectLength(entry.hash, HASH_BYTES, 'header entry hash');
  const status = STATUS_CODES.indexOf(entry.status);
  if (status < 0) throw new StorageError('BAD_ARGUMENT', `unknown header status: ${String(entry.status)}`);
  let header: Uint8Array;
  let work: Uint8Array;
  try {
    header = encodeHeader(entry.header);
    work = bigIntToBytes(entry.chainWork, CHAIN_WORK_BYTES);
  } catch (e) {
    throw new StorageError('BAD_ARGUMENT', `header entry cannot be encoded: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return new Writer(HEADER_ENTRY_BYTES, badArgument('header entry'))
    .raw(header, HEADER_BYTES)
    .raw(work, CHAIN_WORK_BYTES)
    .u8(status)
    .u8(entry.hasBody ? FLAG_HAS_BODY : 0)
    .finish();
}

/** `hash` is the record's key: storing it again in the value would waste 32 bytes per header. */
export function decodeHeaderEntry(hash: Uint8Array, bytes: Uint8Array): HeaderEntry {
  if (hash.length !== HASH_BYTES) throw corrupt('header entry', `key is ${hash.length} bytes, not 32`);
  if (bytes.length !== HEADER_ENTRY_BYTES) {
    throw corrupt('header entry', `${bytes.length} bytes, expected ${HEADER_ENTRY_BYTES}`);
  }
  const r = new Reader(bytes, 'header entry', corruptRecord('header entry'));
  let header: BlockHeader;
  try {
    header = decodeHeader(r.raw(HEADER_BYTES));
  } catch (e) {
    throw corrupt('header entry', (e as Error).message);
  }
  const chainWork = bytesToBigInt(r.raw(CHAIN_WORK_BYTES));
  const statusByte = r.u8();
  const flags = r.u8();
  r.end();
  const status = STATUS_CODES[statusByte];
  if (status === undefined) throw corrupt('header entry', `unknown status byte ${statusByte}`);
  if ((flags & ~KNOWN_FLAGS) !== 0)
    throw corrupt('header entry', `unknown flag bits 0x${flags.toString(16)}`);
  return { header, hash: new Uint8Array(hash), chainWork, status, hasBody: (flags & FLAG_HAS_BODY) !== 0 };
}

export function encodeAccount(account: Account): Uint8Array {
  for (const [field, v] of [
    ['balance', account.balance],
    ['nonce', account.nonce],
  ] as const) {
    if (typeof v !== 'bigint' || v < 0n || v > MAX_U64) {
      throw new StorageError('BAD_ARGUMENT', `account ${field} is not a u64: ${String(v)}`);
    }
  }
  return new Writer(ACCOUNT_BYTES, badArgument('account')).u64(account.balance).u64(account.nonce).finish();
}

export function decodeAccount(bytes: Uint8Array): Account {
  if (bytes.length !== ACCOUNT_BYTES) throw corrupt('account', `${bytes.length} bytes, expected 16`);
  const r = new Reader(bytes, 'account', corruptRecord('account'));
  const account = { balance: r.u64(), nonce: r.u64() };
  r.end();
  return account;
}

export function encodeTxLocation(blockHash: Hash, index: number): Uint8Array {
  expectLength(blockHash, HASH_BYTES, 'tx location block hash');
  return new Writer(TX_LOCATION_BYTES, badArgument('tx location'))
    .raw(blockHash, HASH_BYTES)
    .u32(checkedU32(index, 'tx index in block'))
    .finish();
}

export function decodeTxLocation(bytes: Uint8Array): TxLocation {
  if (bytes.length !== TX_LOCATION_BYTES) {
    throw corrupt('tx location', `${bytes.length} bytes, expected ${TX_LOCATION_BYTES}`);
  }
  const r = new Reader(bytes, 'tx location', corruptRecord('tx location'));
  const location = { blockHash: r.copy(HASH_BYTES), index: r.u32() };
  r.end();
  return location;
}

/** One entry of the address index: a main-chain tx that pays or is paid by an address. */
export interface AddressTxRef {
  /** Main-chain height of the block that holds the tx. */
  readonly height: number;
  /** The tx's position in that block. */
  readonly position: number;
  readonly id: Hash;
  readonly blockHash: Hash;
}

/** address 20 ‖ height u32 ‖ position u32: bytewise order is (address, height, position). */
export const ADDRESS_TX_KEY_BYTES = ADDRESS_BYTES + 8;
/** tx id 32 ‖ block hash 32 */
export const ADDRESS_TX_VALUE_BYTES = 2 * HASH_BYTES;

export function encodeAddressTxKey(address: Uint8Array, height: number, position: number): Uint8Array {
  expectLength(address, ADDRESS_BYTES, 'address');
  return new Writer(ADDRESS_TX_KEY_BYTES, badArgument('address index key'))
    .raw(address, ADDRESS_BYTES)
    .u32(checkedU32(height, 'height'))
    .u32(checkedU32(position, 'tx position in block'))
    .finish();
}

export function encodeAddressTxValue(id: Hash, blockHash: Hash): Uint8Array {
  expectLength(id, HASH_BYTES, 'tx id');
  expectLength(blockHash, HASH_BYTES, 'block hash');
  return new Writer(ADDRESS_TX_VALUE_BYTES, badArgument('address index value'))
    .raw(id, HASH_BYTES)
    .raw(blockHash, HASH_BYTES)
    .finish();
}

export function decodeAddressTx(key: Uint8Array, value: Uint8Array): AddressTxRef {
  if (key.length !== ADDRESS_TX_KEY_BYTES) {
    throw corrupt('address index key', `${key.length} bytes, expected ${ADDRESS_TX_KEY_BYTES}`);
  }
  if (value.length !== ADDRESS_TX_VALUE_BYTES) {
    throw corrupt('address index value', `${value.length} bytes, expected ${ADDRESS_TX_VALUE_BYTES}`);
  }
  const k = new Reader(key, 'address index key', corruptRecord('address index key'));
  k.copy(ADDRESS_BYTES);
  const height = k.u32();
  const position = k.u32();
  k.end();
  const v = new Reader(value, 'address index value', corruptRecord('address index value'));
  const ref = { height, position, id: v.copy(HASH_BYTES), blockHash: v.copy(HASH_BYTES) };
  v.end();
  return ref;
}

export function encodeU32(value: number, what: string): Uint8Array {
  return new Writer(4, badArgument(what)).u32(checkedU32(value, what)).finish();
}

export function decodeU32(bytes: Uint8Array, what: string): number {
  if (bytes.length !== 4) throw corrupt(what, `${bytes.length} bytes, expected 4`);
  return new Reader(bytes, what, corruptRecord(what)).u32();
}

/** A stored 32-byte hash or digest. */
export function decodeHash(bytes: Uint8Array, what: string): Hash {
  if (bytes.length !== HASH_BYTES) throw corrupt(what, `${bytes.length} bytes, expected ${HASH_BYTES}`);
  return new Uint8Array(bytes);
}

function checkedU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U32) {
    throw new StorageError('BAD_ARGUMENT', `${what} is not a u32: ${value}`);
  }
  return value;
}
