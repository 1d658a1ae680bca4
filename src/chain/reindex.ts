// Rebuilding the account state from the stored blocks (`cairn reindex`), and checking that the stored
// state is exactly what replaying the main chain gives. The crash tests use the check after every
// kill -9: if connect/disconnect were not atomic, this is where it would show.
// (Core: -reindex-chainstate rebuilds the UTXO set from the block files; `verifychain` checks it.)
import { bigIntToBytes, toHex } from '../consensus/bytes.js';
import { decodeBlock } from '../consensus/encoding.js';
import { applyBlock, computeDigest, decodeUndo, genesisChanges, isEmptyAccount } from '../consensus/state.js';
import type { Account, ChainParams } from '../consensus/types.js';
import type { ChainStore } from '../storage/index.js';

export interface ReplayProgress {
  readonly done: number;
  readonly total: number;
  readonly blocksPerSecond: number;
}

export interface ReplayResult {
  readonly height: number;
  readonly accounts: Map<string, { address: Uint8Array; account: Account }>;
  readonly digest: bigint;
}

/** Replays the stored main chain from genesis into an in-memory state (signatures are not re-checked). */
export async function replayMainChain(
  store: ChainStore,
  params: ChainParams,
  onProgress?: (p: ReplayProgress) => void,
): Promise<ReplayResult> {
  const tip = await store.getTip();
  const tipEntry = tip && (await store.getHeaderEntry(tip));
  if (!tipEntry) throw new Error('the datadir has no chain tip: nothing to replay');
  const height = tipEntry.header.height;
  const accounts = new Map<string, { address: Uint8Array; account: Account }>();
  for (const c of genesisChanges(params))
    accounts.set(toHex(c.address), { address: c.address, account: c.after });
  const lookup = (a: Uint8Array) => accounts.get(toHex(a))?.account;
  const start = performance.now();
  const CHUNK = 500;
  for (let from = 1; from <= height; from += CHUNK) {
    const hashes = await store.getMainHashes(from, Math.min(height, from + CHUNK - 1));
    for (const [i, hash] of hashes.entries()) {
      const bytes = await store.getBlockBytes(hash);
      if (!bytes) throw new Error(`main-chain block ${toHex(hash)} at height ${from + i} has no stored body`);
      const applied = applyBlock(decodeBlock(bytes), lookup, params);
      for (const c of applied.changes) {
        if (isEmptyAccount(c.after)) accounts.delete(toHex(c.address));
        else accounts.set(toHex(c.address), { address: c.address, account: c.after });
      }
    }
    const done = Math.min(height, from + CHUNK - 1);
    onProgress?.({
      done,
      total: height,
      blocksPerSecond: (done * 1000) / Math.max(1, performance.now() - start),
    });
  }
  const digest = computeDigest([...accounts.values()].map((e) => [e.address, e.account] as const));
  return { height, accounts, digest };
}

export interface StateCheck {
  readonly height: number;
  /** Accounts whose stored value differs from the replay (missing, extra or different). */
  readonly mismatchedAccounts: number;
  readonly storedDigestMatches: boolean;
  /** The tip's undo data exists and decodes (every block but genesis has it). */
  readonly tipUndoOk: boolean;
  readonly replay: ReplayResult;
}

/** Compares the stored state with a replay of the stored main chain. */
export async function checkStoredState(
  store: ChainStore,
  params: ChainParams,
  onProgress?: (p: ReplayProgress) => void,
): Promise<StateCheck> {
  const replay = await replayMainChain(store, params, onProgress);
  let mismatched = 0;
  const seen = new Set<string>();
  for await (const [address, account] of store.iterateAccounts()) {
    const key = toHex(address);
    seen.add(key);
    const expected = replay.accounts.get(key)?.account;
    if (!expected || expected.balance !== account.balance || expected.nonce !== account.nonce) mismatched++;
  }
  for (const key of replay.accounts.keys()) if (!seen.has(key)) mismatched++;
  const stored = await store.getDigest();
  const tip = (await store.getTip())!;
  let tipUndoOk = replay.height === 0;
  if (!tipUndoOk) {
    const undo = await store.getUndo(tip);
    try {
      tipUndoOk = undo !== undefined && decodeUndo(undo).entries.length > 0;
    } catch {
      tipUndoOk = false;
    }
  }
  return {
    height: replay.height,
    mismatchedAccounts: mismatched,
    storedDigestMatches:
      stored !== undefined && toHex(stored) === replay.digest.toString(16).padStart(64, '0'),
    tipUndoOk,
    replay,
  };
}

/** Rebuilds the stored account state and digest from the replay, in one atomic batch. */
export async function reindex(
  store: ChainStore,
  params: ChainParams,
  onProgress?: (p: ReplayProgress) => void,
): Promise<StateCheck> {
  const check = await checkStoredState(store, params, onProgress);
  const batch = store.batch();
  for await (const [address] of store.iterateAccounts()) batch.delAccount(address);
  for (const { address, account } of check.replay.accounts.values()) batch.putAccount(address, account);
  batch.setDigest(bigIntToBytes(check.replay.digest, 32));
  await batch.write();
  return check;
}
