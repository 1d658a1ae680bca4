// The chain: the ONLY writer of chain state (docs/ARCHITECTURE.md): everything else reads through it or
// listens to its events. This class is the facade over the parts, one concern per file, the way btcd's
// blockchain/ package is laid out:
//
//   block-index.ts  every header accepted, linked to its parent      Core: CBlockIndex, BlockMap
//   process.ts      block and header acceptance, orphans, invalid    Core: ProcessNewBlock, AcceptBlock,
//                   marking, fork choice                                   ActivateBestChain
//   connect.ts      the active chain: connect / disconnect one       Core: ConnectTip, DisconnectTip
//                   block in one atomic batch
//   tx-indexer.ts   the tx index, fed by 'block:connected'           Core: -txindex (TxIndex)
//   address-indexer.ts  address → txs, fed by 'block:connected' and   btcd: addrindex (Core has none)
//                   'block:disconnected'
//   chain-tips.ts   tips with their status, and the block tree       Core: getchaintips
//
// Every state change runs through one queue, one at a time, so the parts need no locks of their own.
import { EventEmitter } from 'node:events';
import { bytesToBigInt, toHex } from '../consensus/bytes.js';
import { RuleError } from '../consensus/errors.js';
import { blockWork } from '../consensus/pow.js';
import { MEDIAN_TIME_SPAN, medianTimePast } from '../consensus/time.js';
import type { Account } from '../consensus/types.js';
import {
  BLOCK_OVERHEAD_BYTES,
  type Block,
  type BlockHeader,
  type ChainParams,
  type Hash,
  TX_BYTES,
} from '../consensus/types.js';
import {
  type ChainStore,
  isCorruptRecord,
  readTipMarker,
  StorageError,
  type TipMarker,
  writeTipMarker,
} from '../storage/index.js';
import { AddressIndexer, type AddressTxPage } from './address-indexer.js';
import { ancestorAt, BlockIndex, type IndexEntry, recentTimes } from './block-index.js';
import { blockTree, type ChainTip, chainTips, type TreeEntry } from './chain-tips.js';
import { ActiveChain, type BlockSignatureVerifier, digestBytes } from './connect.js';
import type { ChainEmit, ChainEvents, ProcessResult } from './events.js';
import { corruptBlock, verifyOnStart } from './integrity.js';
import { type Origin, originNow } from './origin.js';
import { DEFAULT_ORPHAN_LIMITS, type OrphanLimits, OrphanPool } from './orphan-pool.js';
import { BlockProcessor } from './process.js';
import { TxIndexer } from './tx-indexer.js';

export type { AddressTxPage } from './address-indexer.js';
export { type ChainTip, TIPS_MAX, type TipStatus, type TreeEntry } from './chain-tips.js';
export { type BlockSignatureVerifier, lookupFrom, writeAccounts } from './connect.js';
export type {
  BlockEvent,
  BlockStatus,
  ChainEvents,
  ConnectedBlock,
  DisconnectedBlock,
  ProcessResult,
  ReorgEvent,
  StoredBlock,
} from './events.js';

export interface ChainOptions {
  readonly params: ChainParams;
  readonly store: ChainStore;
  readonly verifier: BlockSignatureVerifier;
  /** The node's clock in unix seconds (tests move it). */
  readonly now?: () => number;
  readonly orphanLimits?: OrphanLimits;
  /** How often the running chain records its tip in DIR/tip.json (ms; 0: only at open and close). */
  readonly tipMarkerIntervalMs?: number;
  /**
   * False for a tool that only inspects a datadir (the crash soak's checker): it neither compares with nor
   * writes DIR/tip.json, so the node that opens the datadir next sees the record its predecessor left.
   */
  readonly recordTip?: boolean;
}

/** The tip recorded before (DIR/tip.json) was heavier than the tip the datadir opened with. */
export interface Rollback {
  /** What was recorded: at the last clean stop (`clean`) or while running. */
  readonly recorded: TipMarker;
  /** The tip the datadir came back with. */
  readonly height: number;
  readonly hash: string;
}

/** Default period of the running tip record: the most a power loss can take unnoticed with 'none'. */
export const TIP_MARKER_INTERVAL_MS = 5_000;

export class Chain extends EventEmitter<ChainEvents> {
  readonly params: ChainParams;
  readonly index = new BlockIndex();
  readonly orphans: OrphanPool;
  private readonly store: ChainStore;
  private readonly active: ActiveChain;
  private readonly processor: BlockProcessor;
  private readonly txIndex: TxIndexer;
  private readonly addressIndex: AddressIndexer;
  /** Every state change runs through this queue, one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private closing = false;
  /**
   * Set at open when the tip recorded in DIR/tip.json (at the last clean stop, or while running) had more
   * work than the tip the datadir came back with: blocks the node had acknowledged were lost (a power loss
   * took the end of LevelDB's log). The node logs it as an error with both heights; peers give the blocks
   * back by sync.
   */
  rollback: Rollback | undefined;
  private marking: Promise<void> = Promise.resolve();
  private marked: IndexEntry | undefined;
  private markTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(opts: ChainOptions) {
    super();
    this.params = opts.params;
    this.store = opts.store;
    this.orphans = new OrphanPool(opts.orphanLimits ?? DEFAULT_ORPHAN_LIMITS);
    this.active = new ActiveChain(opts.store, opts.params, opts.verifier);
    this.processor = new BlockProcessor({
      params: opts.params,
      store: opts.store,
      verifier: opts.verifier,
      now: opts.now ?? (() => Math.floor(Date.now() / 1000)),
      index: this.index,
      active: this.active,
      orphans: this.orphans,
      emit: this.emit.bind(this) as ChainEmit,
    });
    // The first listener, so a tx is findable as soon as any other listener hears of its block.
    this.txIndex = new TxIndexer(opts.store);
    this.on('block:connected', (b) => this.txIndex.onConnected(b));
    this.addressIndex = new AddressIndexer(opts.store);
    this.on('block:connected', (b) => this.addressIndex.onConnected(b));
    this.on('block:disconnected', (b) => this.addressIndex.onDisconnected(b));
  }

  /**
   * Opens the chain on a store: a new store gets the genesis block and allocations; an existing one is
   * loaded as it is (no replay: the tip, state and digest are already on disk).
   */
  static async open(opts: ChainOptions): Promise<Chain> {
    const chain = new Chain(opts);
    try {
      await chain.load();
    } catch (e) {
      if (!isCorruptRecord(e)) throw e;
      throw new StorageError(
        'CORRUPT_RECORD',
        `${e.message}. The node cannot start on this datadir: run \`cairn reindex\`, which keeps the valid ` +
          'blocks below the damage and rebuilds the state from them; the node then fetches the rest from its peers',
        { height: e.height, hash: e.hash, cause: e },
      );
    }
    if (opts.recordTip !== false)
      await chain.startTipMarker(opts.tipMarkerIntervalMs ?? TIP_MARKER_INTERVAL_MS);
    return chain;
  }

  /** Compares the recorded tip with the one on disk, then records the current one (docs/STORAGE.md). */
  private async startTipMarker(intervalMs: number): Promise<void> {
    const recorded = await readTipMarker(this.store.dir);
    if (recorded && BigInt(recorded.chainWork) > this.tip.chainWork) {
      this.rollback = { recorded, height: this.height, hash: this.tip.hex };
    }
    await this.markTip(false);
    if (intervalMs > 0) {
      this.markTimer = setInterval(() => {
        if (this.marked !== this.tip) void this.markTip(false);
      }, intervalMs);
      this.markTimer.unref();
    }
  }

  /** Records the tip in DIR/tip.json (fsynced), one write at a time. Advice only: a failure is ignored. */
  private markTip(clean: boolean): Promise<void> {
    this.marking = this.marking.then(async () => {
      const tip = this.tip;
      await writeTipMarker(this.store.dir, {
        height: tip.header.height,
        hash: tip.hex,
        chainWork: tip.chainWork.toString(),
        clean,
        at: new Date().toISOString(),
      }).catch(() => undefined);
      this.marked = tip;
    });
    return this.marking;
  }

  private async load(): Promise<void> {
    const { params, store } = this;
    const storedGenesis = await store.getMainHash(0);
    if (!storedGenesis) {
      await this.active.writeGenesis(this.index);
      return;
    }
    if (toHex(storedGenesis) !== toHex(params.genesisHash)) {
      throw new RuleError(
        'WRONG_CHAIN',
        `this datadir holds another chain (genesis ${toHex(storedGenesis).slice(0, 16)}…, expected ` +
          `${toHex(params.genesisHash).slice(0, 16)}…); use another --datadir or the matching --genesis/--regtest`,
      );
    }
    // Rebuild the in-memory index: entries sorted by height so every parent exists before its children.
    // The store checks each record against its key; the chain work, which the key does not cover, must
    // be the parent's plus the block's own, or the record is damaged.
    const stored = [];
    for await (const e of store.iterateHeaderEntries()) stored.push(e);
    stored.sort((a, b) => a.header.height - b.header.height);
    for (const e of stored) {
      const parent = e.header.height === 0 ? undefined : this.index.get(e.header.prevHash);
      if (e.header.height > 0 && !parent) continue; // unreachable leftovers cannot be used; skip them
      const work = (parent?.chainWork ?? 0n) + blockWork(e.header.bits);
      if (e.chainWork !== work) {
        throw corruptBlock(
          { header: e.header, hex: toHex(e.hash) },
          `its header entry records chain work ${e.chainWork}, but its ancestry sums to ${work}`,
        );
      }
      this.index.add(e.header, e.hash, e.chainWork, e.status, e.hasBody, parent);
    }
    const tipHash = await store.getTip();
    const tip = tipHash && this.index.get(tipHash);
    if (!tip) {
      throw new StorageError(
        'CORRUPT_RECORD',
        `the stored tip ${tipHash ? toHex(tipHash) : '(missing)'} is not in the header index`,
        { hash: tipHash && toHex(tipHash) },
      );
    }
    const digest = await store.getDigest();
    this.active.setTip(tip, digest ? bytesToBigInt(digest) : 0n);
    // Core's -checkblocks: the main-chain records and the last blocks with their undo data, every start.
    await verifyOnStart(store, this.active.main, params);
    this.processor.loadCandidates();
    // A process stopped in the middle of a reorg (or a write lost below a stored branch) left a stored
    // branch with more work than the tip: switch to it now, as Core's init calls ActivateBestChain.
    await this.processor.activate();
    await this.txIndex.catchUp(this);
    await this.addressIndex.catchUp(this);
  }

  // --- Reading ------------------------------------------------------------------------------------

  get tip(): IndexEntry {
    return this.active.tip;
  }

  get height(): number {
    return this.active.height;
  }

  get stateDigest(): Hash {
    return digestBytes(this.active.digest);
  }

  /** The index entry of a known header (valid, invalid or without a body), by hash. */
  entry(hash: Hash | string): IndexEntry | undefined {
    return this.index.get(hash);
  }

  /** The main-chain entry at `height`, if any. */
  atHeight(height: number): IndexEntry | undefined {
    return this.active.main[height];
  }

  isOnMainChain(entry: IndexEntry): boolean {
    return this.active.contains(entry);
  }

  getBlock(hash: Hash): Promise<Block | undefined> {
    return this.active.getBlock(hash);
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
  findTx(id: Hash): Promise<{ entry: IndexEntry; index: number } | undefined> {
    return this.txIndex.find(this, id);
  }

  /**
   * The main-chain txs that send from or pay `address` (20 bytes), newest first, at most `limit`, older
   * than the `before` cursor when given (a page's `next`).
   */
  addressTxs(
    address: Uint8Array,
    limit: number,
    before?: { readonly height: number; readonly position: number },
  ): Promise<AddressTxPage> {
    return this.addressIndex.page(this, address, limit, before);
  }

  /** What the header of a child of the current tip must satisfy: the miner builds templates from it. */
  nextBlockContext(): { parent: IndexEntry; medianTimePast: number } {
    const tip = this.tip;
    return { parent: tip, medianTimePast: medianTimePast(recentTimes(tip, MEDIAN_TIME_SPAN)) };
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

  /**
   * Every tip of the block tree with its Core status (getchaintips): the active tip and each side
   * branch's leaf, the most work first, at most `max`.
   */
  tips(max?: number): ChainTip[] {
    return chainTips(this, max);
  }

  /**
   * The block-index entries from `fromHeight` up, main chain and side branches, ordered by (height, hash),
   * at most `limit`, after the block `after` at `fromHeight` when given: hash, parent, work, miner, tx
   * count when the body is here, and how it arrived.
   */
  tree(fromHeight: number, limit: number, after?: Hash): Promise<TreeEntry[]> {
    const countTxs = async (e: IndexEntry) => {
      // Every tx is TX_BYTES long, so the stored size gives the count without decoding the body.
      const bytes = await this.store.getBlockBytes(e.hash);
      return bytes ? (bytes.length - BLOCK_OVERHEAD_BYTES) / TX_BYTES : undefined;
    };
    return blockTree(this, fromHeight, limit, countTxs, after);
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
   * Accept a block from anywhere (gossip, sync, the local miner, the API). Returns what became of it, or
   * throws the RuleError that rejects it. `origin` flows into the block's events; without one the block
   * counts as handed in locally ('api'). `encoded`, when the caller has the block's bytes (from a peer),
   * must be exactly encodeBlock(block): it is stored as it is and its txs hashed from it, not encoded again.
   */
  processBlock(
    block: Block,
    origin: Origin = originNow('api'),
    encoded?: Uint8Array,
  ): Promise<ProcessResult> {
    return this.serialize(() => this.processor.processBlock(block, origin, encoded));
  }

  /**
   * A hint that `block` will be handed to processBlock soon (sync, which downloads ahead): its
   * context-free checks run now and its signatures go to the verifier's workers, while the blocks queued
   * before it connect. Changes no state and never throws; processBlock judges the block as always.
   * `encoded` is as for processBlock.
   */
  prepareBlock(block: Block, encoded?: Uint8Array): void {
    if (this.closing) return;
    this.processor.prepare(block, encoded);
  }

  /** Accept headers ahead of their bodies (headers-first sync). Returns the entries, in order. */
  acceptHeaders(headers: readonly BlockHeader[]): Promise<IndexEntry[]> {
    return this.serialize(() => this.processor.acceptHeaders(headers));
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
    await this.txIndex.idle();
    await this.addressIndex.idle();
    if (this.markTimer !== undefined || this.marked !== undefined) {
      clearInterval(this.markTimer);
      // A clean stop: the tip the next start must come back with at least.
      await this.markTip(true);
    }
  }
}
