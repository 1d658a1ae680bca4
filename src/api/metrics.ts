// The node's Prometheus metrics (served by GET /metrics). One Metrics object per node, handed to every
// service that counts something (`metrics.rejectedTx(code)`), with its own prom-client Registry rather
// than the library's global one, so that several nodes in one process (the integration tests, the
// in-process devnet) each report their own numbers.
//
// Two kinds of number:
//   gauges    the state right now (height, peers, mempool size). They are read from `sources` at scrape
//             time (prom-client's `collect`), so no service has to remember to update them.
//   counters  events since the process started (blocks connected, reorgs, rejections). Services call
//             the methods below; `trackChain` counts the chain's own events. A service that already
//             counts a fact itself (the P2P node's state mismatches) is a source instead, read at scrape
//             time, so the fact is counted in one place only.
// Each fact is counted once: whoever creates the Metrics calls `trackChain` (src/node for a node, the
// ApiServer for a Metrics of its own), and no one else follows the same events.
// Core has no Prometheus endpoint; its getblockchaininfo / getmempoolinfo / getnetworkinfo RPCs report
// the same gauges, and bitcoind's -debug=bench log the timings.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConnectedBlock, ReorgEvent, StoredBlock } from '../chain/chain.js';
import type { RuleError } from '../consensus/errors.js';

/** Where the gauges read their values; every field is optional (an absent service reports 0). */
export interface MetricSources {
  height?(): number;
  chainWork?(): bigint;
  peers?(): number;
  mempoolTxs?(): number;
  mempoolBytes?(): number;
  /** Hashes per second of the local miner (0 when it is not mining). */
  hashrate?(): number;
  /**
   * State mismatches counted by the service that compares state digests (the P2P node). When set,
   * cairn_state_mismatches_total reports it and `stateMismatch()` is not to be called.
   */
  stateMismatches?(): number;
  /** The signature backend's name (e.g. "secp256k1-native"), reported as cairn_verifier_info{backend}. */
  verifier?(): string;
}

/** The chain events the counters follow (the real Chain satisfies it). */
export interface ChainEventSource {
  on(event: 'block:connected', listener: (b: ConnectedBlock) => void): unknown;
  on(event: 'block:stored', listener: (b: StoredBlock) => void): unknown;
  on(event: 'reorg', listener: (r: ReorgEvent) => void): unknown;
  on(event: 'block:invalid', listener: (e: { hash: Uint8Array; error: RuleError }) => void): unknown;
  off(event: 'block:connected', listener: (b: ConnectedBlock) => void): unknown;
  off(event: 'block:stored', listener: (b: StoredBlock) => void): unknown;
  off(event: 'reorg', listener: (r: ReorgEvent) => void): unknown;
  off(event: 'block:invalid', listener: (e: { hash: Uint8Array; error: RuleError }) => void): unknown;
}

/**
 * Request durations from 0.5 ms to a minute: reads take well under a millisecond, POST /mine of many
 * blocks can take seconds.
 */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60];

export class Metrics {
  readonly registry = new Registry();
  private sources: MetricSources = {};
  private readonly blocksConnected: Counter;
  private readonly reorgs: Counter;
  private readonly rejectedBlocks: Counter<'code'>;
  private readonly rejectedTxs: Counter<'code'>;
  private readonly requestDuration: Histogram<'route' | 'method' | 'status'>;
  private readonly requestTimers = new Map<string, { observe(seconds: number): void }>();
  private mismatchCount = 0;
  private hashrateValue = 0;
  /** Chains being counted, each with the function that stops counting it. */
  private readonly tracked = new Map<ChainEventSource, () => void>();

  constructor(sources: MetricSources = {}) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: (s: MetricSources) => number): void => {
      // prom-client calls `collect` on every scrape, so the value is always the current one.
      const g: Gauge = new Gauge({ name, help, registers, collect: () => g.set(read(this.sources)) });
    };
    gauge('cairn_height', 'Height of the best chain tip', (s) => s.height?.() ?? 0);
    // Prometheus values are float64: chain work beyond 2^53 loses its low digits here (GET /status
    // has the exact decimal string).
    gauge('cairn_chain_work', 'Cumulative proof of work of the best chain', (s) =>
      Number(s.chainWork?.() ?? 0n),
    );
    gauge('cairn_peers', 'Connected peers', (s) => s.peers?.() ?? 0);
    gauge('cairn_mempool_txs', 'Transactions in the mempool', (s) => s.mempoolTxs?.() ?? 0);
    gauge(
      'cairn_mempool_bytes',
      'Encoded bytes of the transactions in the mempool',
      (s) => s.mempoolBytes?.() ?? 0,
    );
    gauge(
      'cairn_hashrate',
      'Hashes per second of the local miner',
      (s) => s.hashrate?.() ?? this.hashrateValue,
    );
    // An "info" metric (the Prometheus convention for a fact that is a string, like node_uname_info):
    // value 1, the fact in a label, so a dashboard can show or group by which backend each node runs.
    const verifier: Gauge<'backend'> = new Gauge({
      name: 'cairn_verifier_info',
      help: 'The signature backend verifying txs and blocks (value 1, name in the backend label)',
      labelNames: ['backend'],
      registers,
      collect: () => {
        verifier.reset();
        const backend = this.sources.verifier?.();
        if (backend) verifier.set({ backend }, 1);
      },
    });
    this.blocksConnected = new Counter({
      name: 'cairn_blocks_connected_total',
      help: 'Blocks connected to the best chain (reorgs included)',
      registers,
    });
    this.reorgs = new Counter({
      name: 'cairn_reorgs_total',
      help: 'Switches to a heavier branch that disconnected at least one block',
      registers,
    });
    this.rejectedBlocks = new Counter({
      name: 'cairn_rejected_blocks_total',
      help: 'Blocks rejected, by rule code',
      labelNames: ['code'],
      registers,
    });
    this.rejectedTxs = new Counter({
      name: 'cairn_rejected_txs_total',
      help: 'Transactions rejected, by rule or mempool code',
      labelNames: ['code'],
      registers,
    });
    // A counter read from its source at scrape time: the value is set, never incremented, here.
    const mismatches: Counter = new Counter({
      name: 'cairn_state_mismatches_total',
      help: 'Peers at our tip that reported a different state digest',
      registers,
      collect: () => {
        mismatches.reset();
        mismatches.inc(this.stateMismatchCount);
      },
    });
    this.requestDuration = new Histogram({
      name: 'cairn_api_request_duration_seconds',
      help: 'HTTP API request durations',
      labelNames: ['route', 'method', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.setSources(sources);
  }

  /** Adds or replaces gauge sources (services appear one by one as the node starts). */
  setSources(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /**
   * Counts the chain's connected blocks, reorgs and blocks it marked invalid. Called once, by whoever
   * created this Metrics; idempotent all the same, so a second call cannot count anything twice.
   */
  trackChain(chain: ChainEventSource): void {
    if (this.tracked.has(chain)) return;
    const connected = () => this.blockConnected();
    const reorg = () => this.reorg();
    const invalid = (e: { error: RuleError }) => this.rejectedBlock(e.error.code);
    chain.on('block:connected', connected);
    chain.on('reorg', reorg);
    chain.on('block:invalid', invalid);
    this.tracked.set(chain, () => {
      chain.off('block:connected', connected);
      chain.off('reorg', reorg);
      chain.off('block:invalid', invalid);
    });
  }

  blockConnected(): void {
    this.blocksConnected.inc();
  }

  reorg(): void {
    this.reorgs.inc();
  }

  /**
   * A block refused with this code. `trackChain` already counts the blocks the chain marks invalid
   * ('block:invalid'); call this for refusals the chain never indexes (no proof of work, unknown
   * chain), so each block is counted once.
   */
  rejectedBlock(code: string): void {
    this.rejectedBlocks.inc({ code });
  }

  /** A tx refused with this rule or mempool code (by the API, gossip, …: whoever refused it). */
  rejectedTx(code: string): void {
    this.rejectedTxs.inc({ code });
  }

  /** A state mismatch, for a caller with no `stateMismatches` source (a standalone API server). */
  stateMismatch(): void {
    this.mismatchCount++;
  }

  /** How many state mismatches were counted: the source's number, else the calls to stateMismatch(). */
  get stateMismatchCount(): number {
    return this.sources.stateMismatches?.() ?? this.mismatchCount;
  }

  /** For a miner that pushes its rate instead of being a `hashrate` source. */
  setHashrate(hashesPerSecond: number): void {
    this.hashrateValue = hashesPerSecond;
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    // One child per label set, looked up by a plain string: prom-client would otherwise hash the labels
    // object on every request. The sets are few (routes × methods × statuses), so the map stays small.
    const key = `${route} ${method} ${status}`;
    let child = this.requestTimers.get(key);
    if (!child) {
      child = this.requestDuration.labels(route, method, String(status));
      this.requestTimers.set(key, child);
    }
    child.observe(seconds);
  }

  /** The Prometheus text exposition (format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops following every tracked chain. */
  close(): void {
    for (const stop of this.tracked.values()) stop();
    this.tracked.clear();
  }
}
