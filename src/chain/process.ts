// Block acceptance and fork choice: what becomes of a block or header handed to the chain (Core:
// ProcessNewBlock, AcceptBlockHeader, AcceptBlock, ActivateBestChain; btcd: blockchain/process.go,
// accept.go and chain.go connectBestChain/reorganizeChain).
//
// Fork choice is Nakamoto's rule as Bitcoin Core implements it: the best chain is the valid chain with
// the most cumulative work (not the most blocks), and on equal work the one seen first stays (Core:
// FindMostWorkChain). Switching chains disconnects blocks back to the fork point with their undo data
// and connects the other branch, one atomic batch per block (connect.ts).
//
// Every method here runs inside the Chain's queue, one at a time: none of them may be called directly.
import { toHex } from '../consensus/bytes.js';
import { blockSize, encodeBlock } from '../consensus/encoding.js';
import { condemnsHeader, RuleError } from '../consensus/errors.js';
import { blockHash } from '../consensus/hash.js';
import { blockWork } from '../consensus/pow.js';
import { MEDIAN_TIME_SPAN } from '../consensus/time.js';
import type { Block, BlockHeader, ChainParams, Hash } from '../consensus/types.js';
import {
  checkBlockSanity,
  checkHeaderContext,
  checkHeaderSanity,
  isMalformedBody,
  type SanityResult,
} from '../consensus/validation.js';
import {
  type ChainBatch,
  type ChainStore,
  type HeaderStatus,
  isCorruptRecord,
  type StorageError,
} from '../storage/index.js';
import { ancestorAt, type BlockIndex, forkPoint, type IndexEntry, recentTimes } from './block-index.js';
import { type ActiveChain, type BlockSignatureVerifier, entryRecord, type FreshBlock } from './connect.js';
import type { BlockStatus, ChainEmit, ProcessResult } from './events.js';
import { type Origin, originFields, originNow } from './origin.js';
import type { OrphanPool } from './orphan-pool.js';

export interface ProcessorContext {
  readonly params: ChainParams;
  readonly store: ChainStore;
  readonly verifier: BlockSignatureVerifier;
  /** The node's clock in unix seconds (consensus time rules and orphan expiry). */
  readonly now: () => number;
  readonly index: BlockIndex;
  readonly active: ActiveChain;
  readonly orphans: OrphanPool;
  readonly emit: ChainEmit;
}

/** A block checked ahead of its turn: its hash and tx ids, and its signature check under way. */
interface Prepared extends SanityResult {
  readonly verified: Promise<void>;
  /** The bytes the ids were hashed from (none: from the decoded txs); reused only for these same bytes. */
  readonly encoded: Uint8Array | undefined;
}

/** How many recent connect failures are remembered, so processBlock can report the block's own rule. */
const CONNECT_FAILURES_KEPT = 64;

export class BlockProcessor {
  /** Blocks with bodies that are not on the main chain: the side branches we could switch to. */
  private readonly candidates = new Set<IndexEntry>();
  /** Why recent blocks failed to connect (bounded), so processBlock can report the block's own rule. */
  private readonly connectFailures = new Map<string, RuleError>();
  /** The block processBlock is handling, decoded and with its tx ids, so connect need not reread it. */
  private fresh: FreshBlock | undefined;
  /** Blocks checked and handed to the verifier ahead of their turn (prepare), until processBlock. */
  private readonly prepared = new WeakMap<Block, Prepared>();

  constructor(private readonly ctx: ProcessorContext) {}

  /** At start: switch to a stored branch with more work than the tip, if there is one (Core: init's ActivateBestChain). */
  async activate(): Promise<void> {
    const before = this.ctx.active.tip;
    await this.activateBestChain();
    if (this.ctx.active.tip !== before) this.ctx.emit('tip', this.ctx.active.tip);
  }

  /** After load: every stored body off the main chain that is not invalid may still win. */
  loadCandidates(): void {
    const { index, active } = this.ctx;
    for (const e of index.values()) {
      if (e.hasBody && e.status !== 'invalid' && !active.contains(e)) this.candidates.add(e);
    }
  }

  // --- Headers ------------------------------------------------------------------------------------

  /** Accept headers ahead of their bodies (headers-first sync). Returns the entries, in order. */
  async acceptHeaders(headers: readonly BlockHeader[]): Promise<IndexEntry[]> {
    const out: IndexEntry[] = [];
    const batch = this.ctx.store.batch();
    try {
      for (const header of headers) out.push(this.acceptHeader(header, batch));
    } finally {
      await batch.write(); // what was accepted (and any invalid mark) is kept even if one header failed
    }
    return out;
  }

  /** Checks a header against its parent and indexes it (status 'valid-header', no body yet). */
  private acceptHeader(header: BlockHeader, batch: ChainBatch): IndexEntry {
    const { params, index } = this.ctx;
    const hash = checkHeaderSanity(header, params);
    const known = index.get(hash);
    if (known) {
      if (known.status === 'invalid')
        throw new RuleError('INVALID_ANCESTOR', 'this block is already known to be invalid');
      return known;
    }
    const parent = index.get(header.prevHash);
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
          now: this.ctx.now(),
        },
        params,
      );
    } catch (e) {
      // Only kind 'invalid' condemns a header: a header from the future ('transient') may become valid
      // once the clock catches up, so it is ignored, not remembered (docs/ARCHITECTURE.md, outcome kinds).
      if (e instanceof RuleError && condemnsHeader(e.kind))
        this.indexHeader(header, hash, parent, 'invalid', batch);
      throw e;
    }
    return this.indexHeader(header, hash, parent, 'valid-header', batch);
  }

  /** Adds a header (no body yet) under `parent` to the index and to `batch`. */
  private indexHeader(
    header: BlockHeader,
    hash: Hash,
    parent: IndexEntry,
    status: HeaderStatus,
    batch: ChainBatch,
  ): IndexEntry {
    const chainWork = parent.chainWork + blockWork(header.bits);
    const entry = this.ctx.index.add(header, hash, chainWork, status, false, parent);
    batch.putHeaderEntry(entryRecord(entry));
    return entry;
  }

  // --- Blocks -------------------------------------------------------------------------------------

  /**
   * Start on a block that will be processed soon (sync knows the next blocks while it connects this one):
   * the context-free checks now, then its signatures to the verifier's workers, so that they are
   * verified while the blocks before it are still connecting. processBlock(block) then picks up both
   * instead of starting over. Runs outside the chain's queue and changes no chain state: it is only
   * work done early. A block that fails its checks is left for processBlock to reject, with its reason.
   */
  prepare(block: Block, encoded?: Uint8Array): void {
    if (this.prepared.has(block)) return;
    const { params, verifier } = this.ctx;
    let sanity: SanityResult;
    try {
      sanity = checkBlockSanity(block, params, encoded);
    } catch {
      return; // processBlock checks it again and says why
    }
    // The signatures need nothing but the block: the merkle root, just checked, ties these txs to a
    // header with proof of work, so a peer cannot make us verify a body it made up.
    const verified = verifier.verifyTxs(block.txs, sanity.ids);
    verified.catch(() => undefined); // awaited by connect; this only keeps an early failure from going unhandled
    this.prepared.set(block, { ...sanity, verified, encoded });
  }

  /**
   * What becomes of a block: connected, stored on a side branch, an orphan, or a duplicate; or the
   * RuleError that rejects it. Orphans wait in the pool; their arrival connects waiting children.
   * `encoded`, if the caller has it, is the block's encoding (encodeBlock(block)), stored as it is.
   */
  async processBlock(block: Block, origin: Origin, encoded?: Uint8Array): Promise<ProcessResult> {
    const { params, index, orphans, active, store } = this.ctx;
    // What prepare found holds only for the bytes it checked: other bytes (a caller's bug) are checked
    // from scratch, so that nothing unchecked is stored.
    const early = this.prepared.get(block);
    this.prepared.delete(block);
    const prepared = early?.encoded === encoded ? early : undefined;
    // 1. Context-free checks (done already if the block was prepared). Proof of work first: a header
    //    without it is junk that costs its sender nothing, so nothing about it is remembered.
    const hash = prepared?.hash ?? checkHeaderSanity(block.header, params);
    let ids: readonly Hash[];
    try {
      ids = prepared?.ids ?? checkBlockSanity(block, params, encoded).ids;
    } catch (e) {
      // The header has valid work; if the body matches it (the failure is not a mutation), the header
      // itself is bad: remember that.
      if (e instanceof RuleError && !isMalformedBody(e)) await this.markInvalidHeader(block.header, e);
      throw e;
    }
    const known = index.get(hash);
    if (known?.status === 'invalid') {
      throw new RuleError('INVALID_ANCESTOR', 'this block is already known to be invalid');
    }
    if (known?.hasBody || orphans.has(hash)) return { status: 'duplicate', hash };

    // 2. A block whose parent we lack waits for it, with its origin.
    if (!index.get(block.header.prevHash)) {
      orphans.add(block, hash, blockSize(block.txs.length), this.ctx.now(), origin);
      return { status: 'orphan', hash, missing: orphans.missingRoot(hash) ?? block.header.prevHash };
    }

    // 3. Header context, then store the body (not yet connected).
    const batch = store.batch();
    let entry: IndexEntry;
    try {
      entry = known ?? this.acceptHeader(block.header, batch);
    } catch (e) {
      await batch.write(); // persists the invalid mark, if the header earned one
      throw e;
    }
    // A block that extends the tip will be connected next: start checking its signatures on the workers
    // now (unless prepare did already), while this thread stores the body.
    const verified =
      prepared?.verified ??
      (entry.parent === active.tip ? this.ctx.verifier.verifyTxs(block.txs, ids) : undefined);
    verified?.catch(() => undefined); // awaited in connect; this only keeps an early failure from going unhandled
    entry.hasBody = true;
    entry.arrival = originFields(origin);
    entry.txCount = block.txs.length;
    batch.putHeaderEntry(entryRecord(entry));
    batch.putBlock(hash, encoded ?? encodeBlock(block));
    await batch.write();
    this.candidates.add(entry);

    // 4. Fork choice, then any orphans that were waiting for this block.
    const before = active.tip;
    this.fresh = { entry, block, ids, verified };
    try {
      await this.activateBestChain();
    } finally {
      this.fresh = undefined;
    }
    const status: BlockStatus = active.contains(entry) ? 'connected' : 'stored';
    if (status === 'stored' && entry.status !== 'invalid') {
      this.ctx.emit('block:stored', { entry, block, ids, ...entry.arrival });
    }
    await this.connectOrphansOf(hash);
    if (active.tip !== before) this.ctx.emit('tip', active.tip);
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
      for (const child of this.ctx.orphans.takeChildren(queue.shift()!)) {
        try {
          const r = await this.processBlock(child.block, child.origin);
          if (r.status !== 'orphan') queue.push(r.hash);
        } catch (e) {
          if (!(e instanceof RuleError)) throw e;
          this.ctx.emit('block:invalid', { hash: child.hash, error: e });
        }
      }
    }
  }

  // --- Invalid blocks -----------------------------------------------------------------------------

  private async markInvalidHeader(header: BlockHeader, error: RuleError): Promise<void> {
    const { index, store } = this.ctx;
    const parent = index.get(header.prevHash);
    const hash = blockHash(header);
    const known = index.get(hash);
    if (!parent || known) {
      if (known) await this.markInvalid(known, error);
      return;
    }
    const batch = store.batch();
    this.indexHeader(header, hash, parent, 'invalid', batch);
    await batch.write();
    this.ctx.emit('block:invalid', { hash, error });
  }

  /** Marks `bad` and every descendant invalid, in memory and on disk (Core: InvalidBlockFound). */
  private async markInvalid(bad: IndexEntry, error: RuleError): Promise<void> {
    const { index, store, active } = this.ctx;
    this.connectFailures.set(bad.hex, error);
    if (this.connectFailures.size > CONNECT_FAILURES_KEPT)
      this.connectFailures.delete(this.connectFailures.keys().next().value!);
    const batch = store.batch();
    const badOnMain = active.contains(bad);
    for (const e of index.values()) {
      // Main-chain entries descend from `bad` only if `bad` is itself on the main chain: skip the walk.
      if (!badOnMain && active.contains(e)) continue;
      if (e.header.height >= bad.header.height && ancestorAt(e, bad.header.height) === bad) {
        e.status = 'invalid';
        this.candidates.delete(e);
        batch.putHeaderEntry(entryRecord(e));
      }
    }
    await batch.write();
    this.ctx.emit('block:invalid', { hash: bad.hash, error });
  }

  /**
   * A stored body failed its check when read to be connected: forget it (the header stays, without a
   * body), so the best chain is chosen without it and sync asks a peer for it again.
   */
  private async forgetBody(e: IndexEntry, error: StorageError): Promise<void> {
    e.hasBody = false;
    this.candidates.delete(e);
    await this.ctx.store.batch().putHeaderEntry(entryRecord(e)).delBlock(e.hash).write();
    this.ctx.emit('block:damaged', { entry: e, error });
  }

  // --- Fork choice --------------------------------------------------------------------------------

  /**
   * The candidate with the most work whose every block back to the main chain has a body and is not
   * invalid (Core: FindMostWorkChain). Undefined if none beats the tip.
   */
  private bestCandidate(): IndexEntry | undefined {
    const { active } = this.ctx;
    const sorted = [...this.candidates].sort((a, b) =>
      b.chainWork > a.chainWork ? 1 : b.chainWork < a.chainWork ? -1 : 0,
    );
    for (const c of sorted) {
      if (c.chainWork <= active.tip.chainWork) return undefined;
      let ok = true;
      for (let e: IndexEntry | undefined = c; e && !active.contains(e); e = e.parent) {
        if (!e.hasBody || e.status === 'invalid') {
          ok = false;
          break;
        }
      }
      if (ok) return c;
    }
    return undefined;
  }

  /**
   * Switch to the best valid chain, however deep the reorg (Core: ActivateBestChain). In a switch, every
   * block connected except the one just received reports origin 'reorg' with its original peer and
   * arrival time: it connects because the best chain changed, not because it arrived.
   */
  private async activateBestChain(): Promise<void> {
    const { active, emit } = this.ctx;
    for (let target = this.bestCandidate(); target; target = this.bestCandidate()) {
      const oldTip = active.tip;
      const fork = forkPoint(oldTip, target);
      const switching = fork !== oldTip;
      const disconnected: Hash[] = [];
      const returned = new Map<string, Hash>();
      while (active.tip !== fork) {
        const d = await active.disconnectTip();
        this.candidates.add(d.entry);
        disconnected.push(d.entry.hash);
        for (const id of d.ids) returned.set(toHex(id), id);
        emit('block:disconnected', { ...d, ...reorgOrigin(d.entry) });
      }
      const branch: IndexEntry[] = [];
      for (let e: IndexEntry | undefined = target; e && e !== fork; e = e.parent) branch.push(e);
      branch.reverse();
      const connected: Hash[] = [];
      for (const e of branch) {
        let c: Awaited<ReturnType<ActiveChain['connect']>>;
        try {
          c = await active.connect(e, this.fresh);
        } catch (err) {
          if (isCorruptRecord(err) && err.hash === e.hex) {
            await this.forgetBody(e, err);
            break; // the branch now lacks a body: the loop picks the best chain again
          }
          if (!(err instanceof RuleError)) throw err;
          await this.markInvalid(e, err);
          break; // the loop picks the best valid chain again, which may be the old one
        }
        this.candidates.delete(e);
        connected.push(e.hash);
        for (const id of c.ids) returned.delete(toHex(id));
        const origin = switching && this.fresh?.entry !== e ? reorgOrigin(e) : arrivalOrigin(e);
        emit('block:connected', { entry: e, block: c.block, ids: c.ids, ...origin });
      }
      if (switching && active.tip !== oldTip) {
        emit('reorg', {
          fork,
          depth: oldTip.header.height - fork.header.height,
          oldTip,
          newTip: active.tip,
          disconnected,
          connected,
          returnedTxs: [...returned.values()],
        });
      }
    }
  }
}

/** Origin 'reorg', keeping the block's original peer and arrival time when this process saw it arrive. */
function reorgOrigin(e: IndexEntry): Origin {
  const a = e.arrival;
  if (!a) return originNow('reorg');
  return a.peer === undefined
    ? { origin: 'reorg', receivedAt: a.receivedAt }
    : { origin: 'reorg', peer: a.peer, receivedAt: a.receivedAt };
}

/**
 * The block's own arrival origin. A body loaded from the datadir at start has none in memory: it was
 * replayed from the datadir, so it reports 'reindex' (Core likewise connects such blocks at startup).
 */
function arrivalOrigin(e: IndexEntry): Origin {
  return e.arrival ?? originNow('reindex');
}
