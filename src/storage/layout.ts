// The storage layout: every key Cairn writes to LevelDB is described in this one file, after bcoin's
// `lib/blockchain/layout.js`. If a key is not listed here, Cairn does not write it.
//
// Files in a datadir (docs/STORAGE.md "Files in a datadir"):
//
//   DIR/chain/      the LevelDB database below. Its LOCK file (an OS lock) is the datadir lock.
//   DIR/LOCK.pid    the pid of the process holding that lock, for the error message only (datadir-lock.ts).
//
// One LevelDB database, split into sublevels. A sublevel is a key prefix: abstract-level stores key K of
// sublevel `x` as the bytes `!x!` ‖ K, so each sublevel is one contiguous, independently iterable key range,
// and one batch can still write to all of them atomically (chain-store.ts).
//
//   sublevel  key                          value                                             Core equivalent
//   h         block hash (32)              HeaderEntry: header 112 ‖ chainWork 32 ‖ status 1  block index
//                                          ‖ flags 1  (146 bytes, codec.ts)                   (CBlockIndex, 'b')
//   b         block hash (32)              encoded block (encoding.ts)                       blk?????.dat
//   u         block hash (32)              undo data, opaque to storage (src/consensus)      rev?????.dat
//   c         height u32 big-endian (4)    block hash (32) of the main chain at that height  chainActive
//   a         address (20)                 balance u64 ‖ nonce u64 (16 bytes)                chainstate ('C')
//   t         tx id (32)                   block hash (32) ‖ index in block u32 (36 bytes)   txindex ('t')
//   x         address (20) ‖ height u32 ‖  tx id (32) ‖ block hash (32) (64 bytes)          (none: Core has
//             position in block u32 (28)   one key per main-chain tx that sends from or pays  no address index;
//                                          the address: its history, newest last              Electrum's is like it)
//   m         UTF-8 name                   small records, see META below                     chainstate ('B')
//
// Keys and values are raw bytes (`keyEncoding: 'view'`, `valueEncoding: 'view'`): no JSON on the hot path.
// Heights are big-endian so that LevelDB's bytewise key order is height order: iterating `c` walks the main
// chain from genesis up (little-endian would put 256 before 1).

import { Reader, Writer } from '../consensus/binary.js';
import { MAX_U32 } from '../consensus/types.js';
import { badArgument, corruptRecord, StorageError } from './errors.js';

/** Bump when a key or value format changes; open() refuses a datadir written by a newer schema. */
export const SCHEMA_VERSION = 1;

/** Subdirectory of the datadir holding the LevelDB database. */
export const CHAIN_DB_DIR = 'chain';

/** Sublevel names (one byte each keeps every key short; the prefix on disk is `!name!`). */
export const SUBLEVEL = {
  /** header index: hash → HeaderEntry. Every header ever accepted, on any branch. */
  header: 'h',
  /** block bodies: hash → encoded block. Kept for side branches too, so a reorg needs no download. */
  block: 'b',
  /** undo data: hash → bytes. Written when a block is connected, deleted when it is disconnected. */
  undo: 'u',
  /** main chain: height → hash. The one best chain; forks live only in `h`. */
  mainChain: 'c',
  /** accounts: address → balance ‖ nonce. The state at the tip; absent means {0, 0}. */
  account: 'a',
  /** tx index: tx id → block hash ‖ index, for main-chain txs only. */
  txIndex: 't',
  /**
   * address index: address ‖ height ‖ position → tx id ‖ block hash, one key per main-chain tx that sends
   * from or pays the address (src/chain/address-indexer.ts). Disconnecting a block deletes its keys.
   */
  addressTx: 'x',
  /** meta: small named records. */
  meta: 'm',
} as const;

/** Names in the `m` sublevel that have typed accessors. Other names are free for small records. */
export const META = {
  /** hash of the main chain's tip block (32 bytes). Written in the same batch as the state it describes. */
  tip: 'tip',
  /** storage schema version, u32 big-endian. */
  schema: 'schema',
  /** the incremental digest of the whole account state at the tip (32 bytes). */
  digest: 'digest',
} as const;

const RESERVED_META: ReadonlySet<string> = new Set(Object.values(META));

/** True for meta names that only the typed setters may write (setTip, setDigest, the schema check). */
export function isReservedMetaName(name: string): boolean {
  return RESERVED_META.has(name);
}

const utf8 = new TextEncoder();

/** Key of a meta record. */
export function metaKey(name: string): Uint8Array {
  if (name.length === 0) throw new StorageError('BAD_ARGUMENT', 'meta name must not be empty');
  return utf8.encode(name);
}

/** Key of main-chain height `height`: u32 big-endian, so bytewise order is numeric order. */
export function heightKey(height: number): Uint8Array {
  if (!Number.isInteger(height) || height < 0 || height > MAX_U32) {
    throw new StorageError('BAD_ARGUMENT', `height is not a u32: ${height}`);
  }
  return new Writer(4, badArgument('height key')).u32(height).finish();
}

/** Inverse of heightKey. */
export function heightFromKey(key: Uint8Array): number {
  if (key.length !== 4) {
    throw new StorageError('CORRUPT_RECORD', `stored height key is ${key.length} bytes, expected 4`);
  }
  return new Reader(key, 'height key', corruptRecord('height key')).u32();
}
