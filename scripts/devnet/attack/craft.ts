// Blocks made outside any node, for the scenarios whose attacker breaks or bends a rule a node's own miner
// never would (a chosen timestamp, chosen bits): the header is built here from the pure consensus
// functions, then really mined (the miner's own nonce search, src/mining/sha256-midstate.ts) against the
// target its bits name, so the block carries valid proof of work for whatever bits it claims, and the
// only thing wrong with it, if anything, is the rule the scenario is about.
import { encodeHeader } from '../../../src/consensus/encoding.js';
import { blockHash } from '../../../src/consensus/hash.js';
import { txRoot } from '../../../src/consensus/merkle.js';
import { compactToTarget, requiredBits } from '../../../src/consensus/pow.js';
import { medianTimePast } from '../../../src/consensus/time.js';
import {
  type Block,
  type BlockHeader,
  type ChainParams,
  HEADER_VERSION,
  type Tx,
} from '../../../src/consensus/types.js';
import { searchNonces } from '../../../src/mining/sha256-midstate.js';

/** A branch as the crafter sees it: its headers from height 1 (or later) up to the parent, oldest first. */
export interface BranchContext {
  readonly parent: BlockHeader;
  /** The branch's block at height 1, the ASERT anchor (undefined when the parent is genesis). */
  readonly anchor: BlockHeader | undefined;
  /** The times of the parent and its ancestors, oldest first, at least the last 11 (fewer near genesis). */
  readonly recentTimes: readonly number[];
}

export interface CraftOptions {
  readonly miner: Uint8Array;
  readonly txs?: readonly Tx[];
  /** Default: one second past the median of the last 11 blocks, or `now`, whichever is later. */
  readonly time?: number;
  /** Default: the bits ASERT requires after this parent. */
  readonly bits?: number;
  /** Used for the default time. */
  readonly now?: number;
}

/** The median-time-past of a branch (the earliest a child's time may be is one second after it). */
export const mtpOf = (ctx: BranchContext) => medianTimePast([...ctx.recentTimes]);

/** The bits a child of the branch's tip must carry (src/consensus/pow.ts, requiredBits). */
export const bitsAfter = (params: ChainParams, ctx: BranchContext) =>
  requiredBits(params, ctx.parent, ctx.anchor);

/** A header on the branch with the given fields, mined for real; with its block. */
export function craftBlock(params: ChainParams, ctx: BranchContext, opts: CraftOptions): Block {
  const txs = opts.txs ?? [];
  const header: BlockHeader = {
    version: HEADER_VERSION,
    height: ctx.parent.height + 1,
    prevHash: blockHash(ctx.parent),
    txRoot: txRoot(txs),
    miner: opts.miner,
    time: opts.time ?? Math.max(opts.now ?? 0, mtpOf(ctx) + 1),
    bits: opts.bits ?? bitsAfter(params, ctx),
    nonce: 0n,
  };
  return { header: mine(header), txs };
}

/** Searches nonces until the header's hash meets the target of its own bits. */
export function mine(header: BlockHeader): BlockHeader {
  const target = compactToTarget(header.bits);
  const bytes = encodeHeader(header);
  const STEP = 1 << 20;
  for (let start = 0n; ; start += BigInt(STEP)) {
    const nonce = searchNonces(bytes, target, start, STEP);
    if (nonce !== null) return { ...header, nonce };
  }
}

/**
 * A branch built here block by block (the fake chain): keeps its headers so each next block gets its
 * context (parent, anchor, last 11 times) without asking a node.
 */
export class Branch {
  readonly blocks: Block[] = [];

  constructor(
    private readonly params: ChainParams,
    private readonly base: readonly BlockHeader[],
  ) {
    if (base.length === 0) throw new Error('a branch starts on at least one block (genesis)');
  }

  /** The headers from the base up to the branch's tip, oldest first. */
  private get headers(): BlockHeader[] {
    return [...this.base, ...this.blocks.map((b) => b.header)];
  }

  context(): BranchContext {
    const headers = this.headers;
    return {
      parent: headers.at(-1)!,
      anchor: headers.find((h) => h.height === 1),
      recentTimes: headers.slice(-11).map((h) => h.time),
    };
  }

  /** Mines the next block of the branch and keeps it. */
  next(opts: CraftOptions): Block {
    const block = craftBlock(this.params, this.context(), opts);
    this.blocks.push(block);
    return block;
  }
}
