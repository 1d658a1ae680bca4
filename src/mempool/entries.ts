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
import type { Origin, OriginKind } from '../chain/origin.js';
import { byteKey, toHex } from '../consensus/bytes.js';
import { decodeTx } from '../consensus/encoding.js';
import type { Account, Hash, Tx } from '../consensus/types.js';
import type { TxArena } from './arena.js';
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

// --- Memory ---------------------------------------------------------------------------------------------
//
// A pending tx is 142 bytes on the wire, but a JavaScript object graph of it is many times that: every
// Uint8Array is a typed-array object plus an ArrayBuffer (about 250 bytes before its contents), every hex
// key a string twice the bytes' length, every Map entry a slot in a hash table kept at most half full, and
// V8's heap commits about twice what it holds (arena.ts). The first pool kept five Uint8Arrays, two hex
// keys, a decoded Tx and a Map per sender for each tx: about 2.5 KB of heap per tx, ~10 KB of RSS per tx
// for the whole node under a flood.
//
// So the pool keeps the 142 encoded bytes and the times of a tx in an arena outside the heap (arena.ts),
// files it under its id's 32 bytes as a 32-char string, keeps on the heap only what its indexes compare
// (fee, nonce, arrival order), decodes the Tx only when someone asks (a block template, the API), and
// keeps each sender's txs in a small array sorted by nonce instead of a Map. What is left is accounted
// below, so the pool can be bounded by the memory it really uses (Core: -maxmempool bounds
// DynamicMemoryUsage(), not serialized sizes). `npm run bench -- mempool` checks these numbers.

/**
 * Bytes of memory one pending tx costs the pool, with its indexes: its arena record (160, arena.ts), and
 * on the heap the entry object (9 fields: ~96), the id key (48), two bigints (fee, nonce: 48), its slot
 * in the id Map (~40 at the Map's load factor), in its sender's nonce array and the eviction heap (~24 with
 * array growth and the heap's dead entries before a sweep): ~260 bytes of heap, counted twice for what V8
 * commits around them. Rounded up.
 */
export const ENTRY_MEMORY_BYTES = 704;

/**
 * Bytes of memory one sender with pending txs costs: the Sender object, its 20-char key, the account it
 * was checked against (object and two bigints), its nonce array and its slot in the sender Map, twice.
 */
export const SENDER_MEMORY_BYTES = 512;

/** The key the pool files an id or an address under: its bytes as a one-char-per-byte string (byteKey). */
export function keyOf(bytes: Uint8Array): string {
  return byteKey(bytes);
}

/** The bytes of a key made by keyOf (a fresh copy: callers may keep or change it). */
export function bytesOfKey(key: string): Uint8Array {
  return Uint8Array.from(Buffer.from(key, 'latin1'));
}

/** The origin kinds, by the index an arena record stores. */
const ORIGIN_KINDS: readonly OriginKind[] = ['mined', 'api', 'gossip', 'sync', 'reorg', 'reindex'];

/**
 * The pool's own record of a tx: the public entry, built on demand from what it keeps (the heap fields
 * here, the rest in the arena). Once the pool removes it, its arena slot is reused: reading its tx or
 * times after that is a bug, and throws.
 */
export class Entry implements MempoolEntry {
  private slot: number;

  constructor(
    private readonly arena: TxArena,
    /** The id's bytes as a string (keyOf): the key of the pool's Map by id. */
    readonly key: string,
    /** The sender's key (keyOf its address): the same string its Sender holds, so it costs no memory. */
    readonly senderKey: string,
    readonly fee: bigint,
    readonly nonce: bigint,
    /** Arrival order, to break fee ties (first seen wins, as in Core). */
    readonly seq: number,
    encoded: Uint8Array,
    arrival: Origin,
    addedAt: number,
    /** The peer it came from (gossip, sync): one shared string per peer (the pool interns them). */
    private readonly peer = arrival.peer,
  ) {
    const origin = ORIGIN_KINDS.indexOf(arrival.origin);
    this.slot = arena.store(encoded, origin, arrival.receivedAt, addedAt);
  }

  /** Gives the arena slot back: the pool calls it once, when the tx leaves. */
  release(): void {
    if (this.slot < 0) return;
    this.arena.release(this.slot);
    this.slot = -1;
  }

  private get live(): number {
    if (this.slot < 0) throw new Error(`tx ${toHex(this.id)} has left the mempool: its record is gone`);
    return this.slot;
  }

  get id(): Hash {
    return bytesOfKey(this.key);
  }

  /** Decoded from the arena at each call (a block template takes a few thousand: milliseconds). */
  get tx(): Tx {
    return decodeTx(this.arena.encoded(this.live));
  }

  get sender(): Uint8Array {
    return bytesOfKey(this.senderKey);
  }

  /** amount + fee: what leaves the sender's balance. */
  get cost(): bigint {
    return this.arena.amount(this.live) + this.fee;
  }

  get addedAt(): number {
    return this.arena.addedAt(this.live);
  }

  get arrival(): Origin {
    const slot = this.live;
    const origin = ORIGIN_KINDS[this.arena.origin(slot)]!;
    const receivedAt = this.arena.receivedAt(slot);
    return this.peer === undefined ? { origin, receivedAt } : { origin, peer: this.peer, receivedAt };
  }
}

/**
 * One sender's pending txs by nonce: an array kept sorted by nonce, with the Map methods the pool uses. A
 * sender has a handful of txs (at most maxPerSender), where a Map's hash table would cost more than the
 * entries; lookups are a binary search.
 */
export class NonceMap {
  private readonly items: Entry[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The index of `nonce`, or -(insertion point) - 1 when absent. */
  private find(nonce: bigint): number {
    let lo = 0;
    let hi = this.items.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const n = this.items[mid]!.nonce;
      if (n === nonce) return mid;
      if (n < nonce) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  get(nonce: bigint): Entry | undefined {
    const i = this.find(nonce);
    return i >= 0 ? this.items[i] : undefined;
  }

  has(nonce: bigint): boolean {
    return this.find(nonce) >= 0;
  }

  set(nonce: bigint, e: Entry): void {
    const i = this.find(nonce);
    if (i >= 0) this.items[i] = e;
    else this.items.splice(-i - 1, 0, e);
  }

  delete(nonce: bigint): boolean {
    const i = this.find(nonce);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  /** The entries in nonce order. */
  values(): IterableIterator<Entry> {
    return this.items.values();
  }
}

/** One sender's pending txs and the account they build on (as last read from the chain). */
export class Sender {
  readonly txs = new NonceMap();

  constructor(
    /** keyOf(address): the key of the pool's Map by sender, shared by every entry of this sender. */
    readonly key: string,
    public account: Account,
  ) {}

  get address(): Uint8Array {
    return bytesOfKey(this.key);
  }
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
  for (const e of [...s.txs.values()]) {
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
