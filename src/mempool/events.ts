// What the mempool tells the rest of the node. Every tx event carries the tx's Origin as flat fields
// (origin, peer?, receivedAt), so each listener decides from the event alone: gossip publishes what was
// submitted here or returned by a reorg, the dashboard draws who sent what when (docs/ARCHITECTURE.md §3).
// (Core: the CValidationInterface signals TransactionAddedToMempool, TransactionRemovedFromMempool.)
import type { Origin } from '../chain/origin.js';
import type { Hash, Tx } from '../consensus/types.js';
import type { RemovalReason } from './policy.js';

/** 'tx:added': a tx entered the pool, with the origin `add` was given ('reorg' for a returned tx). */
export interface TxAdded extends Origin {
  readonly tx: Tx;
  readonly id: Hash;
  /** The id of the pending tx it replaced (same sender and nonce, lower fee). */
  readonly replaced?: Hash;
}

/** 'tx:removed': a tx left the pool, why, and the origin it had arrived with. */
export interface TxRemoved extends Origin {
  readonly id: Hash;
  readonly reason: RemovalReason;
}

export interface MempoolEvents {
  'tx:added': [TxAdded];
  'tx:removed': [TxRemoved];
}
