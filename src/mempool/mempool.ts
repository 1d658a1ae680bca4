// The mempool: the txs this node has accepted but no block has included yet (docs/PROTOCOL.md §13).
// Core: CTxMemPool (txmempool.cpp) and the checks of AcceptToMemoryPool (validation.cpp).
//
// This file is the service: the maps by id and by sender, the one queue every change runs through, and
// following the chain. The rules of one sender's chain of nonces are in entries.ts, which txs leave a
// full pool in eviction.ts, the choice of a block template's txs in select.ts, the events in events.ts,
// the limits and codes in policy.ts, the batch intake (addMany) in add-many.ts, the coalesced account
// reads and what a block connected or disconnected does to the pool in follow-chain.ts.
//
// Invariants, kept after every change:
//   - every sender's nonces lie at most maxNonceGap past its contiguous run, and below
//     account nonce + maxPerSender;
//   - the sender's balance covers the amount + fee of all its pending txs together (a block must take
//     the lower nonces first, so a tx is only worth keeping if the ones before it leave enough);
//   - at most maxCount txs and maxMemoryBytes bytes of memory, as accounted in entries.ts.
//
// Accepting a tx runs the checks from cheapest to most expensive, so a flood of junk costs little:
// sanity → duplicate → nonce → balance → replacement → fee → room → signature (the costly one, last).

import { EventEmitter } from 'node:events';
import { type Origin, originFields, originNow } from '../chain/origin.js';
import { addressHash } from '../consensus/address.js';
import { toHex } from '../consensus/bytes.js';
import { encodeTx } from '../consensus/encoding.js';
import { txId } from '../consensus/hash.js';
import { EMPTY_ACCOUNT } from '../consensus/state.js';
import { type Account, type Block, type Hash, TX_BYTES, type Tx } from '../consensus/types.js';
import { checkTxSanity } from '../consensus/validation.js';
import { type AddResult, addMany, type BatchIntake, type MempoolVerifier } from './add-many.js';
import { PeerIds, TxArena } from './arena.js';
import {
  checkAgainstSender,
  ENTRY_MEMORY_BYTES,
  Entry,
  keyOf,
  type MempoolEntry,
  nextNonce,
  noLongerFitting,
  SENDER_MEMORY_BYTES,
  Sender,
} from './entries.js';
import type { MempoolEvents } from './events.js';
import { EvictionQueue } from './eviction.js';
import {
  AccountReads,
  type ChainFollowing,
  type MempoolChain,
  onBlockConnected,
  onBlockDisconnected,
} from './follow-chain.js';
import { DEFAULT_MEMPOOL_POLICY, MempoolError, type MempoolPolicy, type RemovalReason } from './policy.js';
import { type AccountReader, selectForBlock } from './select.js';

export { type AddResult, MAX_ADD_MANY, type MempoolVerifier } from './add-many.js';
export type { MempoolChain } from './follow-chain.js';

export interface MempoolOptions {
  readonly chain: MempoolChain;
  readonly verifier: MempoolVerifier;
  /** Overrides for DEFAULT_MEMPOOL_POLICY. */
  readonly policy?: Partial<MempoolPolicy>;
  /** The clock in unix seconds, for `addedAt` and expiry (tests move it). */
  readonly now?: () => number;
}

export class Mempool extends EventEmitter<MempoolEvents> {
  readonly policy: MempoolPolicy;
  private readonly chain: MempoolChain;
  private readonly verifier: MempoolVerifier;
  private readonly now: () => number;

  /** Every entry by keyOf(id). */
  private readonly byId = new Map<string, Entry>();
  /** Every sender with pending txs by keyOf(address). */
  private readonly bySender = new Map<string, Sender>();
  /** Every entry in eviction order, cheapest first (eviction.ts). */
  private readonly cheapest = new EvictionQueue({
    isLive: (e) => this.byId.get(e.key) === e,
    descendantsOf: (e) => this.descendantsOf(e),
    pendingOf: (senderKey) => this.bySender.get(senderKey)?.txs.size ?? 0,
  });
  private seq = 0;
  /** The encoded txs and times of the entries, outside the heap (arena.ts). */
  private readonly arena = new TxArena();
  /** Peer id strings, one instance each (interned). */
  private readonly peerIds = new PeerIds();
  /** Ids being checked right now: a second copy arriving meanwhile is ALREADY_KNOWN, not checked twice. */
  private readonly inflight = new Set<string>();
  /**
   * Bumped the moment the chain connects or disconnects a block. An `add` that read the sender's account
   * before a bump reads it again before it commits, so it never inserts against a state that is gone.
   */
  private epoch = 0;
  /** The pool's account reads from the chain, coalesced (follow-chain.ts). */
  private readonly reads: AccountReads;
  /** What addMany (add-many.ts) needs of this pool. */
  private readonly intake: BatchIntake;
  /** What following the chain (follow-chain.ts) needs of this pool. */
  private readonly following: ChainFollowing;
  /** Every change to the pool after an await runs through this queue, one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: MempoolOptions) {
    super();
    this.policy = Object.freeze({ ...DEFAULT_MEMPOOL_POLICY, ...opts.policy });
    this.chain = opts.chain;
    this.verifier = opts.verifier;
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    this.reads = new AccountReads(opts.chain);
    this.intake = {
      verifier: this.verifier,
      isKnown: (key) => this.byId.has(key) || this.inflight.has(key),
      inflight: this.inflight,
      epoch: () => this.epoch,
      readAccounts: (jobs) => this.reads.readAccounts(jobs),
      admit: (tx, key, sender, account) => {
        this.admit(tx, key, sender, account);
      },
      serialize: (job) => this.serialize(job),
      commit: (...args) => this.commit(...args),
    };
    this.following = {
      chain: this.chain,
      bumpEpoch: () => {
        this.epoch++;
      },
      serialize: (job) => this.serialize(job),
      removeMined: (id) => {
        const e = this.byId.get(keyOf(id));
        if (e) this.remove(e, 'mined');
      },
      hasSender: (address) => this.bySender.has(keyOf(address)),
      setAccount: (address, account) => {
        const s = this.bySender.get(keyOf(address));
        if (s) s.account = account;
      },
      refresh: (address, account) => this.refresh(address, account),
      commit: (...args) => this.commit(...args),
    };
  }

  // --- Reads ---------------------------------------------------------------------------------------

  /** Number of pending txs. */
  get size(): number {
    return this.byId.size;
  }

  /** Encoded bytes of all pending txs (what blocks would carry). */
  get bytes(): number {
    return this.byId.size * TX_BYTES;
  }

  /**
   * Bytes of memory the pool uses, as accounted per entry and per sender (entries.ts): what
   * policy.maxMemoryBytes bounds.
   */
  get memoryBytes(): number {
    return this.byId.size * ENTRY_MEMORY_BYTES + this.bySender.size * SENDER_MEMORY_BYTES;
  }

  get(id: Uint8Array): MempoolEntry | undefined {
    return this.byId.get(keyOf(id));
  }

  has(id: Uint8Array): boolean {
    return this.byId.has(keyOf(id));
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
    const sender = this.bySender.get(keyOf(address));
    if (!sender) {
      const [account] = await this.chain.getAccounts([address]);
      return (account ?? EMPTY_ACCOUNT).nonce;
    }
    return nextNonce(sender, sender.account.nonce);
  }

  /** What the sender's pending txs will take from its balance together: the sum of amount + fee. */
  pendingSpend(address: Uint8Array): bigint {
    let spend = 0n;
    for (const e of this.bySender.get(keyOf(address))?.txs.values() ?? []) spend += e.cost;
    return spend;
  }

  /**
   * The txs for a block template of at most `maxBytes` (header and tx count included): the highest fees
   * first, each sender's txs in nonce order (select.ts). `accounts` gives the state the block builds on;
   * without it the pool uses the accounts it last read, which the block events keep current.
   */
  selectForBlock(maxBytes: number, accounts?: AccountReader): MempoolEntry[] {
    return selectForBlock(this.bySender.values(), maxBytes, accounts);
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
    const key = keyOf(id);
    if (this.byId.has(key) || this.inflight.has(key)) {
      throw new MempoolError('ALREADY_KNOWN', `tx ${toHex(id)} is already in the mempool`);
    }
    const sender = addressHash(tx.from);
    this.inflight.add(key);
    try {
      // 1. The cheap checks, against a fresh read of the sender's account.
      let epoch = this.epoch;
      let account = await this.reads.readAccount(sender);
      this.admit(tx, key, sender, account);
      // 2. The signature, outside the queue: many adds verify at once (on the verifier's workers).
      await this.verifier.verifyTx(tx, id);
      // 3. Commit in the queue. The pool and the chain may have moved during the awaits (another tx of
      //    this sender, an eviction, a block), so every check runs again on the state as it is now.
      return await this.serialize(async () => {
        while (epoch !== this.epoch) {
          epoch = this.epoch;
          account = await this.reads.readAccount(sender);
        }
        return this.commit(tx, id, key, sender, account, origin);
      });
    } finally {
      this.inflight.delete(key);
    }
  }

  /**
   * Check and add many txs at once, each on its own: the result for txs[i] is its AddResult, or the
   * RuleError / MempoolError that `add` would have thrown for it. One read of every sender's account, one
   * batch of signatures for the verifier's workers, one turn of the queue to commit them all in order;
   * so a wallet or a load generator submitting many txs pays the fixed costs once, not per tx. In the
   * given order: a sender's later nonces may follow its earlier ones in the same call.
   * At most MAX_ADD_MANY txs (a RangeError beyond).
   */
  addMany(txs: readonly Tx[], origin: Origin = originNow('api')): Promise<PromiseSettledResult<AddResult>[]> {
    return addMany(this.intake, txs, origin);
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
    if (this.byId.has(key)) {
      throw new MempoolError('ALREADY_KNOWN', `tx ${toHex(txId(tx))} is already in the mempool`);
    }
    const senderKey = keyOf(sender);
    const replaces = checkAgainstSender(tx, this.bySender.get(senderKey), account, this.policy);
    // A replacement takes the old tx's place: same size, so it never needs room.
    const evicts = replaces ? [] : this.planEviction(senderKey, tx.nonce, tx.fee);
    return { replaces, evicts };
  }

  /** Which txs must leave so that one more fits (eviction.ts); none while the pool has room. */
  private planEviction(senderKey: string, nonce: bigint, fee: bigint): Entry[] {
    const { maxCount, maxMemoryBytes } = this.policy;
    const excessCount = this.byId.size + 1 - maxCount;
    const needs = ENTRY_MEMORY_BYTES + (this.bySender.has(senderKey) ? 0 : SENDER_MEMORY_BYTES);
    const excessBytes = this.memoryBytes + needs - maxMemoryBytes;
    return this.cheapest.plan(excessCount, excessBytes, maxMemoryBytes, { senderKey, nonce, fee });
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
    const senderKey = keyOf(sender);
    let s = this.bySender.get(senderKey);
    if (!s) {
      s = new Sender(senderKey, account);
      this.bySender.set(senderKey, s);
    }
    s.account = account;
    const entry = new Entry(
      this.arena,
      key,
      s.key,
      tx.fee,
      tx.nonce,
      this.seq++,
      encodeTx(tx),
      origin,
      this.now(),
      this.peerIds.intern(origin.peer),
    );
    this.byId.set(key, entry);
    s.txs.set(tx.nonce, entry);
    this.cheapest.add(entry);
    // A lower nonce that costs more (or a replacement that does) can leave a higher nonce unpaid.
    this.revalidate(s);
    const fields = originFields(origin);
    if (replaces) {
      this.emit('tx:added', { tx, id, replaced: replaces.id, ...fields });
      return { id, replaced: replaces.id };
    }
    this.emit('tx:added', { tx, id, ...fields });
    return { id };
  }

  // --- Following the chain -------------------------------------------------------------------------

  /**
   * A block was connected: its txs leave as mined, and the txs it made invalid leave too (follow-chain.ts).
   * Core: CTxMemPool::removeForBlock.
   */
  onBlockConnected(block: Block, ids?: readonly Hash[]): Promise<void> {
    return onBlockConnected(this.following, block, ids);
  }

  /**
   * A block was disconnected (a reorg): its txs come back to the pool, with origin 'reorg'; any that no
   * longer fit are dropped quietly (follow-chain.ts). Core: MaybeUpdateMempoolForReorg.
   */
  onBlockDisconnected(block: Block, ids?: readonly Hash[]): Promise<void> {
    return onBlockDisconnected(this.following, block, ids);
  }

  /** Drop txs older than expirySeconds, with their descendants. Returns how many left. */
  expire(now: number = this.now()): number {
    const cutoff = now - this.policy.expirySeconds;
    let removed = 0;
    for (const e of [...this.byId.values()]) {
      // Liveness first: an earlier expiry in this loop may have removed it as a descendant.
      if (this.byId.get(e.key) === e && e.addedAt < cutoff)
        removed += this.removeWithDescendants(e, 'expired');
    }
    return removed;
  }

  // --- Internals -----------------------------------------------------------------------------------

  private serialize<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined); // one failed job must not stop the ones queued after it
    return run;
  }

  /** Set a pending sender's account to a fresh read and drop what no longer fits it. */
  private refresh(address: Uint8Array, account: Account | undefined): void {
    const s = this.bySender.get(keyOf(address));
    if (!s) return;
    s.account = account ?? EMPTY_ACCOUNT;
    this.revalidate(s);
  }

  /** Restore the sender's invariants against its account (entries.ts says what no longer fits). */
  private revalidate(s: Sender): void {
    for (const { entry, reason } of noLongerFitting(s, this.policy)) this.remove(entry, reason);
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
    const s = this.bySender.get(e.senderKey);
    if (s) {
      s.txs.delete(e.nonce);
      if (s.txs.size === 0) this.bySender.delete(e.senderKey);
    }
    // Lazy deletion leaves the entry in the heap; sweep once the dead outnumber the living.
    this.cheapest.sweep(this.byId.values(), this.byId.size);
    const arrival = e.arrival;
    e.release();
    this.emit('tx:removed', { id: e.id, reason, ...originFields(arrival) });
  }
}
