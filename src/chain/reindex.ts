// `cairn reindex`: verify every record the chain is built from, keep the longest valid prefix of the main
// chain, and rebuild the state from it (Core: -reindex-chainstate rebuilds the UTXO set from the block
// files, and `verifychain` checks them; Core's -reindex also rebuilds the block index, which Cairn does
// for the records it finds damaged). docs/STORAGE.md "Recovery" tells the story for an operator.
//
// The walk itself (what is verified, kept, repaired or dropped) lives in src/chain/stored-state.ts;
// this file writes what it found, and `reindexDatadir` first copies the datadir into a fresh database.
import { bigIntToBytes } from '../consensus/bytes.js';
import type { ChainParams } from '../consensus/types.js';
import { ChainStore, isLevelDamage } from '../storage/index.js';
import { ADDRESS_INDEX_TIP } from './address-indexer.js';
import { type ReplayProgress, type StoredStateCheck, walk } from './stored-state.js';

export {
  checkStoredState,
  type Damage,
  type ReplayProgress,
  type ReplayResult,
  type StoredStateCheck,
} from './stored-state.js';

export interface DatadirReindex extends StoredStateCheck {
  /** Records copied into the fresh database, and records that could not be (ChainStore.rebuild). */
  readonly recordsCopied: number;
  readonly recordsLost: number;
  /** LevelDB blocks whose checksum failed or that did not parse. */
  readonly damagedBlocks: number;
}

export interface DatadirReindexOptions {
  /** Runs on the store as found, before anything is changed (the CLI's WRONG_CHAIN check), if it opens. */
  readonly beforeChange?: (store: ChainStore) => Promise<void>;
  /** After the copy into a fresh database. */
  readonly onCopied?: (copy: { copied: number; lost: number; damagedBlocks: number }) => void;
  readonly onProgress?: (p: ReplayProgress) => void;
}

/**
 * `cairn reindex` on datadir `dir`: copies every readable record into a fresh LevelDB database
 * (ChainStore.rebuild: no damaged table is ever handed to LevelDB again), then verifies and rebuilds
 * from the copy (reindex below).
 */
export async function reindexDatadir(
  dir: string,
  params: ChainParams,
  opts: DatadirReindexOptions = {},
): Promise<DatadirReindex> {
  let before: ChainStore | undefined;
  try {
    before = await ChainStore.open(dir);
  } catch (e) {
    if (!isLevelDamage(e)) throw e; // LevelDB cannot open it: salvage reads the files without it
  }
  if (before) {
    try {
      await opts.beforeChange?.(before);
    } finally {
      await before.close();
    }
  }
  const copy = await ChainStore.rebuild(dir);
  opts.onCopied?.(copy);
  const store = await ChainStore.open(dir);
  try {
    if (!before) await opts.beforeChange?.(store);
    const check = await reindex(store, params, opts.onProgress);
    return {
      ...check,
      recordsCopied: copy.copied,
      recordsLost: copy.lost,
      damagedBlocks: copy.damagedBlocks,
    };
  } finally {
    await store.close();
  }
}

/**
 * Verifies everything, keeps the longest valid prefix of the main chain, and rewrites the state, the
 * digest, the tip, the main-chain records and every repairable record from it, in ONE atomic batch
 * written with fsync (a crash during a reindex leaves the datadir as it was). Returns what it found.
 */
export async function reindex(
  store: ChainStore,
  params: ChainParams,
  onProgress?: (p: ReplayProgress) => void,
): Promise<StoredStateCheck> {
  const w = await walk(store, params, onProgress);
  const batch = store.batch();
  // A damaged header entry goes (a main-chain one is written again below, rebuilt from its body); the
  // body and undo data under the same hash are checked on their own. Raw keys of damaged records need
  // not be 32 bytes, and a key of another length was never written by Cairn: nothing reads it.
  for (const key of w.deadKeys) if (key.length === 32) batch.delHeaderEntry(key);
  for (const hash of w.deadBodies) batch.delBlock(hash);
  for (const e of w.entries) batch.putHeaderEntry(e);
  for (const [hash, bytes] of w.undo) batch.putUndo(hash, bytes);
  for (const h of w.dropHeights) batch.delMainHash(h);
  for (const [h, hash] of w.mainFixes) batch.putMainHash(h, hash);
  for await (const address of store.iterateAccountKeys()) {
    if (address.length === 20) batch.delAccount(address);
  }
  for (const { address, account } of w.check.replay.accounts.values()) batch.putAccount(address, account);
  // The address index may hold blocks that just left the main chain, whose bodies may be gone: it is
  // dropped and the next start builds it again from genesis (AddressIndexer.catchUp), as Core's -reindex
  // rebuilds its optional indexes. The tx index needs nothing: it believes only entries on the main chain.
  for await (const key of store.iterateAddressTxKeys()) batch.delAddressTxKey(key);
  batch.setMeta(ADDRESS_INDEX_TIP, params.genesisHash);
  batch.setDigest(bigIntToBytes(w.check.replay.digest, 32));
  batch.setTip(w.kept[w.kept.length - 1]!);
  await batch.write({ sync: true });
  return w.check;
}
