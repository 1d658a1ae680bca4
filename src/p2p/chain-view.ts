// What the P2P service uses of the chain and the mempool, and nothing more (src/chain/chain.ts `Chain`
// and src/mempool/mempool.ts `Mempool` satisfy these). Sync, gossip, the state check and the protocol
// handlers are typed by these interfaces, not by the classes, so each depends only on what it reads and
// tests can hand in small fakes. (The mempool's MempoolChain and the API's ApiChain do the same.)
//
// Blocks and txs go in with their Origin (src/chain/origin.ts) and their events come back out with it:
// gossip decides what to publish from the event alone (gossip.ts).
import type { IndexEntry } from '../chain/block-index.js';
import type { BlockStatus } from '../chain/chain.js';
import type { Origin } from '../chain/origin.js';
import type { Block, BlockHeader, Hash, Tx } from '../consensus/types.js';

/** What `processBlock` says became of a block. */
export interface BlockResult {
  readonly status: BlockStatus;
  readonly hash: Hash;
}

/** `block:connected` (joined the main chain) and `block:stored` (a valid body on a side branch). */
export interface BlockEvent extends Origin {
  readonly entry: IndexEntry;
  readonly block: Block;
}

/** `tx:added`: a tx entered the pool. */
export interface TxAddedEvent extends Origin {
  readonly tx: Tx;
  readonly id: Hash;
}

export type BlockEventName = 'block:connected' | 'block:stored';

export interface P2PChain {
  readonly tip: IndexEntry;
  readonly height: number;
  /** The state digest at the tip (compared with a peer's at the same tip: state-check.ts). */
  readonly stateDigest: Hash;
  /** The index entry of a header we know (valid, invalid or without a body), by hash. */
  entry(hash: Hash): IndexEntry | undefined;
  isOnMainChain(entry: IndexEntry): boolean;
  atHeight(height: number): IndexEntry | undefined;
  /** Hashes back from `from` (default: the tip), dense then exponentially sparse (Core: GetLocator). */
  locator(from?: IndexEntry): Hash[];
  /** Validates and stores headers; throws a RuleError (with its kind) at the first bad one. */
  acceptHeaders(headers: readonly BlockHeader[]): Promise<IndexEntry[]>;
  /**
   * Judges a block; throws a RuleError (with its kind) if it is invalid. `encoded` is the block's bytes
   * as received (exactly encodeBlock(block)), so the chain need not encode it again.
   */
  processBlock(block: Block, origin: Origin, encoded?: Uint8Array): Promise<BlockResult>;
  /** Optional: start checking a block that processBlock will get soon (see Chain.prepareBlock). */
  prepareBlock?(block: Block, encoded?: Uint8Array): void;
  getBlockBytes(hash: Hash): Promise<Uint8Array | undefined>;
  on(event: BlockEventName, listener: (e: BlockEvent) => void): unknown;
  off(event: BlockEventName, listener: (e: BlockEvent) => void): unknown;
}

export interface P2PMempool {
  /** Admits a tx; throws a RuleError or a MempoolError (each with its kind) if it refuses it. */
  add(tx: Tx, origin: Origin): Promise<unknown>;
  on(event: 'tx:added', listener: (e: TxAddedEvent) => void): unknown;
  off(event: 'tx:added', listener: (e: TxAddedEvent) => void): unknown;
}
