// The chain: the block index, fork choice and the connect/disconnect machinery. It is the ONLY writer of
// chain state (docs/ARCHITECTURE.md §1): everything else reads through it or listens to its events.
//
// Fork choice is Nakamoto's rule as Bitcoin Core implements it: the best chain is the valid chain with
// the most cumulative work (not the most blocks), and on equal work the one seen first stays
// (Core: CChainState::ActivateBestChain, FindMostWorkChain). Switching chains disconnects blocks back
// to the fork point with their undo data and connects the other branch; each step is ONE atomic LevelDB
// batch that includes the new tip, so a crash at any moment leaves a consistent state.
import { EventEmitter } from 'node:events';
import { bigIntToBytes, bytesToBigInt, toHex } from '../consensus/bytes.js';
import { blockSize, decodeBlock, encodeBlock } from '../consensus/encoding.js';
import { RuleError } from '../consensus/errors.js';
import { blockHash, txId } from '../consensus/hash.js';
import { blockWork } from '../consensus/pow.js';
import {
  type AccountChange,
  applyBlock,
  decodeUndo,
  encodeUndo,
  genesisChanges,
  isEmptyAccount,
  revertChanges,
  senderAddresses,
  touchedAddresses,
  updateDigest,
} from '../consensus/state.js';
import { MEDIAN_TIME_SPAN } from '../consensus/time.js';
import type { Account, Block, BlockHeader, ChainParams, Hash } from '../consensus/types.js';
import {
  checkBlockSanity,
  checkHeaderContext,
  checkHeaderSanity,
  isMalformedBody,
} from '../consensus/validation.js';
import type { ChainBatch, ChainStore, HeaderStatus } from '../storage/index.js';
import { ancestorAt, BlockIndex, forkPoint, type IndexEntry, recentTimes } from './block-index.js';
import type { Origin } from './origin.js';
import { DEFAULT_ORPHAN_LIMITS, type OrphanLimits, OrphanPool } from './orphan-pool.js';

/** Verifies all signatures of a block's txs; throws the first failure as a RuleError. */
export interface BlockSignatureVerifier {
  verifyTxs(txs: Block['txs'], ids?: readonly Hash[]): Promise<void>;
}

export interface ConnectedBlock {
  readonly entry: IndexEntry;
  readonly block: Block;
  readonly ids: readonly Hash[];
}

export interface ReorgEvent {
  readonly depth: number;
  readonly oldTip: IndexEntry;
  readonly newTip: IndexEntry;
  readonly fork: IndexEntry;
}

export interface ChainEvents {
  'block:connected': [ConnectedBlock];
  'block:disconnected': [ConnectedBlock];
  reorg: [ReorgEvent];
  tip: [IndexEntry];
  'block:invalid': [{ hash: Hash; error: RuleError }];
}

/** Meta record: the last block whose txs are in the tx index. */
const TX_INDEX_TIP = 'txIndexTip';

export type BlockStatus = 'connected' | 'stored' | 'orphan' | 'duplicate';

export interface ProcessResult {
  readonly status: BlockStatus;
  readonly hash: Hash;
  /** For an orphan: the block we lack (ask the sender for it). */
  readonly missing?: Hash;
}

export interface ChainOptions {
  readonly params: ChainParams;
  readonly store: ChainStore;
  readonly verifier: BlockSignatureVerifier;
  /** The node's clock in unix seconds (tests move it). */
  readonly now?: () => number;
  readonly orphanLimits?: OrphanLimits;
}

export class Chain extends EventEmitter<ChainEvents> {
  readonly params: ChainParams;
  readonly index = new BlockIndex();
  readonly orphans: OrphanPool;
  private readonly store: ChainStore;
  private readonly verifier: BlockSignatureVerifier;
  private readonly now: () => number;
  /** main[h] = the main-chain entry at height h. */
  private readonly main: IndexEntry[] = [];
  /** Blocks with bodies that are not on the main chain: the side branches we could switch to. */
  private readonly candidates = new Set<IndexEntry>();
  private digest = 0n;
  /** Why recent blocks failed to connect (bounded), so processBlock can report the block's own rule. */
  private readonly connectFailures = new Map<string, RuleError>();
  /** Every state change runs through this queue, one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private closing = false;
  /** Tx-index writes in flight, one after another (see indexTxs). */
  private txIndexing: Promise<void> = Promise.resolve();
  /** The block processBlock is handling, decoded and with its tx ids, so connect need not reread it. */
  private justReceived:
    | { entry: IndexEntry; block: Block; ids: readonly Hash[]; verified: Promise<void> | undefined }
    | undefined;

  private constructor(opts: ChainOptions) {
    super();
    this.params = opts.params;
    this.store = opts.store;
    this.verifier = opts.verifier;
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    this.orphans = new OrphanPool(opts.orphanLimits ?? DEFAULT_ORPHAN_LIMITS);
  }

  /**
   * Opens the chain on a store: a new store gets the genesis block and allocations; an existing one is
   * loaded as it is (no replay: the tip, state and digest are already on disk).
   */
  static async open(opts: ChainOptions): Promise<Chain> {
    const chain = new Chain(opts);
    await chain.load();
    return chain;
  }

  private async load(): Promise<void> {
    const { params, store } = this;
    const storedGenesis = await store.getMainHash(0);
    if (!storedGenesis) {
      await this.writeGenesis();
    } else if (toHex(storedGenesis) !== toHex(params.genesisHash)) {
      throw new RuleError(
        'WRONG_CHAIN',
        `this datadir holds another chain (genesis ${toHex(storedGenesis).slice(0, 16)}…, expected ` +
          `${toHex(params.genesisHash).slice(0, 16)}…); use another --datadir or the matching --genesis/--regtest`,
      );
    }
    // Rebuild the in-memory index: entries sorted by height so every parent exists before its children.
    const stored = [];
    for await (const e of store.iterateHeaderEntries()) stored.push(e);
    stored.sort((a, b) => a.header.height - b.header.height);
    for (const e of stored) {
      const parent = e.header.height === 0 ? undefined : this.index.get(e.header.prevHash);
      if (e.header.height > 0 && !parent) continue; // unreachable leftovers cannot be used; skip them
      this.index.add(e.header, e.hash, e.chainWork, e.status, e.hasBody, parent);
    }
    const tipHash = await store.getTip();
    const tip = tipHash && this.index.get(tipHash);
    if (!tip)
      throw new Error('the datadir is damaged: its tip is not in the header index (run cairn reindex)');
    for (let e: IndexEntry | undefined = tip; e; e = e.parent) this.main[e.header.height] = e;
    for (const e of this.index.values()) {
      if (e.hasBody && e.status !== 'invalid' && this.main[e.header.height] !== e) this.candidates.add(e);
    }
    const digest = await store.getDigest();
    this.digest = digest ? bytesToBigInt(digest) : 0n;
    await this.repairTxIndex();
  }

  private async writeGenesis(): Promise<void> {
    const { params } = this;
    const header = params.genesis.header;
    const entry = this.index.add(
      header,
      params.genesisHash,
      blockWork(header.bits),
      'valid',
      true,
      undefined,
    );
    const changes = genesisChanges(params);
    const batch = this.store.batch();
    batch.putHeaderEntry(this.entryRecord(entry));
    batch.putBlock(entry.hash, encodeBlock(params.genesis));
    batch.putMainHash(0, entry.hash);
    this.digest = writeAccounts(batch, changes, 0n);
    batch.setDigest(digestBytes(this.digest));
    batch.setTip(entry.hash);
    await batch.write();
  }

  // --- Reading ------------------------------------------------------------------------------------

  get tip(): IndexEntry {
    return this.main[this.main.length - 1]!;
  }

  get height(): number {
    return this.main.length - 1;
  }

  get stateDigest(): Hash {
    return digestBytes(this.digest);
  }

  /** The main-chain entry at `height`, if any. */
  atHeight(height: number): IndexEntry | undefined {
    return this.main[height];
  }

  isOnMainChain(entry: IndexEntry): boolean {
    return this.main[entry.header.height] === entry;
  }

  async getBlock(hash: Hash): Promise<Block | undefined> {
    const bytes = await this.store.getBlockBytes(hash);
    return bytes ? decodeBlock(bytes) : undefined;
  }

  getBlockBytes(hash: Hash): Promise<Uint8Array | undefined> {
    return this.store.getBlockBytes(hash);
  }

  async getAccount(address: Uint8Array): Promise<Account> {
    const [a] = await this.store.getAccounts([address]);
    return a ?? { balance: 0n, nonce: 0n };
  }

  getAccounts(addresses: readonly Uint8Array[]): Promise<(Account | undefined)[]> {
    return this.store.getAccounts(addresses);
  }

  /** Where a confirmed tx is: its block (on the main chain) and index. */
  async findTx(id: Hash): Promise<{ entry: IndexEntry; index: number } | undefined> {
    await this.txIndexing;
    const loc = await this.store.getTxLocation(id);
    const entry = loc && this.index.get(loc.blockHash);
    return entry && this.isOnMainChain(entry) ? { entry, index: loc.index } : undefined;
  }

  /** What the header of a child of the current tip must satisfy: the miner builds templates from it. */
  nextBlockContext(): { parent: IndexEntry; medianTimePast: number; recentTimes: number[] } {
    const times = recentTimes(this.tip, MEDIAN_TIME_SPAN);
    const sorted = [...times].sort((a, b) => a - b);
    return { parent: this.tip, medianTimePast: sorted[Math.floor(sorted.length / 2)]!, recentTimes: times };
  }

  /** A block locator: hashes of the tip back to genesis, dense then exponentially sparse (Core: GetLocator). */
  locator(from: IndexEntry = this.tip): Hash[] {
    const out: Hash[] = [];
    let step = 1;
    for (let e: IndexEntry | undefined = from; e; ) {
      out.push(e.hash);
      if (e.header.height === 0) break;
      if (out.length >= 10) step *= 2;
      e = ancestorAt(e, Math.max(0, e.header.height - step));
    }
    return out;
  }

  // --- Writing: every entry point runs through the queue --------------------------------------------

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    // Work queued behind a close() is refused rather than run: a shutdown must not wait for a sync backlog.
    const guarded = () => {
      if (this.closing) return Promise.reject(new Error('the chain is shutting down'));
      return fn();
    };
    const run = this.queue.then(guarded, guarded);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Accept a block from anywhere (gossip, sync, the local miner). Returns what became of it, or throws the
   * RuleError that rejects it. Orphans wait in the pool; their arrival connects waiting children.
   */
  processBlock(block: Block, _origin?: Origin): Promise<ProcessResult> {
    return this.serialize(() => this.processBlockNow(block));
  }

  /** Accept headers ahead of their bodies (headers-first sync). Returns the entries, in order. */
  acceptHeaders(headers: readonly BlockHeader[]): Promise<IndexEntry[]> {
    return this.serialize(async () => {
      const out: IndexEntry[] = [];
      const batch = this.store.batch();
      try {
        for (const header of headers) out.push(this.acceptHeader(header, batch));
      } finally {
        await batch.write(); // what was accepted (and any invalid mark) is kept even if one header failed
      }
      return out;
    });
  }

  /** Checks a header against its parent and indexes it (status 'valid-header', no body yet). */
  private acceptHeader(header: BlockHeader, batch: ChainBatch): IndexEntry {
    const hash = checkHeaderSanity(header, this.params);
    const known = this.index.get(hash);
    if (known) {
      if (known.status === 'invalid')
        throw new RuleError('INVALID_ANCESTOR', 'this block is already known to be invalid');
      return known;
    }
    const parent = this.index.get(header.prevHash);
    if (!parent)
      throw new RuleError('UNKNOWN_PARENT', `the parent ${toHex(header.prevHash).slice(0, 16)}… is unknown`);
    if (parent.status === 'invalid') {
      // Remembered too (Core: BLOCK_FAILED_CHILD): it carries real work, and its own children will come.
      this.indexHeader(header, hash, parent, 'invalid', batch);
      throw new RuleError('INVALID_ANCESTOR', 'the block builds on a block that is known to be invalid');
    }
    try {
      checkHeaderContext(
        header,
        {
          parent: parent.header,
          anchor: parent.anchor?.header,
          recentTimes: recentTimes(parent, MEDIAN_TIME_SPAN),
          now: this.now(),
        },
        this.params,
      );
    } catch (e) {
      // A header from the future may become valid later: it is ignored, not remembered as invalid.
      if (e instanceof RuleError && e.code !== 'TIME_TOO_NEW') {
        this.indexHeader(header, hash, parent, 'invalid', batch);
      }
      throw e;
    }
    const entry = this.indexHeader(header, hash, parent, 'valid-header', batch);
    return entry;
  }

  /** Adds a header (no body yet) under `parent` to the index and to `batch`. */
  private indexHeader(
    header: BlockHeader,
    hash: Hash,
    parent: IndexEntry,
    status: HeaderStatus,
    batch: ChainBatch,
  ): IndexEntry {
    const entry = this.index.add(
      header,
      hash,
      parent.chainWork + blockWork(header.bits),
      status,
      false,
      parent,
    );
    batch.putHeaderEntry(this.entryRecord(entry));
    return entry;
  }

  private async processBlockNow(block: Block): Promise<ProcessResult> {
    // 1. Context-free checks. Proof of work first: a header without it is junk that costs its sender
    //    nothing, so nothing about it is remembered.
    const hash = checkHeaderSanity(block.header, this.params);
    let ids: readonly Hash[];
    try {
      ids = checkBlockSanity(block, this.params).ids;
    } catch (e) {
      // The header has valid work; if the body matches it, the header itself is bad: remember that.
      if (e instanceof RuleError && !isMalformedBody(e)) await this.markInvalidHeader(block.header, e);
      throw e;
    }
    const known = this.index.get(hash);
    if (known?.status === 'invalid') {
      throw new RuleError('INVALID_ANCESTOR', 'this block is already known to be invalid');
    }
    if (known?.hasBody || this.orphans.has(hash)) return { status: 'duplicate', hash };

    // 2. A block whose parent we lack waits for it.
    if (!this.index.get(block.header.prevHash)) {
      this.orphans.add(block, hash, blockSize(block.txs.length), this.now());
      return { status: 'orphan', hash, missing: this.orphans.missingRoot(hash) ?? block.header.prevHash };
    }

    // 3. Header context, then store the body (not yet connected).
    const batch = this.store.batch();
    let entry: IndexEntry;
    try {
      entry = known ?? this.acceptHeader(block.header, batch);
    } catch (e) {
      await batch.write(); // persists the invalid mark, if the header earned one
      throw e;
    }
    // A block that extends the tip will be connected next: start checking its signatures on the workers
    // now, while this thread stores the body.
    const verified = entry.parent === this.tip ? this.verifier.verifyTxs(block.txs, ids) : undefined;
    verified?.catch(() => undefined); // awaited in connect; this only keeps an early failure from going unhandled
    entry.hasBody = true;
    batch.putHeaderEntry(this.entryRecord(entry));
    batch.putBlock(hash, encodeBlock(block));
    await batch.write();
    this.candidates.add(entry);

    // 4. Fork choice, then any orphans that were waiting for this block.
    const before = this.tip;
    this.justReceived = { entry, block, ids, verified };
    try {
      await this.activateBestChain();
    } finally {
      this.justReceived = undefined;
    }
    const status: BlockStatus = this.isOnMainChain(entry) ? 'connected' : 'stored';
    await this.connectOrphansOf(hash);
    if (this.tip !== before) this.emit('tip', this.tip);
    if (entry.status === 'invalid') {
      // The block's own failure when it was the one that failed; else an ancestor on its branch did.
      throw (
        this.connectFailures.get(entry.hex) ??
        new RuleError(
          'INVALID_ANCESTOR',
          'a block this one builds on failed to connect and is now marked invalid',
        )
      );
    }
    return { status, hash };
  }

  private async connectOrphansOf(parent: Hash): Promise<void> {
    const queue = [parent];
    while (queue.length > 0) {
      for (const child of this.orphans.takeChildren(queue.shift()!)) {
        try {
          const r = await this.processBlockNow(child.block);
          if (r.status !== 'orphan') queue.push(r.hash);
        } catch (e) {
          if (!(e instanceof RuleError)) throw e;
          this.emit('block:invalid', { hash: child.hash, error: e });
        }
      }
    }
  }

  private async markInvalidHeader(header: BlockHeader, error: RuleError): Promise<void> {
    const parent = this.index.get(header.prevHash);
    const hash = blockHash(header);
    if (!parent || this.index.get(hash)) {
      const known = this.index.get(hash);
      if (known) await this.markInvalid(known, error);
      return;
    }
    const batch = this.store.batch();
    this.indexHeader(header, hash, parent, 'invalid', batch);
    await batch.write();
    this.emit('block:invalid', { hash, error });
  }

  /** Marks `bad` and every descendant invalid, in memory and on disk (Core: InvalidBlockFound). */
  private async markInvalid(bad: IndexEntry, error: RuleError): Promise<void> {
    this.connectFailures.set(bad.hex, error);
    if (this.connectFailures.size > 64)
      this.connectFailures.delete(this.connectFailures.keys().next().value!);
    const batch = this.store.batch();
    const badOnMain = this.isOnMainChain(bad);
    for (const e of this.index.values()) {
      // Main-chain entries descend from `bad` only if `bad` is itself on the main chain: skip the walk.
      if (!badOnMain && this.isOnMainChain(e)) continue;
      if (e.header.height >= bad.header.height && ancestorAt(e, bad.header.height) === bad) {
        e.status = 'invalid';
        this.candidates.delete(e);
        batch.putHeaderEntry(this.entryRecord(e));
      }
    }
    await batch.write();
    this.emit('block:invalid', { hash: bad.hash, error });
  }

  /**
   * The candidate with the most work whose every block back to the main chain has a body and is not
   * invalid (Core: FindMostWorkChain). Undefined if none beats the tip.
   */
  private bestCandidate(): IndexEntry | undefined {
    const sorted = [...this.candidates].sort((a, b) =>
      b.chainWork > a.chainWork ? 1 : b.chainWork < a.chainWork ? -1 : 0,
    );
    for (const c of sorted) {
      if (c.chainWork <= this.tip.chainWork) return undefined;
      let ok = true;
      for (let e: IndexEntry | undefined = c; e && !this.isOnMainChain(e); e = e.parent) {
        if (!e.hasBody || e.status === 'invalid') {
          ok = false;
          break;
        }
      }
      if (ok) return c;
    }
    return undefined;
  }

  /** Switch to the best valid chain, however deep the reorg (Core: ActivateBestChain). */
  private async activateBestChain(): Promise<void> {
    for (let target = this.bestCandidate(); target; target = this.bestCandidate()) {
      const oldTip = this.tip;
      const fork = forkPoint(oldTip, target);
      while (this.tip !== fork) await this.disconnectTip();
      const branch: IndexEntry[] = [];
      for (let e: IndexEntry | undefined = target; e && e !== fork; e = e.parent) branch.push(e);
      branch.reverse();
      for (const e of branch) {
        try {
          await this.connect(e);
        } catch (err) {
          if (!(err instanceof RuleError)) throw err;
          await this.markInvalid(e, err);
          break; // the loop picks the best valid chain again, which may be the old one
        }
      }
      if (oldTip !== fork && this.tip !== oldTip) {
        this.emit('reorg', {
          depth: oldTip.header.height - fork.header.height,
          oldTip,
          newTip: this.tip,
          fork,
        });
      }
    }
  }

  /** Connects the child of the tip: signatures, state transition, then ONE batch with the new tip. */
  private async connect(entry: IndexEntry): Promise<void> {
    // The block just handed to processBlock is still in memory with its ids; others come from disk.
    const fresh = this.justReceived?.entry === entry ? this.justReceived : undefined;
    const block = fresh?.block ?? (await this.getBlock(entry.hash));
    if (!block) throw new Error(`block ${entry.hex} has no stored body`);
    const ids = fresh?.ids ?? block.txs.map(txId);
    // The signatures are checked on the worker threads WHILE this thread does the state work: neither
    // depends on the other, and nothing is written until both have passed. A state rule that fails is
    // reported first, as Core checks inputs before scripts (CheckTxInputs, then CheckInputScripts).
    const verified = fresh?.verified ?? this.verifier.verifyTxs(block.txs, ids);
    verified.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    const senders = senderAddresses(block);
    const touched = touchedAddresses(block, senders);
    const accounts = await this.store.getAccounts(touched);
    const lookup = lookupFrom(touched, accounts);
    const applied = applyBlock(block, lookup, this.params, senders);

    const batch = this.store.batch();
    const digest = writeAccounts(batch, applied.changes, this.digest);
    batch.putUndo(entry.hash, encodeUndo(applied.undo));
    batch.putMainHash(entry.header.height, entry.hash);
    batch.putHeaderEntry({ ...this.entryRecord(entry), status: 'valid' });
    batch.setDigest(digestBytes(digest));
    batch.setTip(entry.hash);
    await verified;
    await batch.write();

    entry.status = 'valid';
    this.digest = digest;
    this.main.push(entry);
    this.candidates.delete(entry);
    this.indexTxs(entry, ids);
    this.emit('block:connected', { entry, block, ids });
  }

  /** Disconnects the tip with its undo data, in ONE batch with the new tip (Core: DisconnectTip). */
  private async disconnectTip(): Promise<void> {
    const entry = this.tip;
    const parent = entry.parent;
    if (!parent) throw new Error('cannot disconnect the genesis block');
    const [block, undoBytes] = await Promise.all([this.getBlock(entry.hash), this.store.getUndo(entry.hash)]);
    if (!block || !undoBytes) throw new Error(`block ${entry.hex} lacks its body or undo data`);
    const undo = decodeUndo(undoBytes);
    const addresses = undo.entries.map((u) => u.address);
    const lookup = lookupFrom(addresses, await this.store.getAccounts(addresses));
    const changes = revertChanges(undo, lookup);
    const ids = block.txs.map(txId);

    const batch = this.store.batch();
    const digest = writeAccounts(batch, changes, this.digest);
    batch.delMainHash(entry.header.height);
    batch.setDigest(digestBytes(digest));
    batch.setTip(parent.hash);
    await batch.write();

    this.digest = digest;
    this.main.pop();
    this.candidates.add(entry);
    this.emit('block:disconnected', { entry, block, ids });
  }

  private entryRecord(e: IndexEntry) {
    return { header: e.header, hash: e.hash, chainWork: e.chainWork, status: e.status, hasBody: e.hasBody };
  }

  /**
   * The tx index (tx id → block, position) is written in its own batch right after the state batch,
   * without holding up the next block: it is derived data, not consensus state. Its `txIndexTip` record
   * says how far it reached, so a crash between the two batches is repaired at the next start
   * (`repairTxIndex`). Entries of disconnected blocks are left in place: `findTx` only believes an entry
   * whose block is on the main chain, and a tx mined again overwrites its entry.
   * (Core: the optional -txindex, built by a background indexer outside the chainstate write.)
   */
  private indexTxs(entry: IndexEntry, ids: readonly Hash[]): void {
    this.txIndexing = this.txIndexing.then(async () => {
      const batch = this.store.batch();
      for (const [i, id] of ids.entries()) batch.putTxLocation(id, entry.hash, i);
      batch.setMeta(TX_INDEX_TIP, entry.hash);
      await batch.write();
    });
  }

  /** Re-indexes the main-chain blocks the tx index missed (after a crash between the two batches). */
  private async repairTxIndex(): Promise<void> {
    const indexed = await this.store.getMeta(TX_INDEX_TIP);
    const from = indexed && this.index.get(indexed);
    const fork = from ? forkPoint(from, this.tip) : this.main[0]!;
    for (let h = fork.header.height + 1; h <= this.height; h++) {
      const e = this.main[h]!;
      const block = await this.getBlock(e.hash);
      if (block) this.indexTxs(e, block.txs.map(txId));
    }
    await this.txIndexing;
  }

  /** Waits for queued work to finish. */
  async idle(): Promise<void> {
    await this.queue;
  }

  /**
   * Refuses new work, lets the block being connected finish (its batch is atomic either way), and drops
   * the rest of the queue. Call before closing the store.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.queue;
    await this.txIndexing;
  }
}

function lookupFrom(addresses: readonly Uint8Array[], accounts: readonly (Account | undefined)[]) {
  const map = new Map<string, Account>();
  addresses.forEach((a, i) => {
    const acc = accounts[i];
    if (acc) map.set(toHex(a), acc);
  });
  return (address: Uint8Array) => map.get(toHex(address));
}

/** Puts the changed accounts into the batch and returns the updated state digest. */
function writeAccounts(batch: ChainBatch, changes: readonly AccountChange[], digest: bigint): bigint {
  for (const c of changes) {
    if (isEmptyAccount(c.after)) batch.delAccount(c.address);
    else batch.putAccount(c.address, c.after);
  }
  return updateDigest(digest, changes);
}

function digestBytes(d: bigint): Uint8Array {
  return bigIntToBytes(d, 32);
}
