// Headers-first sync (Core: the headers-first IBD of 0.10+, net_processing's FindNextBlocksToDownload).
//
//   1. Status. Every peer tells us its tip and chain work (on connect and every few seconds).
//   2. Headers. From a peer with more work than we know of, we download headers after our block locator,
//      2,000 at a time, and the chain validates them (proof of work, difficulty, time) before anything
//      else: a peer cannot make us download a single body of a chain whose headers are bad.
//   3. Bodies. The blocks of the best header chain that we lack go into a queue ordered by height. Every
//      peer that has them (we know which chain each peer is on) is asked for some of them, at most
//      `maxInFlightPerPeer` at a time, within a window ahead of the lowest missing block, so that a slow
//      peer cannot make us buffer without bound. A request that fails or times out goes back to the
//      queue for another peer, and the peer's score drops.
//   4. Connect. Blocks are handed to the chain in height order as they arrive.
//
// A node that was offline or partitioned catches up this way by itself: nothing needs to be gossiped
// again. A block gossiped with an unknown parent starts step 2 with the peer that sent it.
import { EventEmitter } from 'node:events';
import type { IndexEntry } from '../chain/block-index.js';
import { type Origin, originNow } from '../chain/origin.js';
import { toHex } from '../consensus/bytes.js';
import type { Block, BlockHeader, Hash } from '../consensus/types.js';
import type { Logger } from '../util/logger.js';
import type { P2PChain } from './chain-view.js';
import { describeError, kindOf, penaltyFor, requestPenalty } from './outcome.js';
import { decodeReceived, MAX_BLOCKS_PER_REQUEST, type ReceivedBlock } from './protocols/blocks.js';
import { checkLinked, MAX_HEADERS } from './protocols/headers.js';
import type { Status } from './protocols/status.js';
import type { Offence } from './scoring.js';

/**
 * What sync needs from the network: the two request/response exchanges it makes and a way to punish.
 * `blocks` answers with the blocks as received (bytes, checked for form: protocols/blocks.ts).
 */
export interface SyncNetwork {
  headers(peer: string, locator: readonly Hash[], maxHeaders: number): Promise<BlockHeader[]>;
  blocks(peer: string, hashes: readonly Hash[]): Promise<readonly ReceivedBlock[]>;
  penalise(peer: string, offence: Offence, reason: string): void;
}

/**
 * What sync uses of the chain. Downloaded blocks go to it with a 'sync' origin naming their sender, and
 * with their bytes; the next few are handed to `prepareBlock`, when the chain has it, while one connects.
 */
export type SyncChain = Pick<
  P2PChain,
  'tip' | 'height' | 'entry' | 'isOnMainChain' | 'locator' | 'acceptHeaders' | 'processBlock' | 'prepareBlock'
>;

export interface SyncLimits {
  /** Blocks requested from one peer and not yet answered. */
  readonly maxInFlightPerPeer: number;
  /** How far past the lowest missing block downloads may run ahead. */
  readonly window: number;
  /** Bytes of downloaded blocks waiting for their turn to connect. */
  readonly maxBufferedBytes: number;
  /** After a failed request, the peer gets no new block requests for this long (ms). */
  readonly retryAfterMs: number;
  /**
   * While a block connects, this many of the downloaded blocks after it are decoded and handed to the
   * chain's prepareBlock, so that their signatures are verified on the workers during the main thread's
   * share of the work before them (Core likewise checks the scripts of a block on its -par threads
   * while the next is being read). The rest of the buffer stays encoded.
   */
  readonly prepareAhead: number;
}

export const DEFAULT_SYNC_LIMITS: SyncLimits = {
  maxInFlightPerPeer: 16,
  window: 1024,
  maxBufferedBytes: 64 * 1024 * 1024,
  retryAfterMs: 2_000,
  prepareAhead: 2,
};

/** Concurrent block requests per peer: well under the 8 inbound streams a node serves per protocol. */
const MAX_REQUESTS_PER_PEER = 4;

export interface SyncProgress {
  readonly done: number;
  readonly total: number;
  /** Blocks connected per second since this sync run began. */
  readonly rate: number;
}

/**
 * Where sync stands, for GET /status and `cairn status` (Core: getblockchaininfo's blocks / headers and
 * verificationprogress). Owned here because only sync knows what the peers claim and how fast blocks come.
 */
export interface SyncState {
  /** Headers or bodies are being downloaded. */
  readonly syncing: boolean;
  /** Our main chain's height: what is synced. */
  readonly height: number;
  /**
   * The height to reach: the best chain a peer has shown us (its headers, or the status it sent before
   * we have them) when it has more work than ours; our own height when none has.
   */
  readonly target: number;
  /** Blocks connected per second in the current sync run; 0 when not syncing. */
  readonly blocksPerSecond: number;
}

export interface SyncEvents {
  progress: [SyncProgress];
}

interface PeerSync {
  readonly id: string;
  status?: Status;
  /** The most-work header we know this peer has. */
  best?: IndexEntry;
  headersRunning: boolean;
  headersAgain: boolean;
  inFlight: number;
  /** Block requests open to this peer (each is a stream; the peer serves a few at a time). */
  requests: number;
  /** No new block requests before this time (after a failure). */
  pausedUntil: number;
}

interface Wanted {
  readonly entry: IndexEntry;
  /** Peers known to have this block (their best header descends from it). */
  readonly sources: Set<string>;
  /** The peer asked for it right now, if any. */
  assigned?: string;
  /** The downloaded block, as received (bytes); decoded into `block` when its turn nears. */
  received?: ReceivedBlock;
  /** The decoded block, once it is next or among the next `prepareAhead` to connect. */
  block?: Block;
  /** Who sent the downloaded block, and when. */
  origin?: Origin;
}

export class Sync extends EventEmitter<SyncEvents> {
  private readonly peers = new Map<string, PeerSync>();
  /** Blocks to download, by hash; `order` keeps them by height. */
  private readonly wanted = new Map<string, Wanted>();
  private order: Wanted[] = [];
  private bufferedBytes = 0;
  private draining = false;
  private run = { total: 0, done: 0, startedAt: 0, lastReport: 0 };
  private stopped = false;

  constructor(
    private readonly chain: SyncChain,
    private readonly net: SyncNetwork,
    private readonly logger: Logger,
    private readonly limits: SyncLimits = DEFAULT_SYNC_LIMITS,
  ) {
    super();
  }

  /** True while headers or bodies are being downloaded. */
  get syncing(): boolean {
    if (this.order.length > 0) return true;
    for (const p of this.peers.values()) if (p.headersRunning) return true;
    return false;
  }

  /** Synced height, target height and rate, for people (see SyncState). */
  state(): SyncState {
    const height = this.chain.height;
    const tipWork = this.chain.tip.chainWork;
    let target = height;
    for (const p of this.peers.values()) {
      if (p.best && p.best.chainWork > tipWork) target = Math.max(target, p.best.header.height);
      if (p.status && p.status.chainWork > tipWork) target = Math.max(target, p.status.height);
    }
    const syncing = this.syncing;
    const seconds = (Date.now() - this.run.startedAt) / 1000;
    const downloading = this.order.length > 0 && this.run.startedAt > 0 && seconds > 0;
    const blocksPerSecond = downloading ? this.run.done / seconds : 0;
    return { syncing, height, target, blocksPerSecond: Number(blocksPerSecond.toFixed(1)) };
  }

  addPeer(id: string): void {
    if (!this.peers.has(id)) {
      this.peers.set(id, {
        id,
        headersRunning: false,
        headersAgain: false,
        inFlight: 0,
        requests: 0,
        pausedUntil: 0,
      });
    }
  }

  removePeer(id: string): void {
    this.peers.delete(id);
    // Blocks nobody left can give us leave the queue; a later status that shows them queues them again.
    this.order = this.order.filter((w) => {
      w.sources.delete(id);
      if (w.sources.size > 0 || w.received || w.assigned) return true;
      this.wanted.delete(w.entry.hex);
      this.run.total--;
      return false;
    });
  }

  stop(): void {
    this.stopped = true;
  }

  /** A peer told us its status: follow its chain if it has more work than anything we know of. */
  onStatus(id: string, status: Status): void {
    this.addPeer(id);
    const peer = this.peers.get(id)!;
    peer.status = status;
    const known = this.chain.entry(status.tipHash);
    if (known && known.status !== 'invalid') {
      this.noteBest(peer, known);
    } else if (!known && status.chainWork > (peer.best?.chainWork ?? 0n)) {
      if (status.chainWork > this.chain.tip.chainWork) this.requestHeaders(id);
    }
    this.schedule();
  }

  /** A peer relayed a valid block: it has that block and its ancestors. */
  onPeerHas(id: string, entry: IndexEntry): void {
    const peer = this.peers.get(id);
    if (peer) this.noteBest(peer, entry);
  }

  /** Ask `id` for the headers after our locator (a gossiped orphan, or a status with more work). */
  requestHeaders(id: string): void {
    const peer = this.peers.get(id);
    if (!peer || this.stopped) return;
    if (peer.headersRunning) {
      peer.headersAgain = true;
      return;
    }
    peer.headersRunning = true;
    void this.downloadHeaders(peer).finally(() => {
      peer.headersRunning = false;
      if (peer.headersAgain && this.peers.has(id)) {
        peer.headersAgain = false;
        this.requestHeaders(id);
      }
    });
  }

  private async downloadHeaders(peer: PeerSync): Promise<void> {
    while (!this.stopped && this.peers.has(peer.id)) {
      const from = peer.best && peer.best.chainWork > this.chain.tip.chainWork ? peer.best : this.chain.tip;
      let headers: BlockHeader[];
      try {
        headers = await this.net.headers(peer.id, this.chain.locator(from), MAX_HEADERS);
        checkLinked(headers);
      } catch (e) {
        this.failed(peer, e, 'headers');
        return;
      }
      if (headers.length === 0) return;
      let entries: IndexEntry[];
      try {
        entries = await this.chain.acceptHeaders(headers);
      } catch (e) {
        this.refused(peer.id, e, 'headers');
        return;
      }
      const last = entries[entries.length - 1]!;
      this.noteBest(peer, last);
      this.schedule();
      if (headers.length < MAX_HEADERS) return;
    }
  }

  /** Records that `peer` has `entry` (and its ancestors); queues the bodies if that chain beats ours. */
  private noteBest(peer: PeerSync, entry: IndexEntry): void {
    if (!peer.best || entry.chainWork > peer.best.chainWork) peer.best = entry;
    if (entry.chainWork <= this.chain.tip.chainWork) return;
    // Walk back to the main chain: every block on the way that lacks a body is wanted, and this peer has it.
    const fresh: Wanted[] = [];
    for (let e: IndexEntry | undefined = entry; e && !this.chain.isOnMainChain(e); e = e.parent) {
      if (e.status === 'invalid') return;
      let w = this.wanted.get(e.hex);
      if (!w && !e.hasBody) {
        w = { entry: e, sources: new Set() };
        this.wanted.set(e.hex, w);
        fresh.push(w);
      }
      w?.sources.add(peer.id);
    }
    if (fresh.length === 0) return;
    if (this.order.length === 0) this.run = { total: 0, done: 0, startedAt: Date.now(), lastReport: 0 };
    this.run.total += fresh.length;
    this.order.push(...fresh);
    this.order.sort((a, b) => a.entry.header.height - b.entry.header.height);
  }

  /** Hands out block requests to every peer with room, within the download window. */
  private schedule(): void {
    if (this.stopped || this.bufferedBytes > this.limits.maxBufferedBytes) return;
    const now = Date.now();
    const window = this.order.slice(0, this.limits.window);
    for (const peer of this.peers.values()) {
      if (peer.pausedUntil > now || peer.requests >= MAX_REQUESTS_PER_PEER) continue;
      const room = Math.min(this.limits.maxInFlightPerPeer - peer.inFlight, MAX_BLOCKS_PER_REQUEST);
      if (room <= 0) continue;
      const batch: Wanted[] = [];
      for (const w of window) {
        if (batch.length >= room) break;
        if (!w.assigned && !w.received && w.sources.has(peer.id)) batch.push(w);
      }
      if (batch.length > 0) void this.fetch(peer, batch);
    }
  }

  private async fetch(peer: PeerSync, batch: Wanted[]): Promise<void> {
    for (const w of batch) w.assigned = peer.id;
    peer.inFlight += batch.length;
    peer.requests++;
    let blocks: readonly ReceivedBlock[] = [];
    try {
      blocks = await this.net.blocks(
        peer.id,
        batch.map((w) => w.entry.hash),
      );
    } catch (e) {
      this.failed(peer, e, 'blocks');
    }
    peer.inFlight -= batch.length;
    peer.requests--;
    // The answer was checked against what we asked (protocols/blocks.ts): each block is one of these.
    const got = new Map(blocks.map((b) => [toHex(b.hash), b]));
    for (const w of batch) {
      w.assigned = undefined;
      const block = got.get(w.entry.hex);
      if (block && this.wanted.get(w.entry.hex) === w && !w.received) {
        w.received = block;
        w.origin = originNow('sync', peer.id);
        this.bufferedBytes += block.bytes.length;
      } else if (!block) {
        w.sources.delete(peer.id); // it did not have it after all: ask someone else
      }
    }
    void this.drain();
    this.schedule();
  }

  /** Connects downloaded blocks in height order, as far as the lowest missing one. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (!this.stopped && this.order.length > 0) {
        const w = this.order[0]!;
        const e = w.entry;
        if (e.hasBody || e.status === 'invalid' || this.chain.isOnMainChain(e)) {
          this.finish(w); // arrived some other way (gossip), or its branch turned out invalid
          continue;
        }
        if (!w.received) break;
        const block = this.decoded(w);
        const origin = w.origin!;
        // The next few downloaded blocks get decoded and their signatures started now: the workers
        // verify them while this block's state and storage work runs on this thread.
        this.prepareNext();
        try {
          await this.chain.processBlock(block, origin, w.received.bytes);
        } catch (err) {
          if (!kindOf(err)) throw err;
          this.refused(origin.peer!, err, 'synced block');
        }
        this.finish(w);
      }
      if (this.order.length === 0 || Date.now() - this.run.lastReport >= 1000) this.report();
    } catch (err) {
      // After stop() the chain may already refuse work: that is shutdown, not a failure.
      if (!this.stopped) this.logger.error({ err }, 'sync: connecting a downloaded block failed');
    } finally {
      this.draining = false;
    }
    this.schedule();
  }

  /** The decoded block of a downloaded one (decoding it now if it is still as received). */
  private decoded(w: Wanted): Block {
    w.block ??= decodeReceived(w.received!);
    return w.block;
  }

  /** Decode and hand to chain.prepareBlock the downloaded blocks right after the head of the queue. */
  private prepareNext(): void {
    const prepare = this.chain.prepareBlock?.bind(this.chain);
    if (!prepare) return;
    const end = Math.min(this.order.length, 1 + this.limits.prepareAhead);
    for (let i = 1; i < end; i++) {
      const w = this.order[i]!;
      if (!w.received) break; // connecting stops at a gap anyway; preparing past it is wasted
      if (w.block) continue; // prepared already
      prepare(this.decoded(w), w.received.bytes);
    }
  }

  private finish(w: Wanted): void {
    this.order.shift();
    this.wanted.delete(w.entry.hex);
    if (w.received) this.bufferedBytes -= w.received.bytes.length;
    w.received = undefined;
    w.block = undefined;
    this.run.done++;
    // Drop queued blocks that can no longer be connected (their branch was marked invalid).
    if (w.entry.status === 'invalid') {
      this.order = this.order.filter((x) => {
        if (x.entry.status !== 'invalid') return true;
        this.wanted.delete(x.entry.hex);
        if (x.received) this.bufferedBytes -= x.received.bytes.length;
        this.run.done++;
        return false;
      });
    }
  }

  private report(): void {
    const { total, done, startedAt } = this.run;
    if (total === 0) return;
    this.run.lastReport = Date.now();
    const seconds = Math.max(0.001, (Date.now() - startedAt) / 1000);
    const progress = { done: Math.min(done, total), total, rate: done / seconds };
    this.logger.info(
      { done: progress.done, total, rate: Number(progress.rate.toFixed(1)), height: this.chain.height },
      'sync progress',
    );
    this.emit('progress', progress);
  }

  /** A request failed: score the peer by the reason (outcome.ts) and pause its block requests a moment. */
  private failed(peer: PeerSync, e: unknown, what: 'headers' | 'blocks'): void {
    peer.pausedUntil = Date.now() + this.limits.retryAfterMs;
    const offence = requestPenalty(e, what);
    if (offence) this.net.penalise(peer.id, offence, `${what}: ${describeError(e)}`);
    else this.logger.debug({ peer: peer.id, err: describeError(e) }, `sync: ${what} request failed`);
  }

  /** The chain refused what a peer sent (headers, a block): the refusal's kind says what it costs. */
  private refused(peer: string, e: unknown, what: string): void {
    const offence = penaltyFor(e, 'block');
    if (offence) this.net.penalise(peer, offence, `${what}: ${describeError(e)}`);
    else this.logger.debug({ peer, err: describeError(e) }, `sync: ${what} not accepted`);
  }
}
