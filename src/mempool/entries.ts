// What the pool holds, and the rules of one sender's pending txs (docs/PROTOCOL.md §13).
//
// Cairn uses accounts, not outputs, so a sender's txs form a chain by nonce, like Ethereum's txpool:
// the tx with nonce N can only go into a block after the one with nonce N − 1. The pool keeps, per
// sender, a small map nonce → tx, from the account nonce on, with a bounded gap past the contiguous run:
//
//   account nonce 7:   [7] [8] [9]  ·  [11]        7, 8, 9 are ELIGIBLE (contiguous from 7):
//                                                   a block may take them, in that order.
//                                                   11 waits for 10 (it is "queued"); it may never
//                                                   become minable, which is why the gap is bounded.
//
// Every function here looks at ONE sender against its account and the policy, and changes nothing: the
// Mempool (mempool.ts) owns the maps, the heap and the events, and applies what these functions decide.
// Core has no such chain (a UTXO tx names its parents); its nearest equivalents are the package checks of
// MemPoolAccept::PreChecks and the ancestor limits of CTxMemPool::CalculateMemPoolAncestors.
import type { Origin } from '../chain/origin.js';
import type { Account, Hash, Tx } from '../consensus/types.js';
import { MempoolError, type MempoolPolicy, type RemovalReason } from './policy.js';

/** One pending tx, as the pool shows it. */
export interface MempoolEntry {
  readonly id: Hash;
  readonly tx: Tx;
  readonly fee: bigint;
  readonly nonce: bigint;
  /** The sender's 20-byte address (addressHash of tx.from). */
  readonly sender: Uint8Array;
  /** Unix seconds when the pool accepted it. */
  readonly addedAt: number;
  /** Where it came from: 'reorg' for a tx returned to the pool from a disconnected block. */
  readonly arrival: Origin;
}

/** The pool's own record of a tx: the public entry plus the keys and sums it looks things up by. */
export interface Entry extends MempoolEntry {
  readonly key: string; // hex of the id
  readonly senderKey: string; // hex of the sender address
  readonly cost: bigint; // amount + fee: what leaves the sender's balance
  readonly seq: number; // arrival order, to break fee ties (first seen wins, as in Core)
}

/** One sender's pending txs and the account they build on (as last read from the chain). */
export interface Sender {
  readonly address: Uint8Array;
  account: Account;
  readonly txs: Map<bigint, Entry>;
}

/** Eviction order: lowest fee first; on equal fees, the newest first, so earlier arrivals keep their place. */
export function evictsBefore(a: Entry, b: Entry): boolean {
  return a.fee < b.fee || (a.fee === b.fee && a.seq > b.seq);
}

/** Block-template order: highest fee first; on equal fees, the earliest arrival first. */
export function minesBefore(a: Entry, b: Entry): boolean {
  return a.fee > b.fee || (a.fee === b.fee && a.seq < b.seq);
}

/** The end of the sender's contiguous run from `nonce`: the next nonce no pending tx uses. */
export function nextNonce(pending: Sender | undefined, nonce: bigint): bigint {
  let next = nonce;
  while (pending?.txs.has(next)) next++;
  return next;
}

/**
 * The policy checks of a new tx against its sender's account and pending txs, cheapest first: nonce
 * used, gap, per-sender bound, balance, replacement fee, minimum fee. Throws the first MempoolError that
 * applies; returns the pending tx it would replace (same nonce), if any.
 */
export function checkAgainstSender(
  tx: Tx,
  pending: Sender | undefined,
  account: Account,
  policy: MempoolPolicy,
): Entry | undefined {
  if (tx.nonce < account.nonce) {
    throw new MempoolError(
      'NONCE_TOO_LOW',
      `nonce ${tx.nonce} is below the sender's account nonce ${account.nonce}: that nonce is already used`,
    );
  }
  const next = nextNonce(pending, account.nonce);
  if (tx.nonce > next + BigInt(policy.maxNonceGap)) {
    throw new MempoolError(
      'NONCE_GAP_TOO_LARGE',
      `nonce ${tx.nonce} is more than ${policy.maxNonceGap} past the sender's next usable nonce ${next}`,
    );
  }
  if (tx.nonce >= account.nonce + BigInt(policy.maxPerSender)) {
    throw new MempoolError(
      'NONCE_GAP_TOO_LARGE',
      `the sender already has ${policy.maxPerSender} txs' worth of nonces pending: wait for some to be mined`,
    );
  }
  // A block must include the sender's lower nonces first, so they are paid for before this one.
  let before = 0n;
  for (const e of pending?.txs.values() ?? []) {
    if (e.nonce >= account.nonce && e.nonce < tx.nonce) before += e.cost;
  }
  const cost = tx.amount + tx.fee;
  if (account.balance < before + cost) {
    throw new MempoolError(
      'INSUFFICIENT_FUNDS',
      `balance ${account.balance} cannot pay amount + fee ${cost} after ${before} for pending lower nonces`,
    );
  }
  const replaces = pending?.txs.get(tx.nonce);
  if (replaces) {
    // BIP 125 rule 4 (pay for the relay bandwidth: at least minFee more) and a relative bump, as
    // Ethereum's txpool.pricebump (10%), so replacements cannot crawl up by 1 unit at a time.
    const bumped = (replaces.fee * BigInt(100 + policy.replacementBumpPercent) + 99n) / 100n;
    const needed = bumped > replaces.fee + policy.minFee ? bumped : replaces.fee + policy.minFee;
    if (tx.fee < needed) {
      throw new MempoolError(
        'REPLACEMENT_FEE_TOO_LOW',
        `replacing the pending tx with nonce ${tx.nonce} (fee ${replaces.fee}) needs a fee of at least ${needed}, got ${tx.fee}`,
      );
    }
  }
  if (tx.fee < policy.minFee) {
    throw new MempoolError('FEE_TOO_LOW', `fee ${tx.fee} is below the minimum relay fee ${policy.minFee}`);
  }
  return replaces;
}

/**
 * What must leave for the sender's pending txs to keep the pool's invariants against its account, in
 * nonce order: nonces already used (stale), nonces past the gap or the per-sender bound (nonce-gap),
 * and, walking up the nonces, the first tx the balance cannot cover with every tx after it (unaffordable).
 */
export function noLongerFitting(
  s: Sender,
  policy: MempoolPolicy,
): { readonly entry: Entry; readonly reason: RemovalReason }[] {
  const { nonce, balance } = s.account;
  const gap = BigInt(policy.maxNonceGap);
  const limit = nonce + BigInt(policy.maxPerSender);
  const out: { entry: Entry; reason: RemovalReason }[] = [];
  let next = nonce; // the end of the contiguous run so far
  let spent = 0n;
  let unpaid = false;
  for (const e of [...s.txs.values()].sort((a, b) => (a.nonce < b.nonce ? -1 : 1))) {
    if (e.nonce < nonce) out.push({ entry: e, reason: 'stale' });
    else if (e.nonce > next + gap || e.nonce >= limit) out.push({ entry: e, reason: 'nonce-gap' });
    else {
      if (e.nonce === next) next++;
      spent += e.cost;
      if (spent > balance) unpaid = true;
      if (unpaid) out.push({ entry: e, reason: 'unaffordable' });
    }
  }
  return out;
}

/**
 * The sender's txs a block could include, in order: nonces contiguous from the account nonce, while
 * the balance covers them (the pool keeps them covered, but a template may be built on other accounts).
 */
export function eligible(s: Sender, account: Account): Entry[] {
  const out: Entry[] = [];
  let spent = 0n;
  for (let n = account.nonce, e = s.txs.get(n); e; e = s.txs.get(++n)) {
    spent += e.cost;
    if (spent > account.balance) break;
    out.push(e);
  }
  return out;
}
