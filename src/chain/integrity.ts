// What the chain checks of the records it reads back, beyond what the store checks alone
// (docs/STORAGE.md "Integrity checks"). The store already refuses a body that is not the block its key
// names (src/storage/integrity.ts). The chain adds what needs chain knowledge:
//
//   - a block the index says is stored must be there (a lost write is damage, not "not found");
//   - undo data has no hash to check against, but it must undo the block exactly: applying the block to
//     the accounts the undo data restores must give back the accounts stored now (Core's CVerifyDB at
//     level 3 disconnects the last blocks in memory for the same reason);
//   - at start, the last CHECK_BLOCKS blocks are checked that way, the main-chain records must agree
//     with the header index (Core: -checkblocks, DEFAULT_CHECKBLOCKS = 6), and the accounts must add up
//     to the stored state digest (one hash per account: Core's -checklevel reads its whole chainstate
//     too, at level 4, not by default; Cairn's state is small enough to afford it every start).
//
// Every failure is StorageError('CORRUPT_RECORD') naming the block's height and hash: data that fails a
// check is never passed on, and `cairn reindex` is the way back (src/chain/reindex.ts).
import { bigIntToBytes, bytesEqual, toHex } from '../consensus/bytes.js';
import { decodeBlock } from '../consensus/encoding.js';
import { RuleError } from '../consensus/errors.js';
import {
  applyBlock,
  type BlockUndo,
  computeDigest,
  decodeUndo,
  EMPTY_ACCOUNT,
  isEmptyAccount,
} from '../consensus/state.js';
import type { Account, Block, ChainParams, Hash } from '../consensus/types.js';
import { type ChainStore, StorageError } from '../storage/index.js';
import type { IndexEntry } from './block-index.js';

/** How many blocks below the tip are read and undone in memory at every start (Core: DEFAULT_CHECKBLOCKS). */
export const CHECK_BLOCKS = 6;

/** The block an error is about: its height and hash are all the message needs. */
export interface BlockRef {
  readonly header: { readonly height: number };
  readonly hex: string;
}

/** CORRUPT_RECORD about `block`, naming its height and hash. */
export function corruptBlock(block: BlockRef, why: string, cause?: unknown): StorageError {
  return new StorageError(
    'CORRUPT_RECORD',
    `the stored block at height ${block.header.height} (${block.hex}) is damaged: ${why}`,
    { height: block.header.height, hash: block.hex, cause },
  );
}

/**
 * The stored block of `entry` with its tx ids, checked (the store checks it against its hash and hashed
 * the ids doing so); missing is damage.
 */
export async function readBlock(
  store: ChainStore,
  entry: BlockRef & { readonly hash: Uint8Array },
): Promise<{ block: Block; ids: Hash[] }> {
  const record = await store.getBlockRecord(entry.hash);
  if (!record) throw corruptBlock(entry, 'the header index says its body is stored, but it is not');
  return { block: decodeBlock(record.bytes), ids: record.ids };
}

/** The stored undo data of `entry`, decoded; missing or undecodable is damage. */
export async function readUndo(
  store: ChainStore,
  entry: BlockRef & { readonly hash: Uint8Array },
): Promise<BlockUndo> {
  const bytes = await store.getUndo(entry.hash);
  if (!bytes) throw corruptBlock(entry, 'its undo data is missing');
  try {
    return decodeUndo(bytes);
  } catch (e) {
    if (e instanceof RuleError) throw corruptBlock(entry, `undo data does not decode: ${e.message}`, e);
    throw e;
  }
}

/**
 * Throws CORRUPT_RECORD unless `undo` undoes `block` exactly: the block, applied to the accounts the undo
 * data restores, must touch exactly the undo data's accounts and leave them as `current` says they are now
 * (current[i] is the account of undo.entries[i].address, undefined when absent).
 */
export function checkUndo(
  entry: BlockRef,
  block: Block,
  undo: BlockUndo,
  current: readonly (Account | undefined)[],
  params: ChainParams,
): void {
  const before = new Map<string, Account | undefined>();
  for (const e of undo.entries) before.set(toHex(e.address), e.before);
  let changes: ReturnType<typeof applyBlock>['changes'];
  try {
    changes = applyBlock(block, (a) => before.get(toHex(a)), params).changes;
  } catch (e) {
    if (!(e instanceof RuleError)) throw e;
    throw corruptBlock(entry, `undo data restores accounts the block cannot apply to (${e.code})`, e);
  }
  if (changes.length !== undo.entries.length || changes.some((c) => !before.has(toHex(c.address)))) {
    throw corruptBlock(entry, 'undo data does not name exactly the accounts the block touches');
  }
  const after = new Map(changes.map((c) => [toHex(c.address), c.after]));
  undo.entries.forEach((e, i) => {
    if (!sameAccount(after.get(toHex(e.address)), current[i])) {
      throw corruptBlock(entry, 'undo data and the stored accounts disagree about what the block did');
    }
  });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function sameAccount(a: Account | undefined, b: Account | undefined): boolean {
  if (isEmptyAccount(a) || isEmptyAccount(b)) return isEmptyAccount(a) && isEmptyAccount(b);
  const x = a ?? EMPTY_ACCOUNT;
  const y = b ?? EMPTY_ACCOUNT;
  return x.balance === y.balance && x.nonce === y.nonce;
}

/**
 * The check of every start (Core: CVerifyDB::VerifyDB at level 3 over -checkblocks blocks): the main-chain
 * records agree with the header index from genesis to the tip and stop there, and the last CHECK_BLOCKS
 * blocks are read, their bodies checked, and undone one by one in memory, each undo checked against the
 * block.
 * Throws CORRUPT_RECORD naming the first damaged block.
 */
export async function verifyOnStart(
  store: ChainStore,
  main: readonly IndexEntry[],
  params: ChainParams,
): Promise<void> {
  const tipHeight = main.length - 1;
  const CHUNK = 2_000;
  for (let from = 0; from <= tipHeight; from += CHUNK) {
    const to = Math.min(tipHeight, from + CHUNK - 1);
    const hashes = await store.getMainHashes(from, to);
    for (let h = from; h <= to; h++) {
      const stored = hashes[h - from];
      if (!stored || !bytesEqual(stored, main[h]!.hash)) {
        throw corruptBlock(
          main[h]!,
          stored
            ? 'the main-chain record at its height names another block than the tip descends from'
            : 'its main-chain record is missing (a lost write?)',
        );
      }
    }
  }
  const above = await store.getMainHash(tipHeight + 1);
  if (above) {
    throw new StorageError(
      'CORRUPT_RECORD',
      `a main-chain record at height ${tipHeight + 1} lies above the stored tip at height ${tipHeight}`,
      { height: tipHeight + 1 },
    );
  }
  // The accounts must add up to the stored digest (the digest is updated in the same batch as every
  // account it covers, so only damage or a lost write can part them).
  const stored = await store.getDigest();
  const actual = computeDigest(await collect(store.iterateAccounts()));
  if (!stored || !bytesEqual(stored, bigIntToBytes(actual, 32))) {
    const tip = main[tipHeight]!;
    throw new StorageError(
      'CORRUPT_RECORD',
      `the stored accounts do not add up to the state digest stored with the tip at height ${tipHeight} (${tip.hex})`,
      { height: tipHeight, hash: tip.hex },
    );
  }
  // Undo the last blocks in memory: `overlay` holds the accounts as they were before each undone block.
  const overlay = new Map<string, Account | undefined>();
  for (let h = tipHeight; h > 0 && h > tipHeight - CHECK_BLOCKS; h--) {
    const entry = main[h]!;
    const { block } = await readBlock(store, entry);
    const undo = await readUndo(store, entry);
    const addresses = undo.entries.map((e) => e.address);
    const missing = addresses.filter((a) => !overlay.has(toHex(a)));
    const fromStore = await store.getAccounts(missing);
    for (const [i, a] of missing.entries()) overlay.set(toHex(a), fromStore[i]);
    checkUndo(
      entry,
      block,
      undo,
      addresses.map((a) => overlay.get(toHex(a))),
      params,
    );
    for (const e of undo.entries) overlay.set(toHex(e.address), e.before);
  }
}
