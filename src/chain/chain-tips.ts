// Views of the whole block tree, main chain and side branches, for operators and the dashboard: every
// tip (Core: the getchaintips RPC) and the entries above a height with who sent each block and when.
import type { Hash } from '../consensus/types.js';
import type { HeaderStatus } from '../storage/index.js';
import type { BlockIndex, IndexEntry } from './block-index.js';
import type { OriginKind } from './origin.js';

/**
 * A tip's status, as getchaintips reports it:
 *   active         the main chain's tip
 *   valid-fork     a side branch whose blocks all have bodies and none is known invalid (it was stored,
 *                  and would be switched to if it had more work)
 *   valid-headers  a side branch with at least one block whose body this node lacks (Core: headers-only)
 *   invalid        the branch contains a block known to be invalid
 */
export type TipStatus = 'active' | 'valid-fork' | 'valid-headers' | 'invalid';

export interface ChainTip {
  readonly hash: Hash;
  readonly height: number;
  readonly chainWork: bigint;
  /** Blocks from the tip down to the main chain (0 for the active tip). */
  readonly branchLength: number;
  readonly status: TipStatus;
}

export interface TreeEntry {
  readonly hash: Hash;
  readonly parentHash: Hash;
  readonly height: number;
  readonly chainWork: bigint;
  /** The 20-byte address the block pays. */
  readonly miner: Uint8Array;
  /** The number of txs, when this node has the body. */
  readonly txCount?: number;
  readonly main: boolean;
  readonly status: HeaderStatus;
  /** How this node got the body, when this process saw it arrive. */
  readonly origin?: OriginKind;
  readonly peer?: string;
  readonly receivedAt?: number;
}

/** The chain as these views read it. */
export interface TreeChain {
  readonly index: BlockIndex;
  readonly tip: IndexEntry;
  isOnMainChain(entry: IndexEntry): boolean;
}

/**
 * Every tip of the block tree: the active tip and each entry with no child (Core: getchaintips, which
 * lists the leaves of the block index plus the active tip). Highest first; the active tip first on ties.
 */
export function chainTips(chain: TreeChain): ChainTip[] {
  const hasChild = new Set<IndexEntry>();
  for (const e of chain.index.values()) if (e.parent) hasChild.add(e.parent);
  const out: ChainTip[] = [];
  for (const e of chain.index.values()) {
    if (e === chain.tip) out.push(tipOf(e, 0, 'active'));
    else if (!hasChild.has(e) && !chain.isOnMainChain(e)) out.push(sideTip(chain, e));
  }
  return out.sort((a, b) => b.height - a.height || rank(a) - rank(b));
}

function rank(t: ChainTip): number {
  return t.status === 'active' ? 0 : 1;
}

function tipOf(e: IndexEntry, branchLength: number, status: TipStatus): ChainTip {
  return { hash: e.hash, height: e.header.height, chainWork: e.chainWork, branchLength, status };
}

/** A side tip: walk down to the main chain, noting any missing body or invalid block on the way. */
function sideTip(chain: TreeChain, tip: IndexEntry): ChainTip {
  let invalid = false;
  let bodies = true;
  let e: IndexEntry | undefined = tip;
  for (; e && !chain.isOnMainChain(e); e = e.parent) {
    if (e.status === 'invalid') invalid = true;
    if (!e.hasBody) bodies = false;
  }
  const branchLength = tip.header.height - (e?.header.height ?? 0);
  const status: TipStatus = invalid ? 'invalid' : bodies ? 'valid-fork' : 'valid-headers';
  return tipOf(tip, branchLength, status);
}

/**
 * The block-index entries from `fromHeight` up, main chain and side branches, in height order (the main
 * chain's entry first at each height), at most `limit` of them. `txCount` comes from `countTxs` for a
 * body this process has not seen yet (the chain reads the stored size).
 */
export async function blockTree(
  chain: TreeChain,
  fromHeight: number,
  limit: number,
  countTxs: (entry: IndexEntry) => Promise<number | undefined>,
): Promise<TreeEntry[]> {
  if (limit <= 0) return [];
  const picked: IndexEntry[] = [];
  for (const e of chain.index.values()) if (e.header.height >= fromHeight) picked.push(e);
  const main = (e: IndexEntry) => (chain.isOnMainChain(e) ? 0 : 1);
  picked.sort((a, b) => a.header.height - b.header.height || main(a) - main(b));
  const out: TreeEntry[] = [];
  for (const e of picked.slice(0, limit)) {
    if (e.hasBody && e.txCount === undefined) e.txCount = await countTxs(e);
    out.push(treeEntry(e, chain.isOnMainChain(e)));
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
    ...(e.hasBody && e.txCount !== undefined ? { txCount: e.txCount } : {}),
    main,
    status: e.status,
    ...(a ? { origin: a.origin, receivedAt: a.receivedAt } : {}),
    ...(a?.peer !== undefined ? { peer: a.peer } : {}),
  };
}
