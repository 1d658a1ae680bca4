// The mempool: the txs this node has accepted but no block has included yet (docs/PROTOCOL.md §13).
// Core: CTxMemPool (txmempool.cpp) and the checks of AcceptToMemoryPool (validation.cpp).
//
// This file is the service: the maps by id and by sender, the one queue every change runs through, and
// following the chain. The rules of one sender's chain of nonces are in entries.ts, which txs leave a
// full pool in eviction.ts, the choice of a block template's txs in select.ts, the events in events.ts,
// the limits and codes in policy.ts.
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
import { isRuleError } from '../consensus/errors.js';
import { txId } from '../consensus/hash.js';
import { EMPTY_ACCOUNT, touchedAddresses } from '../consensus/state.js';
import { type Account, type Block, type Hash, TX_BYTES, type Tx } from '../consensus/types.js';
import { checkTxSanity } from '../consensus/validation.js';
import { TxArena } from './arena.js';
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
  DEFAULT_MEMPOOL_POLICY,
  isMempoolError,
  MempoolError,
  type MempoolPolicy,
  type RemovalReason,
} from './policy.js';
import { type AccountReader, selectForBlock } from './select.js';

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
  /**
   * Many txs at once, each with its own verdict (undefined: valid; else the RuleError verifyTx would
   * throw). The TxVerifier sends them to its worker pool as one batch; without this, addMany calls
   * verifyTx for each.
   */
  checkTxs?(txs: readonly Tx[], ids?: readonly Uint8Array[]): Promise<(Error | undefined)[]>;
}

export interface MempoolOptions {
  readonly chain: MempoolChain;
  readonly verifier: MempoolVerifier;
  /** Overrides for DEFAULT_MEMPOOL_POLICY. */
  readonly policy?: Partial<MempoolPolicy>;
  /** The clock in unix seconds, for `addedAt` and expiry (tests move it). */
  readonly now?: () => number;
}

/** The most distinct peer ids `interned` keeps (a node has tens of peers; this is far above). */
const PEER_ID_TABLE_MAX = 1_024;

export interface AddResult {
  readonly id: Hash;
  /** The id of the tx this one replaced (same sender and nonce, lower fee). */
  readonly replaced?: Hash;
}

/** The most txs addMany takes at once (POST /txs/batch's limit). */
export const MAX_ADD_MANY = 1_000;

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
  private readonly peerIds = new Map<string, string>();
  /** Ids being checked right now: a second copy arriving meanwhile is ALREADY_KNOWN, not checked twice. */
  private readonly inflight = new Set<string>();
  /**
   * Bumped the moment the chain connects or disconnects a block. An `add` that read the sender's account
   * before a bump reads it again before it commits, so it never inserts against a state that is gone.
   */
  private epoch = 0;
  /** Every change to the pool after an await runs through this queue, one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Account reads waiting for the end of this turn of the event loop (readAccount). */
  private pendingReads: {
    readonly address: Uint8Array;
    readonly resolve: (account: Account) => void;
    readonly reject: (e: unknown) => void;
  }[] = [];

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
   * Check and add many txs at once, each on its own: the result for txs[i] is its AddResult, or the
   * RuleError / MempoolError that `add` would have thrown for it. One read of every sender's account, one
   * batch of signatures for the verifier's workers, one turn of the queue to commit them all in order;
   * so a wallet or a load generator submitting many txs pays the fixed costs once, not per tx. In the
   * given order: a sender's later nonces may follow its earlier ones in the same call.
   * At most MAX_ADD_MANY txs (a RangeError beyond).
   */
  async addMany(
    txs: readonly Tx[],
    origin: Origin = originNow('api'),
  ): Promise<PromiseSettledResult<AddResult>[]> {
    if (txs.length > MAX_ADD_MANY) {
      throw new RangeError(`addMany takes at most ${MAX_ADD_MANY} txs, got ${txs.length}`);
    }
    const out: PromiseSettledResult<AddResult>[] = new Array(txs.length);
    const refuse = (i: number, e: unknown): void => {
      if (!isRuleError(e) && !isMempoolError(e)) throw e; // a bug, not a refusal: the caller hears of it
      out[i] = { status: 'rejected', reason: e };
    };
    // 1. Context-free checks and duplicates (in the pool, being checked, or twice in this call).
    interface Job {
      readonly i: number;
      readonly tx: Tx;
      readonly id: Hash;
      readonly key: string;
      readonly sender: Uint8Array;
      readonly senderKey: string;
    }
    const jobs: Job[] = [];
    const seen = new Set<string>();
    txs.forEach((tx, i) => {
      try {
        checkTxSanity(tx);
        const id = txId(tx);
        const key = keyOf(id);
        if (this.byId.has(key) || this.inflight.has(key) || seen.has(key)) {
          throw new MempoolError('ALREADY_KNOWN', `tx ${toHex(id)} is already in the mempool`);
        }
        seen.add(key);
        const sender = addressHash(tx.from);
        jobs.push({ i, tx, id, key, sender, senderKey: keyOf(sender) });
      } catch (e) {
        refuse(i, e);
      }
    });
    for (const j of jobs) this.inflight.add(j.key);
    try {
      // 2. The cheap policy checks, against one read of every sender's account. Only a sender's FIRST tx
      //    in the call is checked now: its later ones may need the earlier ones in the pool (a nonce
      //    gap, the balance), so they are judged at commit, like every tx, on the state as it is then.
      let epoch = this.epoch;
      let accounts = await this.readAccounts(jobs);
      const firstOfSender = new Set<string>();
      const checked = jobs.filter((j) => {
        if (firstOfSender.has(j.senderKey)) return true;
        firstOfSender.add(j.senderKey);
        try {
          this.admit(j.tx, j.key, j.sender, accounts.get(j.senderKey)!);
          return true;
        } catch (e) {
          refuse(j.i, e);
          return false;
        }
      });
      // 3. The signatures, all in one batch, outside the queue.
      const verdicts = await this.checkSignatures(
        checked.map((j) => j.tx),
        checked.map((j) => j.id),
      );
      const signed = checked.filter((j, k) => {
        const error = verdicts[k];
        if (error === undefined) return true;
        refuse(j.i, error);
        return false;
      });
      // 4. Commit in the queue, in order, each against the pool and the chain as they are now.
      return await this.serialize(async () => {
        while (epoch !== this.epoch) {
          epoch = this.epoch;
          accounts = await this.readAccounts(signed);
        }
        for (const j of signed) {
          try {
            const account = accounts.get(j.senderKey)!;
            out[j.i] = {
              status: 'fulfilled',
              value: this.commit(j.tx, j.id, j.key, j.sender, account, origin),
            };
          } catch (e) {
            refuse(j.i, e);
          }
        }
        return out;
      });
    } finally {
      for (const j of jobs) this.inflight.delete(j.key);
    }
  }

  /** Each distinct sender's account in one read, by the sender's key (keyOf). */
  private async readAccounts(
    jobs: readonly { readonly sender: Uint8Array; readonly senderKey: string }[],
  ): Promise<Map<string, Account>> {
    const distinct = new Map<string, Uint8Array>();
    for (const j of jobs) distinct.set(j.senderKey, j.sender);
    const addresses = [...distinct.values()];
    const read = addresses.length > 0 ? await this.chain.getAccounts(addresses) : [];
    const out = new Map<string, Account>();
    [...distinct.keys()].forEach((k, i) => {
      out.set(k, read[i] ?? EMPTY_ACCOUNT);
    });
    return out;
  }

  /** One verdict per tx: the verifier's batch check, or verifyTx for each if it has none. */
  private async checkSignatures(txs: readonly Tx[], ids: readonly Hash[]): Promise<(unknown | undefined)[]> {
    if (txs.length === 0) return [];
    if (this.verifier.checkTxs) return this.verifier.checkTxs(txs, ids);
    return Promise.all(
      txs.map((tx, k) =>
        this.verifier.verifyTx(tx, ids[k]).then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
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
      this.internedPeer(origin.peer),
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
   * A block was connected: its txs leave as mined, and the accounts it touched are read again (in one
   * batch) so that txs it made invalid leave too: nonces now used, balances now too small.
   * Core: CTxMemPool::removeForBlock.
   */
  onBlockConnected(block: Block, ids?: readonly Hash[]): Promise<void> {
    this.epoch++;
    return this.serialize(async () => {
      const txIds = ids ?? block.txs.map(txId);
      for (const id of txIds) {
        const e = this.byId.get(keyOf(id));
        if (e) this.remove(e, 'mined');
      }
      const senders = touchedAddresses(block).filter((a) => this.bySender.has(keyOf(a)));
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
      const accounts = new Map(touched.map((a, i) => [keyOf(a), read[i] ?? EMPTY_ACCOUNT]));
      for (const address of touched) {
        const s = this.bySender.get(keyOf(address));
        if (s) s.account = accounts.get(keyOf(address))!;
      }
      // Block order is each sender's nonce order, so every tx finds its predecessor already back.
      const origin = originNow('reorg');
      block.txs.forEach((tx, i) => {
        const sender = addressHash(tx.from);
        const id = txIds[i]!;
        try {
          checkTxSanity(tx);
          this.commit(tx, id, keyOf(id), sender, accounts.get(keyOf(sender))!, origin);
        } catch (e) {
          if (!isMempoolError(e) && !isRuleError(e)) throw e;
        }
      });
      // Recipients and the miner lost what the block gave them: their own pending txs may not fit now.
      for (const address of touched) this.refresh(address, accounts.get(keyOf(address)));
    });
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

  /**
   * The one instance of a peer id string every entry from that peer keeps (a gossip origin carries a fresh
   * 52-char string per message: a hundred bytes a tx, for a handful of distinct values). The table is
   * dropped when it grows past its bound, so it never holds more than that.
   */
  private internedPeer(peer: string | undefined): string | undefined {
    if (peer === undefined) return undefined;
    let shared = this.peerIds.get(peer);
    if (shared === undefined) {
      if (this.peerIds.size >= PEER_ID_TABLE_MAX) this.peerIds.clear();
      this.peerIds.set(peer, peer);
      shared = peer;
    }
    return shared;
  }

  /**
   * One sender's account, read together with every other read asked for in the same turn of the event
   * loop: concurrent `add`s (a burst of POST /txs, a gossip flood) share one storage read instead of
   * paying a round trip to LevelDB's threads each (~50 µs of this thread's time per call, whatever its
   * size). The reads go at the end of the turn (setImmediate), so a lone tx waits for nothing else.
   */
  private readAccount(address: Uint8Array): Promise<Account> {
    return new Promise((resolve, reject) => {
      if (this.pendingReads.length === 0) setImmediate(() => this.flushReads());
      this.pendingReads.push({ address, resolve, reject });
    });
  }

  private flushReads(): void {
    const reads = this.pendingReads;
    this.pendingReads = [];
    this.chain.getAccounts(reads.map((r) => r.address)).then(
      (accounts) => {
        reads.forEach((r, i) => {
          r.resolve(accounts[i] ?? EMPTY_ACCOUNT);
        });
      },
      (e: unknown) => {
        for (const r of reads) r.reject(e);
      },
    );
  }

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
