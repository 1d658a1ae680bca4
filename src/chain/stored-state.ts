// The walk behind `cairn reindex` (src/chain/reindex.ts) and `checkStoredState`: verify every record the
// chain is built from and replay the state along the longest valid prefix of the main chain (Core:
// `verifychain` checks the block files; -reindex-chainstate rebuilds the UTXO set from them). It writes
// nothing: it reports what it found and what a reindex must write. docs/STORAGE.md "Recovery" tells the
// story for an operator.
//
// The walk goes up the main chain from genesis. At each height the main-chain record must name a block
// whose header links to the block below, whose proof of work holds, whose body is exactly the block (the
// store checks it against its hash) and whose txs apply to the state replayed so far. The first height
// where one of these fails ends the kept prefix: everything above it was built on a block this node can
// no longer vouch for (a lost write, a damaged record), so it leaves the main chain, and the node fetches
// it again from its peers. What can be rebuilt from a verified block is repaired instead of dropped:
// a damaged header entry (the body holds the header), wrong chain work, wrong undo data (the replay knows
// the state before the block exactly).
//
// Everything found is reported as CORRUPT_RECORD naming the height and hash, in the order found. The
// same walk without writing is `checkStoredState`, which the crash tests run after every kill -9.
import { bigIntToBytes, bytesEqual, toHex } from '../consensus/bytes.js';
import { decodeBlock, decodeHeader } from '../consensus/encoding.js';
import { RuleError } from '../consensus/errors.js';
import { blockHash } from '../consensus/hash.js';
import { blockWork } from '../consensus/pow.js';
import { applyBlock, computeDigest, encodeUndo, genesisChanges, isEmptyAccount } from '../consensus/state.js';
import type { Account, Block, BlockHeader, ChainParams, Hash } from '../consensus/types.js';
import { HEADER_BYTES } from '../consensus/types.js';
import { checkHeaderSanity } from '../consensus/validation.js';
import { type ChainStore, type HeaderEntry, isCorruptRecord, StorageError } from '../storage/index.js';

export interface ReplayProgress {
  readonly done: number;
  readonly total: number;
  readonly blocksPerSecond: number;
}

/** One damaged record, as found. */
export interface Damage {
  readonly code: 'CORRUPT_RECORD';
  /** The block's height, when it is known (a header entry damaged beyond reading has none). */
  readonly height?: number;
  /** The block's hash (hex), when the record belongs to a block. */
  readonly hash?: string;
  readonly message: string;
}

export interface ReplayResult {
  /** Height of the last block of the kept prefix: the tip after a reindex. */
  readonly height: number;
  readonly accounts: Map<string, { address: Uint8Array; account: Account }>;
  readonly digest: bigint;
}

export interface StoredStateCheck {
  /** Height of the last block of the valid main-chain prefix. */
  readonly height: number;
  /** The stored tip's height before (undefined if the tip record or its header entry is damaged). */
  readonly storedHeight: number | undefined;
  /** Main-chain blocks above the valid prefix, which a reindex takes off the main chain. */
  readonly dropped: number;
  /** Every damaged record found, in the order found. */
  readonly damage: readonly Damage[];
  /** Accounts whose stored value differs from the replay (missing, extra or different). */
  readonly mismatchedAccounts: number;
  readonly storedDigestMatches: boolean;
  /** The tip's undo data exists and is exactly what undoing the tip needs (genesis needs none). */
  readonly tipUndoOk: boolean;
  readonly replay: ReplayResult;
}

/** What the walk found and what a reindex must write to make the datadir consistent again. */
export interface Walk {
  readonly check: StoredStateCheck;
  /** Main-chain hashes of the kept prefix, by height. */
  readonly kept: readonly Hash[];
  /** Header entries to write back (repaired, or with hasBody cleared). */
  readonly entries: HeaderEntry[];
  /** Header-index keys whose record is beyond repair: delete them, with their body and undo data. */
  readonly deadKeys: Uint8Array[];
  /** Bodies to delete (damaged, or flagged as stored but gone). */
  readonly deadBodies: Hash[];
  /** Undo data to write back, by block: the replay knows exactly what it must be. */
  readonly undo: [Hash, Uint8Array][];
  /** Main-chain records above the kept prefix. */
  readonly dropHeights: number[];
  /** Main-chain records to write: missing, damaged or naming a block that failed, with the block that fits. */
  readonly mainFixes: [number, Hash][];
}

const CHUNK = 500;

/**
 * Verifies every record and compares the stored state with a replay of the longest valid prefix of the
 * main chain. Writes nothing. (Signatures are not checked again: a body that hashes to its key is the
 * block that passed them when it was connected.)
 */
export async function checkStoredState(
  store: ChainStore,
  params: ChainParams,
  onProgress?: (p: ReplayProgress) => void,
): Promise<StoredStateCheck> {
  return (await walk(store, params, onProgress)).check;
}

/** The walk: what it found, and what `reindex` (src/chain/reindex.ts) writes from it. */
export async function walk(
  store: ChainStore,
  params: ChainParams,
  onProgress?: (p: ReplayProgress) => void,
): Promise<Walk> {
  const damage: Damage[] = [];
  const found = (e: unknown, fallback?: { height?: number; hash?: string }) => {
    if (!isCorruptRecord(e)) throw e;
    damage.push({
      code: 'CORRUPT_RECORD',
      height: e.height ?? fallback?.height,
      hash: e.hash ?? fallback?.hash,
      message: e.message,
    });
  };
  const report = (height: number | undefined, hash: string | undefined, message: string) =>
    damage.push({ code: 'CORRUPT_RECORD', height, hash, message });

  // 1. The header index, every record, damaged ones included.
  const entries = new Map<string, HeaderEntry>();
  const deadKeys: Uint8Array[] = [];
  for await (const [key, value] of store.iterateHeaderRecords()) {
    try {
      const entry = await store.getHeaderEntry(key);
      if (entry) entries.set(toHex(key), entry);
    } catch (e) {
      found(e, { hash: key.length === 32 ? toHex(key) : undefined, height: headerHeight(value) });
      deadKeys.push(key);
    }
  }

  // 2. The main-chain records, as stored (gaps and damaged values included).
  const mainRecords = new Map<number, Hash | undefined>();
  let topRecord = -1;
  for await (const [height, hash] of store.iterateMainRecords(0)) {
    mainRecords.set(height, hash);
    topRecord = Math.max(topRecord, height);
  }
  let storedHeight: number | undefined;
  let storedTipHash: Hash | undefined;
  try {
    storedTipHash = await store.getTip();
    storedHeight = storedTipHash && entries.get(toHex(storedTipHash))?.header.height;
  } catch (e) {
    found(e);
  }

  // 3. Up the main chain from genesis, replaying the state, until no block can extend it. At each height
  //    the main-chain record is tried first; when it is missing or names a block that fails, the block
  //    the header index leads to (the best stored branch) is tried instead, and, if the index is damaged
  //    too, the block the stored bodies lead to: the bodies are the ground truth, each checked against
  //    its hash, and each header names its parent.
  const accounts = new Map<string, { address: Uint8Array; account: Account }>();
  for (const c of genesisChanges(params))
    accounts.set(toHex(c.address), { address: c.address, account: c.after });
  const lookup = (a: Uint8Array) => accounts.get(toHex(a))?.account;
  const genesis = mainRecords.get(0);
  if (genesis && !bytesEqual(genesis, params.genesisHash)) {
    throw new StorageError(
      'CORRUPT_RECORD',
      `the main-chain record at height 0 is ${toHex(genesis)}, not this chain's genesis ${toHex(params.genesisHash)}`,
      { height: 0 },
    );
  }
  const kept: Hash[] = [params.genesisHash];
  const repaired: HeaderEntry[] = [];
  const undoFixes: [Hash, Uint8Array][] = [];
  const mainFixes: [number, Hash][] = [];
  if (!genesis) {
    report(0, toHex(params.genesisHash), 'the main-chain record of genesis is missing: rewritten');
    mainFixes.push([0, params.genesisHash]);
  }
  let work = blockWork(params.genesis.header.bits);
  const genesisEntry = entries.get(toHex(params.genesisHash));
  const genesisRecord: HeaderEntry = {
    header: params.genesis.header,
    hash: params.genesisHash,
    chainWork: work,
    status: 'valid',
    hasBody: true,
  };
  if (!genesisEntry || !sameEntry(genesisEntry, genesisRecord)) {
    if (genesisEntry) report(0, toHex(params.genesisHash), 'the header entry of genesis is wrong: rewritten');
    entries.set(toHex(params.genesisHash), genesisRecord);
    repaired.push(genesisRecord);
  }
  // The fallback path: by height, the blocks from genesis to the best stored tip we can see.
  const storedTip = storedTipHash && entries.get(toHex(storedTipHash));
  const withBodies = () => [...entries.values()].filter((e) => e.hasBody).map((e) => e.header);
  let path = bestPath(withBodies(), params, storedTip?.header);
  let bodiesScanned = false;
  /** Once the walk has left the main-chain records, it follows the best stored branch to its end. */
  let deviated = false;

  /** Checks one candidate for `height`: the block, its effect on the state, or why it cannot be kept. */
  const attempt = async (height: number, hash: Hash) => {
    const hex = toHex(hash);
    let bytes: Uint8Array | undefined;
    try {
      bytes = await store.getBlockBytes(hash);
    } catch (e) {
      if (!isCorruptRecord(e)) throw e;
      return { fail: e.message, corrupt: e };
    }
    if (!bytes) return { fail: `the body of block ${hex} at height ${height} is missing` };
    const block = decodeBlock(bytes);
    if (block.header.height !== height || !bytesEqual(block.header.prevHash, kept[height - 1]!)) {
      return { fail: `block ${hex} does not extend the block at height ${height - 1}` };
    }
    try {
      checkHeaderSanity(block.header, params);
      return { block, applied: applyBlock(block, lookup, params) };
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      return { fail: `block ${hex} at height ${height} fails ${e.code} against the state below it` };
    }
  };

  let tipUndoOk = true;
  const started = performance.now();
  for (let height = 1; ; height++) {
    const recorded = mainRecords.get(height);
    let chosen: { hash: Hash; block: Block; applied: ReturnType<typeof applyBlock> } | undefined;
    let recordFailure: string | undefined;
    if (recorded) {
      const r = await attempt(height, recorded);
      if ('block' in r) chosen = { hash: recorded, block: r.block!, applied: r.applied! };
      else {
        recordFailure = r.fail;
        if (r.corrupt) found(r.corrupt, { height, hash: toHex(recorded) });
      }
    } else if (mainRecords.has(height)) {
      recordFailure = `the main-chain record at height ${height} is damaged`;
    } else if (height <= Math.max(topRecord, storedHeight ?? 0)) {
      recordFailure = `the main-chain record at height ${height} is missing (a lost write?)`;
    }
    // Past a record that failed (or is missing below the stored tip), the chain goes on along the best
    // stored branch. Where the records are intact, the walk ends with them: blocks stored above the tip
    // are candidates the chain connects when it opens, not part of the stored state.
    const tryPath = recordFailure !== undefined || deviated;
    for (let round = 0; !chosen && tryPath && round < 2; round++) {
      const alt = path.get(height);
      if (alt && !(recorded && bytesEqual(alt, recorded))) {
        const r = await attempt(height, alt);
        if ('block' in r) chosen = { hash: alt, block: r.block!, applied: r.applied! };
        else if (r.corrupt) found(r.corrupt, { height, hash: toHex(alt) });
      }
      // Still nothing: the header index may be what is damaged. Read every stored body's header once.
      if (chosen || bodiesScanned) break;
      bodiesScanned = true;
      const headers = withBodies();
      for await (const h of store.iterateBlockHeaders()) headers.push(h);
      path = bestPath(headers, params, storedTip?.header);
    }
    if (!chosen) {
      if (recordFailure) report(height, recorded && toHex(recorded), recordFailure);
      break;
    }
    const { hash, block, applied } = chosen;
    const where = { height, hash: toHex(hash) };
    if (!recorded || !bytesEqual(recorded, hash)) {
      deviated = true;
      if (recordFailure)
        report(height, where.hash, `${recordFailure}: the main chain goes on with ${where.hash}`);
      mainFixes.push([height, hash]);
    }
    // The header entry: rebuilt from the verified body when it is damaged or disagrees.
    work += blockWork(block.header.bits);
    const record: HeaderEntry = {
      header: block.header,
      hash,
      chainWork: work,
      status: 'valid',
      hasBody: true,
    };
    const stored = entries.get(where.hash);
    if (!stored || !sameEntry(stored, record)) {
      if (stored)
        report(
          height,
          where.hash,
          `the header entry of the block at height ${height} (${where.hash}) disagrees with its block: rewritten`,
        );
      else if (!deadKeys.some((k) => bytesEqual(k, hash))) {
        report(
          height,
          where.hash,
          `the header entry of the block at height ${height} (${where.hash}) is missing: rewritten`,
        );
      }
      entries.set(where.hash, record);
      repaired.push(record);
    }
    // The undo data: the replay knows the state before the block, so it knows the exact bytes.
    const undo = encodeUndo(applied.undo);
    let storedUndo: Uint8Array | undefined;
    try {
      storedUndo = await store.getUndo(hash);
    } catch (e) {
      found(e, where);
    }
    const undoOk = storedUndo !== undefined && bytesEqual(storedUndo, undo);
    if (!undoOk) {
      report(
        height,
        where.hash,
        `the undo data of the block at height ${height} (${where.hash}) is ${storedUndo ? 'wrong' : 'missing'}: rewritten`,
      );
      undoFixes.push([hash, undo]);
    }
    tipUndoOk = undoOk;
    for (const c of applied.changes) {
      if (isEmptyAccount(c.after)) accounts.delete(toHex(c.address));
      else accounts.set(toHex(c.address), { address: c.address, account: c.after });
    }
    kept.push(hash);
    const total = Math.max(topRecord, storedHeight ?? 0, height);
    if (height % CHUNK === 0) {
      onProgress?.({
        done: height,
        total,
        blocksPerSecond: (height * 1000) / Math.max(1, performance.now() - started),
      });
    }
  }
  const height = kept.length - 1;
  if (height === 0) tipUndoOk = true;
  onProgress?.({
    done: height,
    total: height,
    blocksPerSecond: (height * 1000) / Math.max(1, performance.now() - started),
  });
  const dropHeights = [...mainRecords.keys()].filter((h) => h > height).sort((a, b) => a - b);

  // 4. Every other stored body: one that fails its check is forgotten, to be fetched again.
  const keptSet = new Set(kept.map(toHex));
  const deadBodies: Hash[] = [];
  for (const entry of entries.values()) {
    if (!entry.hasBody || keptSet.has(toHex(entry.hash))) continue;
    let ok = false;
    try {
      ok = (await store.getBlockBytes(entry.hash)) !== undefined;
      if (!ok)
        report(
          entry.header.height,
          toHex(entry.hash),
          `the body of block ${toHex(entry.hash)} at height ${entry.header.height} is missing`,
        );
    } catch (e) {
      found(e, { height: entry.header.height, hash: toHex(entry.hash) });
    }
    if (!ok) {
      deadBodies.push(entry.hash);
      const cleared = { ...entry, hasBody: false };
      entries.set(toHex(entry.hash), cleared);
      repaired.push(cleared);
    }
  }

  // 5. Chain work of the side branches, recomputed from their parents (the key does not cover it).
  const byHeight = [...entries.values()].sort((a, b) => a.header.height - b.header.height);
  const workOf = new Map<string, bigint>();
  for (const e of byHeight) {
    const hex = toHex(e.hash);
    const parentWork = e.header.height === 0 ? 0n : workOf.get(toHex(e.header.prevHash));
    if (parentWork === undefined) continue; // unreachable: the chain skips it when it loads
    const expected = parentWork + blockWork(e.header.bits);
    workOf.set(hex, expected);
    if (e.chainWork !== expected) {
      report(
        e.header.height,
        hex,
        `the header entry of block ${hex} at height ${e.header.height} records the wrong chain work: rewritten`,
      );
      repaired.push({ ...e, chainWork: expected });
    }
  }

  // 6. The stored state against the replay.
  let mismatched = 0;
  const seen = new Set<string>();
  try {
    for await (const [address, account] of store.iterateAccounts()) {
      const key = toHex(address);
      seen.add(key);
      const expected = accounts.get(key)?.account;
      if (!expected || expected.balance !== account.balance || expected.nonce !== account.nonce) mismatched++;
    }
  } catch (e) {
    found(e);
    mismatched++;
  }
  for (const key of accounts.keys()) if (!seen.has(key)) mismatched++;
  const digest = computeDigest([...accounts.values()].map((e) => [e.address, e.account] as const));
  let storedDigest: Uint8Array | undefined;
  try {
    storedDigest = await store.getDigest();
  } catch (e) {
    found(e);
  }
  return {
    check: {
      height,
      storedHeight,
      dropped: Math.max(0, (storedHeight ?? topRecord) - height, dropHeights.length),
      damage,
      mismatchedAccounts: mismatched,
      storedDigestMatches: storedDigest !== undefined && bytesEqual(storedDigest, bigIntToBytes(digest, 32)),
      tipUndoOk,
      replay: { height, accounts, digest },
    },
    kept,
    entries: repaired,
    deadKeys,
    deadBodies,
    undo: undoFixes,
    dropHeights,
    mainFixes,
  };
}

/**
 * The blocks from genesis to the most-work tip these headers describe, by height (ties: `prefer`, the
 * stored tip, then the first seen). Headers that do not link to genesis are ignored.
 */
function bestPath(
  headers: readonly BlockHeader[],
  params: ChainParams,
  prefer: BlockHeader | undefined,
): Map<number, Hash> {
  const byHash = new Map<string, { header: BlockHeader; hash: Hash }>();
  for (const header of headers) {
    const hash = blockHash(header);
    byHash.set(toHex(hash), { header, hash });
  }
  const sorted = [...byHash.values()].sort((a, b) => a.header.height - b.header.height);
  const work = new Map<string, bigint>([[toHex(params.genesisHash), blockWork(params.genesis.header.bits)]]);
  const preferHex = prefer && toHex(blockHash(prefer));
  let best = toHex(params.genesisHash);
  for (const { header, hash } of sorted) {
    if (header.height === 0) continue;
    const parentWork = work.get(toHex(header.prevHash));
    if (parentWork === undefined) continue;
    const hex = toHex(hash);
    const w = parentWork + blockWork(header.bits);
    work.set(hex, w);
    const bestWork = work.get(best)!;
    if (w > bestWork || (w === bestWork && hex === preferHex)) best = hex;
  }
  const path = new Map<number, Hash>();
  for (let e = byHash.get(best); e && e.header.height > 0; e = byHash.get(toHex(e.header.prevHash))) {
    path.set(e.header.height, e.hash);
  }
  return path;
}

/** The height a damaged header record claims, if its header part still decodes (for the report only). */
function headerHeight(value: Uint8Array): number | undefined {
  try {
    return value.length >= HEADER_BYTES ? decodeHeader(value.subarray(0, HEADER_BYTES)).height : undefined;
  } catch {
    return undefined;
  }
}

function sameEntry(a: HeaderEntry, b: HeaderEntry): boolean {
  return (
    bytesEqual(a.hash, b.hash) &&
    a.chainWork === b.chainWork &&
    a.status === b.status &&
    a.hasBody === b.hasBody &&
    a.header.height === b.header.height &&
    bytesEqual(a.header.prevHash, b.header.prevHash) &&
    bytesEqual(a.header.txRoot, b.header.txRoot)
  );
}
