// The mempool: the txs this node has accepted but no block has included yet (docs/PROTOCOL.md §13).
// Core: CTxMemPool (txmempool.cpp) and the checks of AcceptToMemoryPool (validation.cpp).
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
// Invariants, kept after every change:
//   - every sender's nonces lie at most maxNonceGap past its contiguous run, and below
//     account nonce + maxPerSender;
//   - the sender's balance covers the amount + fee of all its pending txs together (a block must take
//     the lower nonces first, so a tx is only worth keeping if the ones before it leave enough);
//   - at most maxCount txs and maxBytes bytes.
//
// Accepting a tx runs the checks from cheapest to most expensive, so a flood of junk costs little:
// sanity → duplicate → nonce → balance → replacement → fee → room → signature (the costly one, last).

import { EventEmitter } from 'node:events';
import { type Origin, originNow } from '../chain/origin.js';
import { addressHash } from '../consensus/address.js';
import { toHex } from '../consensus/bytes.js';
import { isRuleError } from '../consensus/errors.js';
import { txId } from '../consensus/hash.js';
import { EMPTY_ACCOUNT, touchedAddresses } from '../consensus/state.js';
import {
  type Account,
  BLOCK_OVERHEAD_BYTES,
  type Block,
  type Hash,
  TX_BYTES,
  type Tx,
} from '../consensus/types.js';
import { checkTxSanity } from '../consensus/validation.js';
import { Heap } from './heap.js';
import {
  DEFAULT_MEMPOOL_POLICY,
  isMempoolError,
  MempoolError,
  type MempoolPolicy,
  type RemovalReason,
} from './policy.js';

/** The chain state the pool reads: accounts at the current tip, many per call (one storage batch). */
export interface MempoolChain {
  getAccounts(addresses: readonly Uint8Array[]): Promise<(Account | undefined)[]>;
}

/**
 * Checks a tx's signature, throwing RuleError BAD_SIGNATURE / HIGH_S / BAD_PUBKEY. The node passes its
 * TxVerifier (src/crypto: fast backend + cache, so a tx verified here costs nothing again when its
 * block arrives); tests pass the reference `checkTxSignature` wrapped in an async function.
 */
export interface MempoolVerifier {
  verifyTx(tx: Tx, id?: Uint8Array): Promise<void>;
}

/** Reads an account for a block template; undefined means the account does not exist (empty). */
export type AccountReader = (address: Uint8Array) => Account | undefined;

export interface MempoolOptions {
  readonly chain: MempoolChain;
  readonly verifier: MempoolVerifier;
  /** Overrides for DEFAULT_MEMPOOL_POLICY. */
  readonly policy?: Partial<MempoolPolicy>;
  /** The clock in unix seconds, for `addedAt` and expiry (tests move it). */
  readonly now?: () => number;
}

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

export interface AddResult {
  readonly id: Hash;
  /** The id of the tx this one replaced (same sender and nonce, lower fee). */
  readonly replaced?: Hash;
}

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

/** The pool's own record of a tx: the public entry plus the keys and sums it looks things up by. */
interface Entry extends MempoolEntry {
  readonly key: string; // hex of the id
  readonly senderKey: string; // hex of the sender address
  readonly cost: bigint; // amount + fee: what leaves the sender's balance
  readonly seq: number; // arrival order, to break fee ties (first seen wins, as in Core)
}

/** One sender's pending txs and the account they build on (as last read from the chain). */
interface Sender {
  readonly address: Uint8Array;
  account: Account;
  readonly txs: Map<bigint, Entry>;
}

/** Eviction order: lowest fee first; on equal fees, the newest first, so earlier arrivals keep their place. */
function evictsBefore(a: Entry, b: Entry): boolean {
  return a.fee < b.fee || (a.fee === b.fee && a.seq > b.seq);
}

/** Block-template order: highest fee first; on equal fees, the earliest arrival first. */
function minesBefore(a: Entry, b: Entry): boolean {
  return a.fee > b.fee || (a.fee === b.fee && a.seq < b.seq);
}

export class Mempool extends EventEmitter<MempoolEvents> {
  readonly policy: MempoolPolicy;
  private readonly chain: MempoolChain;
  private readonly verifier: MempoolVerifier;
  private readonly now: () => number;

  private readonly byId = new Map<string, Entry>();
  private readonly bySender = new Map<string, Sender>();
  /**
   * Every entry by eviction order. Removing from the middle of a heap is costly, so removed entries stay
   * in it and are skipped when they surface ("lazy deletion"); `compact` sweeps them out now and then.
   */
  private readonly cheapest = new Heap<Entry>(evictsBefore);
  private totalBytes = 0;
  private seq = 0;
  /** Ids being checked right now: a second copy arriving meanwhile is ALREADY_KNOWN, not checked twice. */
  private readonly inflight = new Set<string>();
  /**
   * Bumped the moment the chain connects or disconnects a block. An `add` that read the sender's account
   * before a bump reads it again before it commits, so it never inserts against a state that is gone.
   */
  private epoch = 0;
  /** Every change to the pool after an await runs through this queue, one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: MempoolOptions) {
    super();
    this.policy = Object.freeze({ ...DEFAULT_MEMPOOL_POLICY, ...opts.policy });
    this.chain = opts.chain;
    this.verifier = opts.verifier;
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  }

  // --- Reads ---------------------------------------------------------------------------------------

  /** Number of pending txs. */
  get size(): number {
    return this.byId.size;
  }

  /** Encoded bytes of all pending txs. */
  get bytes(): number {
    return this.totalBytes;
  }

  get(id: Uint8Array): MempoolEntry | undefined {
    return this.byId.get(toHex(id));
  }

  has(id: Uint8Array): boolean {
    return this.byId.has(toHex(id));
  }

  /** Every pending tx, in arrival order. */
  *entries(): IterableIterator<MempoolEntry> {
    yield* this.byId.values();
  }

  /** The addresses of every sender with pending txs (a miner reads their accounts for a template). */
  senderAddresses(): Uint8Array[] {
    return [...this.bySender.values()].map((s) => s.address);
  }

  /**
   * The nonce the sender's next tx should use: the account nonce plus its contiguous pending txs (a
   * wallet asks this, so two quick sends do not both take the account nonce).
   */
  async pendingNonce(address: Uint8Array): Promise<bigint> {
    const sender = this.bySender.get(toHex(address));
    if (!sender) {
      const [account] = await this.chain.getAccounts([address]);
      return (account ?? EMPTY_ACCOUNT).nonce;
    }
    let next = sender.account.nonce;
    while (sender.txs.has(next)) next++;
    return next;
  }

  /** What the sender's pending txs will take from its balance together: the sum of amount + fee. */
  pendingSpend(address: Uint8Array): bigint {
    let spend = 0n;
    for (const e of this.bySender.get(toHex(address))?.txs.values() ?? []) spend += e.cost;
    return spend;
  }

  /**
   * The txs for a block template of at most `maxBytes` (header and tx count included): the highest fees
   * first, each sender's txs in nonce order, only those contiguous from the account nonce.
   *
   * Each sender is a queue sorted by nonce; a heap holds each queue's NEXT tx by fee, and the template
   * repeatedly takes the best head and exposes that sender's following tx (a greedy merge, Ethereum's
   * "price and nonce" ordering, TransactionsByPriceAndNonce). It is greedy: a sender whose cheap nonce N
   * blocks a rich nonce N + 1 waits; Core instead scores packages of ancestors (CPFP), which an account
   * chain could do too, at the cost of a harder lesson.
   *
   * `accounts` gives the state the block builds on; without it the pool uses the accounts it last read,
   * which the block events keep current. Every tx is 142 bytes, so the byte limit is a count limit.
   */
  selectForBlock(maxBytes: number, accounts?: AccountReader): MempoolEntry[] {
    const room = Math.floor((maxBytes - BLOCK_OVERHEAD_BYTES) / TX_BYTES);
    if (room <= 0) return [];
    interface Cursor {
      readonly queue: readonly Entry[];
      readonly at: number;
    }
    const heads = new Heap<Cursor>((a, b) => minesBefore(a.queue[a.at]!, b.queue[b.at]!));
    for (const sender of this.bySender.values()) {
      const account = accounts ? (accounts(sender.address) ?? EMPTY_ACCOUNT) : sender.account;
      const queue = eligible(sender, account);
      if (queue.length > 0) heads.push({ queue, at: 0 });
    }
    const out: Entry[] = [];
    for (let c = heads.pop(); c && out.length < room; c = heads.pop()) {
      out.push(c.queue[c.at]!);
      if (c.at + 1 < c.queue.length) heads.push({ queue: c.queue, at: c.at + 1 });
    }
    return out;
  }

  // --- Accepting txs -------------------------------------------------------------------------------

  /**
   * Check a tx and add it, or throw: RuleError for a tx that is invalid anywhere (sanity, signature),
   * MempoolError for one this pool will not take now (see MEMPOOL_CODES). Resolves with its id and,
   * for a replacement, the id of the tx it replaced. Core: AcceptToMemoryPool / MemPoolAccept.
   * `origin` flows into 'tx:added' and later 'tx:removed'; without one the tx counts as submitted
   * locally ('api').
   */
  async add(tx: Tx, origin: Origin = originNow('api')): Promise<AddResult> {
    checkTxSanity(tx);
    const id = txId(tx);
    const key = toHex(id);
    if (this.byId.has(key) || this.inflight.has(key)) {
      throw new MempoolError('ALREADY_KNOWN', `tx ${key} is already in the mempool`);
    }
    const sender = addressHash(tx.from);
    this.inflight.add(key);
    try {
      // 1. The cheap checks, against a fresh read of the sender's account.
      let epoch = this.epoch;
      let account = await this.readAccount(sender);
      this.admit(tx, key, sender, account);
      // 2. The signature, outside the queue: many adds verify at once (on the verifier's workers).
      await this.verifier.verifyTx(tx, id);
      // 3. Commit in the queue. The pool and the chain may have moved during the awaits (another tx of
      //    this sender, an eviction, a block), so every check runs again on the state as it is now.
      return await this.serialize(async () => {
        while (epoch !== this.epoch) {
          epoch = this.epoch;
          account = await this.readAccount(sender);
        }
        return this.commit(tx, id, key, sender, account, origin);
      });
    } finally {
      this.inflight.delete(key);
    }
  }

  /**
   * The policy checks against the pool and the sender's account, cheapest first; throws the first that
   * fails. Returns the tx it would replace and the txs it would evict; changes nothing itself, so `add`
   * runs it once before the signature check and again, on the state as it is then, to commit.
   */
  private admit(
    tx: Tx,
    key: string,
    sender: Uint8Array,
    account: Account,
  ): { replaces: Entry | undefined; evicts: Entry[] } {
    const { policy } = this;
    if (this.byId.has(key)) throw new MempoolError('ALREADY_KNOWN', `tx ${key} is already in the mempool`);
    if (tx.nonce < account.nonce) {
      throw new MempoolError(
        'NONCE_TOO_LOW',
        `nonce ${tx.nonce} is below the sender's account nonce ${account.nonce}: that nonce is already used`,
      );
    }
    const senderKey = toHex(sender);
    const pending = this.bySender.get(senderKey);
    let next = account.nonce;
    while (pending?.txs.has(next)) next++;
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
    // A replacement takes the old tx's place: same size, so it never needs room.
    const evicts = replaces ? [] : this.planEviction(senderKey, tx.nonce, tx.fee);
    return { replaces, evicts };
  }

  /**
   * Which txs must leave so that one more fits: the cheapest, each with its descendants (the same
   * sender's higher nonces, which could never be mined without it). Throws MEMPOOL_FULL if the
   * newcomer does not pay more than every tx it would push out, or if the cheapest is its own ancestor.
   * Core: CTxMemPool::TrimToSize, which evicts by lowest descendant score and raises the min fee.
   */
  private planEviction(senderKey: string, nonce: bigint, fee: bigint): Entry[] {
    const { maxCount, maxBytes } = this.policy;
    const excessCount = this.byId.size + 1 - maxCount;
    const excessBytes = this.totalBytes + TX_BYTES - maxBytes;
    if (excessCount <= 0 && excessBytes <= 0) return [];
    const chosen = new Set<Entry>();
    const looked: Entry[] = [];
    let freed = 0;
    try {
      while (freed < excessCount || freed * TX_BYTES < excessBytes) {
        const lowest = this.popCheapest();
        if (!lowest) {
          throw new MempoolError('MEMPOOL_FULL', `a tx of ${TX_BYTES} bytes cannot fit in ${maxBytes} bytes`);
        }
        looked.push(lowest);
        if (chosen.has(lowest)) continue;
        if (fee <= lowest.fee) {
          throw new MempoolError(
            'MEMPOOL_FULL',
            `the mempool is full and fee ${fee} does not beat the cheapest pending fee ${lowest.fee}`,
          );
        }
        if (lowest.senderKey === senderKey && lowest.nonce < nonce) {
          throw new MempoolError(
            'MEMPOOL_FULL',
            `the mempool is full and its cheapest tx is this sender's nonce ${lowest.nonce}, which this ` +
              'tx depends on; replace that one with a higher fee first',
          );
        }
        for (const e of this.descendantsOf(lowest)) {
          if (!chosen.has(e)) {
            chosen.add(e);
            freed++;
          }
        }
      }
    } finally {
      // Put back what the scan took out. Entries about to be evicted go back too: once removed, the
      // heap skips them (a dry run, or a rejection, must leave the heap as it was).
      for (const e of looked) this.cheapest.push(e);
    }
    return [...chosen];
  }

  /** Apply an admitted tx: evict, replace, insert, and re-check the sender's higher nonces. */
  private commit(
    tx: Tx,
    id: Hash,
    key: string,
    sender: Uint8Array,
    account: Account,
    origin: Origin,
  ): AddResult {
    const { replaces, evicts } = this.admit(tx, key, sender, account);
    for (const e of evicts) if (this.byId.get(e.key) === e) this.remove(e, 'evicted');
    if (replaces) this.remove(replaces, 'replaced');
    const senderKey = toHex(sender);
    let s = this.bySender.get(senderKey);
    if (!s) {
      s = { address: sender, account, txs: new Map() };
      this.bySender.set(senderKey, s);
    }
    s.account = account;
    const entry: Entry = {
      id,
      tx,
      fee: tx.fee,
      nonce: tx.nonce,
      sender,
      addedAt: this.now(),
      arrival: origin,
      key,
      senderKey,
      cost: tx.amount + tx.fee,
      seq: this.seq++,
    };
    this.byId.set(key, entry);
    s.txs.set(tx.nonce, entry);
    this.cheapest.push(entry);
    this.totalBytes += TX_BYTES;
    // A lower nonce that costs more (or a replacement that does) can leave a higher nonce unpaid.
    this.revalidate(s);
    const fields = eventOrigin(origin);
    if (replaces) {
      this.emit('tx:added', { tx, id, replaced: replaces.id, ...fields });
      return { id, replaced: replaces.id };
    }
    this.emit('tx:added', { tx, id, ...fields });
    return { id };
  }

  // --- Following the chain -------------------------------------------------------------------------

  /**
   * A block was connected: its txs leave as mined, and the accounts it touched are read again (in one
   * batch) so that txs it made invalid leave too: nonces now used, balances now too small.
   * Core: CTxMemPool::removeForBlock.
   */
  onBlockConnected(block: Block, ids?: readonly Hash[]): Promise<void> {
    this.epoch++;
    return this.serialize(async () => {
      const txIds = ids ?? block.txs.map(txId);
      for (const id of txIds) {
        const e = this.byId.get(toHex(id));
        if (e) this.remove(e, 'mined');
      }
      const senders = touchedAddresses(block).filter((a) => this.bySender.has(toHex(a)));
      if (senders.length === 0) return;
      const accounts = await this.chain.getAccounts(senders);
      senders.forEach((address, i) => {
        this.refresh(address, accounts[i]);
      });
    });
  }

  /**
   * A block was disconnected (a reorg): its txs come back to the pool, so that the new branch (or a later
   * block) can include them; any that no longer fit are dropped quietly. Their signatures were verified
   * when the block was connected, so they are not checked again. During a reorg the chain disconnects
   * first and connects after, and this queue keeps that order; txs the new branch includes leave again.
   * They come back with origin 'reorg' (their first arrival, if this node saw one, is not remembered).
   * Core: MaybeUpdateMempoolForReorg.
   */
  onBlockDisconnected(block: Block, ids?: readonly Hash[]): Promise<void> {
    this.epoch++;
    return this.serialize(async () => {
      const txIds = ids ?? block.txs.map(txId);
      const touched = touchedAddresses(block);
      const read = await this.chain.getAccounts(touched);
      const accounts = new Map(touched.map((a, i) => [toHex(a), read[i] ?? EMPTY_ACCOUNT]));
      for (const address of touched) {
        const s = this.bySender.get(toHex(address));
        if (s) s.account = accounts.get(toHex(address))!;
      }
      // Block order is each sender's nonce order, so every tx finds its predecessor already back.
      const origin = originNow('reorg');
      block.txs.forEach((tx, i) => {
        const sender = addressHash(tx.from);
        const id = txIds[i]!;
        try {
          checkTxSanity(tx);
          this.commit(tx, id, toHex(id), sender, accounts.get(toHex(sender))!, origin);
        } catch (e) {
          if (!isMempoolError(e) && !isRuleError(e)) throw e;
        }
      });
      // Recipients and the miner lost what the block gave them: their own pending txs may not fit now.
      for (const address of touched) this.refresh(address, accounts.get(toHex(address)));
    });
  }

  /** Drop txs older than expirySeconds, with their descendants. Returns how many left. */
  expire(now: number = this.now()): number {
    const cutoff = now - this.policy.expirySeconds;
    let removed = 0;
    for (const e of [...this.byId.values()]) {
      if (e.addedAt < cutoff && this.byId.get(e.key) === e)
        removed += this.removeWithDescendants(e, 'expired');
    }
    return removed;
  }

  // --- Internals -----------------------------------------------------------------------------------

  private async readAccount(address: Uint8Array): Promise<Account> {
    const [account] = await this.chain.getAccounts([address]);
    return account ?? EMPTY_ACCOUNT;
  }

  private serialize<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined); // one failed job must not stop the ones queued after it
    return run;
  }

  /** Set a pending sender's account to a fresh read and drop what no longer fits it. */
  private refresh(address: Uint8Array, account: Account | undefined): void {
    const s = this.bySender.get(toHex(address));
    if (!s) return;
    s.account = account ?? EMPTY_ACCOUNT;
    this.revalidate(s);
  }

  /**
   * Restore the sender's invariants against its account: drop nonces already used (stale) and past the
   * gap, and, walking up the nonces, the first tx the balance cannot cover, with every tx after it.
   */
  private revalidate(s: Sender): void {
    const { nonce, balance } = s.account;
    const gap = BigInt(this.policy.maxNonceGap);
    const limit = nonce + BigInt(this.policy.maxPerSender);
    let next = nonce; // the end of the contiguous run so far
    let spent = 0n;
    let unpaid = false;
    for (const e of [...s.txs.values()].sort((a, b) => (a.nonce < b.nonce ? -1 : 1))) {
      if (e.nonce < nonce) this.remove(e, 'stale');
      else if (e.nonce > next + gap || e.nonce >= limit) this.remove(e, 'nonce-gap');
      else {
        if (e.nonce === next) next++;
        spent += e.cost;
        if (spent > balance) unpaid = true;
        if (unpaid) this.remove(e, 'unaffordable');
      }
    }
  }

  /** The entry and the same sender's txs with higher nonces. */
  private descendantsOf(e: Entry): Entry[] {
    const s = this.bySender.get(e.senderKey);
    return s ? [...s.txs.values()].filter((d) => d.nonce >= e.nonce) : [e];
  }

  private removeWithDescendants(e: Entry, reason: RemovalReason): number {
    const all = this.descendantsOf(e);
    for (const d of all) this.remove(d, reason);
    return all.length;
  }

  private remove(e: Entry, reason: RemovalReason): void {
    if (!this.byId.delete(e.key)) return;
    this.totalBytes -= TX_BYTES;
    const s = this.bySender.get(e.senderKey);
    if (s) {
      s.txs.delete(e.nonce);
      if (s.txs.size === 0) this.bySender.delete(e.senderKey);
    }
    // Lazy deletion leaves the entry in the heap; sweep once the dead outnumber the living.
    if (this.cheapest.size > 2 * this.byId.size + 1024) this.cheapest.rebuild(this.byId.values());
    this.emit('tx:removed', { id: e.id, reason, ...eventOrigin(e.arrival) });
  }

  /** The pending tx that pays least (removing it from the heap), skipping entries already gone. */
  private popCheapest(): Entry | undefined {
    for (let e = this.cheapest.pop(); e; e = this.cheapest.pop()) {
      if (this.byId.get(e.key) === e) return e;
    }
    return undefined;
  }
}

/**
 * The sender's txs a block could include, in order: nonces contiguous from the account nonce, while
 * the balance covers them (the pool keeps them covered, but a template may be built on other accounts).
 */
function eligible(s: Sender, account: Account): Entry[] {
  const out: Entry[] = [];
  let spent = 0n;
  for (let n = account.nonce, e = s.txs.get(n); e; e = s.txs.get(++n)) {
    spent += e.cost;
    if (spent > account.balance) break;
    out.push(e);
  }
  return out;
}

/** The flat origin fields of an event, with `peer` only when there is one. */
function eventOrigin(o: Origin): Origin {
  return o.peer === undefined
    ? { origin: o.origin, receivedAt: o.receivedAt }
    : { origin: o.origin, peer: o.peer, receivedAt: o.receivedAt };
}
