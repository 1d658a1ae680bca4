// Mempool policy: the limits and the rejection codes of the pool of unconfirmed txs (docs/PROTOCOL.md §13).
//
// Policy is NOT consensus. A block may contain a tx that this node would never relay (a zero fee, say),
// and two honest nodes may run different policies. So the pool draws one line between two kinds of no:
//
//   RuleError     the tx is invalid on every chain at every moment (bad signature, amount 0, …): whoever
//                 sent it is at fault, and a gossip validator may lower that peer's score.
//   MempoolError  the tx is not acceptable HERE and NOW: it depends on this node's state (the account
//                 nonce, the balance, what is already pending) or on its local limits. An honest peer
//                 with a slightly different view can send it, so it must never cost a peer reputation.
//
// This is Core's split between consensus failures (TxValidationResult::TX_CONSENSUS) and the policy
// ones (TX_MEMPOOL_POLICY, TX_MISSING_INPUTS, TX_CONFLICT, TX_RECONSIDERABLE), which peers are not
// punished for.

import { CodedError, type CodeInfo } from '../consensus/errors.js';

/** One MB's worth of bytes in the binary sense: 2^20. */
const MIB = 1024 * 1024;

/** The pool's knobs. Every field has a default (DEFAULT_MEMPOOL_POLICY); the node may override any. */
export interface MempoolPolicy {
  /** Most txs held at once: a sanity bound; by default the memory bound is the one that binds. */
  readonly maxCount: number;
  /**
   * Most bytes of memory the pool may use, as it accounts them: ENTRY_MEMORY_BYTES per tx and
   * SENDER_MEMORY_BYTES per sender (entries.ts), its real cost with indexes and keys, not the 142 bytes
   * of an encoded tx. Core: -maxmempool (default 300 MB), which bounds DynamicMemoryUsage() the same way.
   */
  readonly maxMemoryBytes: number;
  /**
   * The lowest fee, in base units, a tx must pay to be accepted or relayed (Core: -minrelaytxfee).
   * Every tx is 142 bytes, so a fee IS a fee rate here: no need to divide by the size as Core does.
   */
  readonly minFee: bigint;
  /**
   * How far past the end of a sender's CONTIGUOUS pending txs a nonce may be. A wallet sending several
   * txs in a row fills nonces one after the other and never hits this; a tx past a missing nonce waits for
   * it (Ethereum's "queued" txs), and the bound keeps one sender from parking txs that may never become
   * minable.
   */
  readonly maxNonceGap: number;
  /** At most this many pending txs per sender, gaps or not (geth: --txpool.accountslots/accountqueue). */
  readonly maxPerSender: number;
  /** Txs this many seconds old are dropped by `expire` (Core: -mempoolexpiry, default 336 h). */
  readonly expirySeconds: number;
  /**
   * Replace-by-fee: a tx with the same (sender, nonce) replaces a pending one only if its fee is at least
   * this many percent higher AND at least `minFee` higher (see MEMPOOL_CODES.REPLACEMENT_FEE_TOO_LOW).
   */
  readonly replacementBumpPercent: number;
}

export const DEFAULT_MEMPOOL_POLICY: MempoolPolicy = Object.freeze({
  maxCount: 100_000,
  maxMemoryBytes: 32 * MIB,
  minFee: 1_000n,
  maxNonceGap: 16,
  maxPerSender: 1_000,
  expirySeconds: 3 * 60 * 60,
  replacementBumpPercent: 10,
});

/**
 * Describes one rejection code: the Core reject reason it corresponds to (or null), its outcome kind
 * (src/consensus/errors.ts: `policy` for this node's choice, `transient` for a full pool that may take the
 * tx later) and what it teaches.
 */
export interface MempoolCodeInfo extends CodeInfo {
  readonly description: string;
}

/**
 * Every reason the pool refuses a tx, besides the consensus RuleErrors. The codes are stable (the HTTP
 * API and the gossip validator match on them); the descriptions are for people.
 */
export const MEMPOOL_CODES = {
  ALREADY_KNOWN: {
    kind: 'policy',
    core: 'txn-already-in-mempool',
    description:
      'The pool already holds this exact tx (same id), or is checking it right now. Gossip delivers the ' +
      'same tx from many peers; the second copy is simply ignored.',
  },
  NONCE_TOO_LOW: {
    kind: 'policy',
    core: 'bad-txns-inputs-missingorspent',
    description:
      "The tx's nonce is below the sender's account nonce: a tx with that nonce is already in a block, so " +
      'this one can never apply (the account-model form of spending an output twice).',
  },
  NONCE_GAP_TOO_LARGE: {
    kind: 'policy',
    core: null,
    description:
      "The tx's nonce is too far ahead of the sender's account nonce. The pool keeps txs past a missing " +
      'nonce only within a bounded gap (maxNonceGap); send the missing nonces first.',
  },
  INSUFFICIENT_FUNDS: {
    kind: 'policy',
    core: 'bad-txns-in-belowout',
    description:
      "The sender's balance cannot pay this tx's amount + fee on top of its pending txs with lower " +
      'nonces, which a block must include first. Wait for those to confirm, or replace one of them.',
  },
  REPLACEMENT_FEE_TOO_LOW: {
    kind: 'policy',
    core: 'insufficient fee',
    description:
      'A tx with this sender and nonce is already pending. A replacement must pay at least ' +
      'replacementBumpPercent more AND at least minFee more than it (BIP 125 rules 3 and 4), so that ' +
      'each replacement costs its sender and nobody can make the network relay the same nonce for free.',
  },
  FEE_TOO_LOW: {
    kind: 'policy',
    core: 'min relay fee not met',
    description:
      'The fee is below this node\u2019s minimum (minFee). Relaying costs every node bandwidth and memory; ' +
      'the minimum fee is what keeps a free flood of txs off the network.',
  },
  MEMPOOL_FULL: {
    kind: 'transient',
    core: 'mempool full',
    description:
      'The pool is at its count or byte limit and this tx does not pay more than the cheapest tx it ' +
      'would have to evict (or that cheapest tx is one this tx depends on). Pay a higher fee.',
  },
} as const satisfies Record<string, MempoolCodeInfo>;

export type MempoolCode = keyof typeof MEMPOOL_CODES;

/** A policy rejection: stable `code`, a one-line reason that teaches, Core's reject reason and the kind. */
export class MempoolError extends CodedError<MempoolCode> {
  override readonly name = 'MempoolError';

  constructor(code: MempoolCode, message: string) {
    super(code, message, MEMPOOL_CODES[code]);
  }
}

export function isMempoolError(e: unknown): e is MempoolError {
  return e instanceof MempoolError;
}

/**
 * Why a tx left the pool (the `tx:removed` event). Not errors: leaving is the normal end of every tx.
 *   mined         included in a connected block
 *   replaced      a higher-fee tx with the same (sender, nonce) took its place
 *   evicted       the pool was full and it paid the least (or descended from the tx that did)
 *   expired       older than expirySeconds (or descended from such a tx)
 *   stale         its nonce fell below the sender's account nonce: another tx used it
 *   unaffordable  the balance no longer covers it together with the sender's lower-nonce txs
 *   nonce-gap     after a reorg lowered the account nonce, it lies past the allowed gap
 */
export type RemovalReason =
  | 'mined'
  | 'replaced'
  | 'evicted'
  | 'expired'
  | 'stale'
  | 'unaffordable'
  | 'nonce-gap';
