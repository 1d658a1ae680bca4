// Views of the whole block tree, main chain and side branches, for operators and the dashboard: every
// tip with its status (Core: the getchaintips RPC, rpc/blockchain.cpp) and the entries above a height
// with who sent each block and when. Plain data (Uint8Array hashes, bigint work): the HTTP API and
// `cairn tips` only format it. One pass over the index: fine for a teaching node's few thousand headers.
import { toHex } from '../consensus/bytes.js';
import type { Hash } from '../consensus/types.js';
import type { HeaderStatus } from '../storage/index.js';
import { type BlockIndex, forkPoint, type IndexEntry } from './block-index.js';
import type { OriginKind } from './origin.js';

/**
 * A tip's status, as Core's getchaintips reports it, checked in this order:
 *   active         the main chain's tip;
 *   invalid        the tip or a block of its branch broke a rule (Core: BLOCK_FAILED_MASK);
 *   headers-only   a block of the branch has no body here (a header-first download that has not finished;
 *                  Core: !HaveNumChainTxs);
 *   valid-fork     every block of the branch was connected once: it was the main chain, then lost
 *                  (Core: BLOCK_VALID_SCRIPTS);
 *   valid-headers  every body is here, but the branch was never connected: it never had the most work.
 */
export type TipStatus = 'active' | 'valid-fork' | 'valid-headers' | 'headers-only' | 'invalid';

export interface ChainTip {
  readonly hash: Hash;
  readonly height: number;
  readonly chainWork: bigint;
  /** Blocks from the fork point with the main chain up to the tip (0 for the active tip). */
  readonly branchLength: number;
  readonly status: TipStatus;
}

/** getchaintips lists at most this many tips, the most work first, so junk forks cannot grow the answer. */
export const TIPS_MAX = 256;

export interface TreeEntry {
  readonly hash: Hash;
  readonly parentHash: Hash;
  readonly height: number;
  readonly chainWork: bigint;
  /** The 20-byte address the block pays. */
  readonly miner: Uint8Array;
  /** Header time, unix seconds. */
  readonly time: number;
  /** The compact target. */
  readonly bits: number;
  /** The number of txs, when this node has the body. */
  readonly txCount?: number;
  /** On the main chain now. */
  readonly main: boolean;
  readonly status: HeaderStatus;
  /** How this node got the body, when this process saw it arrive (not for bodies loaded at start). */
  readonly origin?: OriginKind;
  readonly peer?: string;
  readonly receivedAt?: number;
}

/** The chain as these views read it (src/chain/chain.ts `Chain`). */
export interface TreeChain {
  readonly index: BlockIndex;
  readonly tip: IndexEntry;
  readonly height: number;
  atHeight(height: number): IndexEntry | undefined;
  isOnMainChain(entry: IndexEntry): boolean;
}

/**
 * Every tip of the block tree: each entry with no child, and the active tip even when a header-only child
 * sits on it (Core lists the same set). The most work first, then by hash; at most `max`, the active tip
 * always among them.
 */
export function chainTips(chain: TreeChain, max: number = TIPS_MAX): ChainTip[] {
  const parents = new Set<IndexEntry>();
  for (const e of chain.index.values()) if (e.parent) parents.add(e.parent);
  const tip = chain.tip;
  const leaves: IndexEntry[] = [];
  for (const e of chain.index.values()) if (e !== tip && !parents.has(e)) leaves.push(e);
  leaves.sort(byWorkThenHash);
  const picked = [tip, ...leaves.slice(0, Math.max(0, max - 1))].sort(byWorkThenHash);
  return picked.map((leaf) => {
    const fork = forkPoint(leaf, tip);
    return {
      hash: leaf.hash,
      height: leaf.header.height,
      chainWork: leaf.chainWork,
      branchLength: leaf.header.height - fork.header.height,
      status: leaf === tip ? 'active' : branchStatus(leaf, fork),
    };
  });
}

function byWorkThenHash(a: IndexEntry, b: IndexEntry): number {
  return b.chainWork > a.chainWork ? 1 : b.chainWork < a.chainWork ? -1 : byHash(a, b);
}

function byHash(a: IndexEntry, b: IndexEntry): number {
  return a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0;
}

/** Walks the branch down to the fork point, noting an invalid block, a missing body, a never-connected one. */
function branchStatus(leaf: IndexEntry, fork: IndexEntry): TipStatus {
  let connected = true;
  let bodies = true;
  for (let e: IndexEntry | undefined = leaf; e && e !== fork; e = e.parent) {
    if (e.status === 'invalid') return 'invalid';
    if (e.status !== 'valid') connected = false;
    if (!e.hasBody) bodies = false;
  }
  return !bodies ? 'headers-only' : connected ? 'valid-fork' : 'valid-headers';
}

/**
 * The entries at height ≥ `fromHeight`, every branch, ordered by (height, hash), at most `limit`,
 * starting after the block `after` at `fromHeight` when given (a page cursor). Main-chain entries come
 * from the height array, side branches from one scan of the index. `countTxs` reads the tx count of a
 * body this process has not seen arrive (the chain reads the stored size).
 */
export async function blockTree(
  chain: TreeChain,
  fromHeight: number,
  limit: number,
  countTxs: (entry: IndexEntry) => Promise<number | undefined>,
  after?: Hash,
): Promise<TreeEntry[]> {
  const entries = treeEntries(chain, fromHeight, limit, after && toHex(after));
  const out: TreeEntry[] = [];
  for (const e of entries) {
    if (e.hasBody && e.txCount === undefined) e.txCount = await countTxs(e);
    out.push(treeEntry(e, chain.isOnMainChain(e)));
  }
  return out;
}

function treeEntries(chain: TreeChain, from: number, limit: number, after?: string): IndexEntry[] {
  const out: IndexEntry[] = [];
  if (limit <= 0) return out;
  const side: IndexEntry[] = [];
  for (const e of chain.index.values()) {
    if (e.header.height >= from && !chain.isOnMainChain(e)) side.push(e);
  }
  side.sort((a, b) => a.header.height - b.header.height || byHash(a, b));
  const past = (e: IndexEntry) => after === undefined || e.header.height > from || e.hex > after;
  let s = 0;
  for (let h = from; out.length < limit && (h <= chain.height || s < side.length); h++) {
    const atH: IndexEntry[] = [];
    const m = chain.atHeight(h);
    if (m) atH.push(m);
    while (s < side.length && side[s]!.header.height === h) atH.push(side[s++]!);
    atH.sort(byHash);
    for (const e of atH) {
      if (out.length >= limit) break;
      if (past(e)) out.push(e);
    }
  }
  return out;
}

function treeEntry(e: IndexEntry, main: boolean): TreeEntry {
  const a = e.arrival;
  return {
    hash: e.hash,
    parentHash: e.header.prevHash,
    height: e.header.height,
    chainWork: e.chainWork,
    miner: e.header.miner,
    time: e.header.time,
    bits: e.header.bits,
    ...(e.hasBody && e.txCount !== undefined ? { txCount: e.txCount } : {}),
    main,
    status: e.status,
    ...(a ? { origin: a.origin, receivedAt: a.receivedAt } : {}),
    ...(a?.peer !== undefined ? { peer: a.peer } : {}),
  };
}
