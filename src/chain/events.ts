// What the chain tells the rest of the node. Every block event carries the block's Origin as flat fields
// (origin, peer?, receivedAt) next to its payload, so each listener decides from the event alone: gossip
// publishes what was mined or submitted here, the dashboard draws who sent what when. (Core: the
// CValidationInterface signals BlockConnected, BlockDisconnected, UpdatedBlockTip.)
import type { RuleError } from '../consensus/errors.js';
import type { Block, Hash } from '../consensus/types.js';
import type { StorageError } from '../storage/index.js';
import type { IndexEntry } from './block-index.js';
import type { Origin } from './origin.js';

/** A block with its index entry, tx ids and origin: the payload of every block event. */
export interface BlockEvent extends Origin {
  readonly entry: IndexEntry;
  readonly block: Block;
  readonly ids: readonly Hash[];
}

/**
 * 'block:connected': the block's own arrival origin when it connects as it arrives (or as soon as the
 * bodies before it are there); origin 'reorg' with the ORIGINAL peer and receivedAt when it was stored on
 * a side branch earlier and connects now because the best chain switched to that branch.
 */
export type ConnectedBlock = BlockEvent;

/** 'block:disconnected': always origin 'reorg', with the block's original peer and receivedAt when known. */
export type DisconnectedBlock = BlockEvent;

/** 'block:stored': a body that passed every check it can have yet, stored on a side branch, not connected. */
export type StoredBlock = BlockEvent;

/** One switch of the best chain to another branch (Core logs it in ActivateBestChainStep). */
export interface ReorgEvent {
  /** The last block both branches share. */
  readonly fork: IndexEntry;
  /** Blocks disconnected: oldTip height − fork height. */
  readonly depth: number;
  readonly oldTip: IndexEntry;
  readonly newTip: IndexEntry;
  /** Hashes of the blocks taken off the main chain, in the order they were disconnected (old tip first). */
  readonly disconnected: readonly Hash[];
  /** Hashes of the blocks put on the main chain, in the order they were connected (fork's child first). */
  readonly connected: readonly Hash[];
  /**
   * Ids of the txs in the disconnected blocks that none of the connected blocks includes, in block order:
   * they go back to the mempool (which may still refuse some; its 'tx:added' events with origin 'reorg'
   * are the exact list).
   */
  readonly returnedTxs: readonly Hash[];
}

/**
 * 'block:damaged': a stored body failed its check when the chain read it to connect it, so the chain
 * forgot it (the header stays, without a body) and will take it again from a peer. Not emitted for damage
 * below the tip, which stops the chain instead (CORRUPT_RECORD: run `cairn reindex`).
 */
export interface DamagedBlock {
  readonly entry: IndexEntry;
  readonly error: StorageError;
}

export interface ChainEvents {
  'block:connected': [ConnectedBlock];
  'block:disconnected': [DisconnectedBlock];
  'block:stored': [StoredBlock];
  reorg: [ReorgEvent];
  tip: [IndexEntry];
  'block:invalid': [{ hash: Hash; error: RuleError }];
  'block:damaged': [DamagedBlock];
}

/** How the chain's services emit: the Chain's own EventEmitter, typed by ChainEvents. */
export type ChainEmit = <K extends keyof ChainEvents>(event: K, ...args: ChainEvents[K]) => void;

export type BlockStatus = 'connected' | 'stored' | 'orphan' | 'duplicate';

export interface ProcessResult {
  readonly status: BlockStatus;
  readonly hash: Hash;
  /** For an orphan: the block we lack (ask the sender for it). */
  readonly missing?: Hash;
}
