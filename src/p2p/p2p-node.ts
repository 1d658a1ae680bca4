// The P2P service: one object the node starts and stops. It wires the libp2p host (host.ts) to the chain
// and the mempool:
//
//   gossip in    blocks and txs from the topics are judged by the chain / mempool, and the verdict
//                (gossip-validation.ts) tells gossipsub whether to forward them.
//   gossip out   blocks this node mined and txs it accepted locally are published.
//   requests     status, headers, blocks and peers are served to peers (protocols/), with size limits,
//                deadlines and per-peer rate limits.
//   sync         status exchanges drive headers-first sync (sync.ts).
//   peers        the peer manager dials, redials and refuses (peer-manager.ts); misbehaviour lowers a
//                peer's score until it is banned (scoring.ts).
//
// Core: this is the role of CConnman + PeerManagerImpl (net.cpp, net_processing.cpp).
import { EventEmitter } from 'node:events';
import type { GossipsubMessage } from '@libp2p/gossipsub';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { IdentifyResult, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Chain, ConnectedBlock, ProcessResult } from '../chain/chain.js';
import { originNow } from '../chain/origin.js';
import { bytesEqual, toHex } from '../consensus/bytes.js';
import { decodeBlock, decodeTx, encodeBlock, encodeTx } from '../consensus/encoding.js';
import { blockHash, txId } from '../consensus/hash.js';
import type { Block, BlockHeader, ChainParams, Hash, Tx } from '../consensus/types.js';
import { TX_BYTES } from '../consensus/types.js';
import type { Mempool, TxAdded } from '../mempool/mempool.js';
import type { Logger } from '../util/logger.js';
import {
  clientExchange,
  DEFAULT_EXCHANGE_TIMEOUT_MS,
  type FramedStream,
  ProtocolError,
  serverExchange,
} from './framing.js';
import { type GossipOutcome, gossipVerdict, type Verdict } from './gossip-validation.js';
import { createHost, type Host, loadOrCreatePeerKey } from './host.js';
import { PeerManager } from './peer-manager.js';
import {
  BLOCKS_REQUEST_MAX_BYTES,
  BLOCKS_RESPONSE_BUDGET,
  decodeBlocksRequest,
  encodeBlocksRequest,
  readBlocksResponse,
  writeBlocksResponse,
} from './protocols/blocks.js';
import {
  decodeHeadersRequest,
  decodeHeadersResponse,
  encodeHeadersRequest,
  encodeHeadersResponse,
  HEADERS_REQUEST_MAX_BYTES,
  HEADERS_RESPONSE_MAX_BYTES,
  headersAfter,
} from './protocols/headers.js';
import { decodePeersResponse, encodePeersResponse, PEERS_RESPONSE_MAX_BYTES } from './protocols/peers.js';
import { decodeStatus, encodeStatus, STATUS_BYTES, type Status } from './protocols/status.js';
import { DEFAULT_SCORING, type Offence, PeerScores, RateLimiter } from './scoring.js';
import { DEFAULT_SYNC_LIMITS, Sync, type SyncLimits, type SyncProgress } from './sync.js';
import { type NetworkIds, networkIds } from './topics.js';

/** Tunables; every one has a default. Tests shorten the intervals. */
export interface P2PLimits {
  /** Deadline of one request/response exchange, on both sides (ms). */
  readonly exchangeTimeoutMs: number;
  /** Status exchange with every peer this often (ms). */
  readonly statusIntervalMs: number;
  /** Ask a peer for more peers this often while below the target (ms). */
  readonly peerExchangeIntervalMs: number;
  /** Connection upkeep: dial, redial (ms). */
  readonly maintenanceMs: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly banMs: number;
  readonly banThreshold: number;
  readonly sync: SyncLimits;
  /** Requests per second a peer may make of each protocol (burst = 4×). */
  readonly requestsPerSecond: number;
  /** Gossip messages being validated at once; more are ignored (not forwarded) until some finish. */
  readonly maxPendingValidations: number;
  readonly maxConnections: number;
  readonly maxKnownPeers: number;
}

export const DEFAULT_P2P_LIMITS: P2PLimits = {
  exchangeTimeoutMs: DEFAULT_EXCHANGE_TIMEOUT_MS,
  statusIntervalMs: 10_000,
  peerExchangeIntervalMs: 30_000,
  maintenanceMs: 2_000,
  backoffInitialMs: 1_000,
  backoffMaxMs: 60_000,
  banMs: DEFAULT_SCORING.banMs,
  banThreshold: DEFAULT_SCORING.banThreshold,
  sync: DEFAULT_SYNC_LIMITS,
  requestsPerSecond: 10,
  maxPendingValidations: 1_000,
  maxConnections: 64,
  maxKnownPeers: 1_000,
};

export interface P2PNodeOptions extends Partial<P2PLimits> {
  readonly params: ChainParams;
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly datadir: string;
  /** TCP port to listen on (0: any free port). */
  readonly port: number;
  /** Interface to listen on (default 0.0.0.0: all). */
  readonly host?: string;
  /** Multiaddrs to dial at start and keep redialling. */
  readonly bootstrap?: readonly string[];
  readonly logger: Logger;
  readonly targetPeers?: number;
}

export interface PeerInfo {
  readonly peerId: string;
  readonly addrs: string[];
  readonly direction: 'inbound' | 'outbound' | null;
  /** The node's own score of the peer (0 is neutral; the ban threshold is negative). */
  readonly score: number;
  /** Gossipsub's score of the peer, for comparison (0 if not connected). */
  readonly gossipScore: number;
  readonly banned: boolean;
}

export interface StateMismatch {
  readonly peer: string;
  readonly tipHash: string;
  readonly ours: string;
  readonly theirs: string;
}

export interface GossipReport {
  readonly topic: 'blocks' | 'txs';
  readonly msgId: string;
  readonly from: string;
  readonly verdict: Verdict;
}

export interface P2PNodeEvents {
  'peer:connect': [{ peerId: string; direction: 'inbound' | 'outbound' }];
  'peer:disconnect': [{ peerId: string }];
  'peer:banned': [{ peerId: string; reason: string }];
  'sync:progress': [SyncProgress];
  'state:mismatch': [StateMismatch];
  /** Every gossip message judged, with its verdict (for metrics, and for tests). */
  gossip: [GossipReport];
}

/** A bounded set: the oldest entries leave first, so a flood cannot grow it. */
class RecentSet {
  private readonly items = new Set<string>();
  constructor(private readonly max: number) {}
  add(key: string): void {
    this.items.delete(key);
    this.items.add(key);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value!);
  }
  take(key: string): boolean {
    return this.items.delete(key);
  }
}

export class P2PNode extends EventEmitter<P2PNodeEvents> {
  readonly ids: NetworkIds;
  private readonly params: ChainParams;
  private readonly chain: Chain;
  private readonly mempool: Mempool;
  private readonly logger: Logger;
  private readonly limits: P2PLimits;
  private readonly opts: P2PNodeOptions;
  private readonly scores: PeerScores;
  private readonly peerManager: PeerManager;
  private readonly sync: Sync;
  private readonly rates = new Map<string, RateLimiter>();
  /** Blocks and txs that came from the network: their 'connected' / 'added' events are not re-published. */
  private readonly fromNetwork = new RecentSet(8192);
  private libp2p: Host | undefined;
  private id: string | undefined;
  private timers: NodeJS.Timeout[] = [];
  private mismatches = 0;
  private pendingValidations = 0;
  private readonly detach: (() => void)[] = [];

  constructor(opts: P2PNodeOptions) {
    super();
    this.opts = opts;
    this.params = opts.params;
    this.chain = opts.chain;
    this.mempool = opts.mempool;
    this.logger = opts.logger;
    this.limits = { ...DEFAULT_P2P_LIMITS, ...stripUndefined(opts) };
    this.ids = networkIds(opts.params.genesisHash);
    this.scores = new PeerScores({
      banThreshold: this.limits.banThreshold,
      banMs: this.limits.banMs,
      recoveryPerMinute: DEFAULT_SCORING.recoveryPerMinute,
    });
    this.peerManager = new PeerManager({
      bootstrap: opts.bootstrap ?? [],
      targetPeers: opts.targetPeers ?? 8,
      logger: this.logger,
      isBanned: (p) => this.scores.isBanned(p),
      maintenanceMs: this.limits.maintenanceMs,
      backoffInitialMs: this.limits.backoffInitialMs,
      backoffMaxMs: this.limits.backoffMaxMs,
      maxKnownPeers: this.limits.maxKnownPeers,
    });
    this.sync = new Sync(
      this.chain,
      {
        headers: (peer, locator, max) => this.requestHeaders(peer, locator, max),
        blocks: (peer, hashes) => this.requestBlocks(peer, hashes),
        penalise: (peer, offence, reason) => this.penalise(peer, offence, reason),
        processBlock: (block, from) => this.processNetworkBlock(block, from, 'sync'),
      },
      this.logger,
      this.limits.sync,
    );
    this.sync.on('progress', (p) => this.emit('sync:progress', p));
  }

  // --- Lifecycle ------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.libp2p) return;
    const privateKey = await loadOrCreatePeerKey(this.opts.datadir);
    const host = await createHost({
      privateKey,
      host: this.opts.host ?? '0.0.0.0',
      port: this.opts.port,
      topics: [this.ids.blocksTopic, this.ids.txsTopic],
      // A block at the size limit, plus room for gossipsub's protobuf envelope and control messages.
      maxMessageBytes: this.params.maxBlockBytes + 64 * 1024,
      gater: this.peerManager.gater,
      maxConnections: this.limits.maxConnections,
      ownScore: (p) => this.scores.score(p),
    });
    this.libp2p = host;
    this.id = host.peerId.toString();

    const handlers: [string, (s: Stream, peer: string) => Promise<void>][] = [
      [this.ids.statusProtocol, (s, p) => this.serveStatus(s, p)],
      [this.ids.headersProtocol, (s, p) => this.serveHeaders(s, p)],
      [this.ids.blocksProtocol, (s, p) => this.serveBlocks(s, p)],
      [this.ids.peersProtocol, (s, p) => this.servePeers(s, p)],
    ];
    for (const [protocol, serve] of handlers) {
      await host.handle(
        protocol,
        (stream, connection) => {
          const peer = connection.remotePeer.toString();
          serve(stream, peer).catch((e) => this.onServeError(peer, protocol, e));
        },
        { maxInboundStreams: 8, maxOutboundStreams: 32 },
      );
    }

    const pubsub = host.services.pubsub;
    const onMessage = (evt: CustomEvent<GossipsubMessage>) => void this.onGossip(evt.detail);
    pubsub.addEventListener('gossipsub:message', onMessage);
    pubsub.subscribe(this.ids.blocksTopic);
    pubsub.subscribe(this.ids.txsTopic);

    host.addEventListener('peer:connect', (evt) => this.onPeerConnect(evt.detail));
    host.addEventListener('peer:disconnect', (evt) => this.onPeerDisconnect(evt.detail));
    host.addEventListener('peer:identify', (evt: CustomEvent<IdentifyResult>) =>
      this.peerManager.onIdentify(evt.detail.peerId.toString(), evt.detail.listenAddrs),
    );

    const onConnected = (c: ConnectedBlock) => this.onLocalBlock(c);
    const onTx = ({ tx, id }: TxAdded) => this.onLocalTx(tx, id);
    this.chain.on('block:connected', onConnected);
    this.mempool.on('tx:added', onTx);
    this.detach.push(
      () => this.chain.off('block:connected', onConnected),
      () => this.mempool.off('tx:added', onTx),
    );

    await host.start();
    this.peerManager.start(host);
    this.timers.push(
      setInterval(() => this.statusRound(), this.limits.statusIntervalMs),
      setInterval(() => this.peerExchangeRound(), this.limits.peerExchangeIntervalMs),
    );
    for (const t of this.timers) t.unref();
    this.logger.info({ peerId: this.peerId, addrs: this.multiaddrs() }, 'p2p listening');
  }

  async stop(): Promise<void> {
    const host = this.libp2p;
    if (!host) return;
    this.libp2p = undefined;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const d of this.detach.splice(0)) d();
    this.sync.stop();
    this.peerManager.stop();
    await host.stop();
  }

  // --- Public view ----------------------------------------------------------------------------------

  /** This node's peer id (known from start() on; it stays readable after stop()). */
  get peerId(): string {
    if (!this.id) throw new Error('the P2P node has not been started');
    return this.id;
  }

  /** Addresses others can dial, with /p2p/<id>: the loopback ones if we listen on loopback. */
  multiaddrs(): string[] {
    const all = this.host()
      .getMultiaddrs()
      .map((a) => a.toString());
    const loopback = all.filter((a) => a.startsWith('/ip4/127.0.0.1/'));
    return loopback.length > 0 ? loopback : all;
  }

  /** Connected peers, and banned peers while their ban lasts. */
  peers(): PeerInfo[] {
    const host = this.host();
    const pubsub = host.services.pubsub;
    const out: PeerInfo[] = [];
    const seen = new Set<string>();
    for (const conn of host.getConnections()) {
      const id = conn.remotePeer.toString();
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({
        peerId: id,
        addrs: host.getConnections(conn.remotePeer).map((c) => c.remoteAddr.toString()),
        direction: conn.direction,
        score: this.scores.score(id),
        gossipScore: pubsub.getScore(id),
        banned: this.scores.isBanned(id),
      });
    }
    for (const { peer } of this.scores.banned()) {
      if (seen.has(peer)) continue;
      out.push({
        peerId: peer,
        addrs: [],
        direction: null,
        score: this.limits.banThreshold,
        gossipScore: 0,
        banned: true,
      });
    }
    return out;
  }

  syncing(): boolean {
    return this.sync.syncing;
  }

  stateMismatches(): number {
    return this.mismatches;
  }

  /** Devnet partition control: drop these peers and refuse them both ways until `unblockAll`. */
  async blockPeers(peerIds: readonly string[]): Promise<void> {
    await this.peerManager.block(peerIds);
  }

  unblockAll(): void {
    this.peerManager.unblockAll();
  }

  private host(): Host {
    if (!this.libp2p) throw new Error('the P2P node is not started');
    return this.libp2p;
  }

  // --- Peers ----------------------------------------------------------------------------------------

  private onPeerConnect(peerId: PeerId): void {
    const peer = peerId.toString();
    const conn = this.libp2p?.getConnections(peerId)[0];
    this.peerManager.onConnect(peer);
    this.sync.addPeer(peer);
    this.logger.info({ peer, addr: conn?.remoteAddr.toString() }, 'peer connected');
    this.emit('peer:connect', { peerId: peer, direction: conn?.direction ?? 'outbound' });
    void this.exchangeStatus(peer);
    void this.exchangePeers(peer);
  }

  private onPeerDisconnect(peerId: PeerId): void {
    const peer = peerId.toString();
    this.sync.removePeer(peer);
    this.peerManager.onDisconnect(peer);
    for (const r of this.rates.values()) r.forget(peer);
    this.scores.forget(peer);
    this.logger.info({ peer }, 'peer disconnected');
    this.emit('peer:disconnect', { peerId: peer });
  }

  /** Lowers a peer's score; past the threshold it is disconnected and banned. */
  private penalise(peer: string, offence: Offence, reason: string): void {
    this.logger.warn({ peer, offence, reason }, 'peer misbehaved');
    if (!this.scores.penalise(peer, offence)) return;
    this.logger.warn({ peer, reason }, 'peer banned');
    this.emit('peer:banned', { peerId: peer, reason });
    this.sync.removePeer(peer);
    void this.peerManager.hangUp(peer);
  }

  private connectedPeers(): string[] {
    return this.libp2p?.getPeers().map((p) => p.toString()) ?? [];
  }

  private statusRound(): void {
    for (const peer of this.connectedPeers()) void this.exchangeStatus(peer);
  }

  private peerExchangeRound(): void {
    const peers = this.connectedPeers();
    if (peers.length === 0 || peers.length >= (this.opts.targetPeers ?? 8)) return;
    void this.exchangePeers(peers[Math.floor(Math.random() * peers.length)]!);
  }

  // --- Requests we make -----------------------------------------------------------------------------

  private exchange<T>(
    peer: string,
    protocol: string,
    request: Uint8Array,
    maxFrame: number,
    read: (fs: FramedStream) => Promise<T>,
  ): Promise<T> {
    const host = this.host();
    return clientExchange(
      (signal) => host.dialProtocol(peerIdFromString(peer), protocol, { signal }),
      request,
      { maxFrame, timeoutMs: this.limits.exchangeTimeoutMs },
      read,
    );
  }

  private ourStatus(): Status {
    const tip = this.chain.tip;
    return {
      genesisHash: this.params.genesisHash,
      tipHash: tip.hash,
      height: tip.header.height,
      chainWork: tip.chainWork,
      stateDigest: this.chain.stateDigest,
    };
  }

  private async exchangeStatus(peer: string): Promise<void> {
    if (!this.libp2p) return;
    try {
      const theirs = await this.exchange(
        peer,
        this.ids.statusProtocol,
        encodeStatus(this.ourStatus()),
        STATUS_BYTES,
        async (fs) => decodeStatus(await fs.read()),
      );
      this.onStatus(peer, theirs);
    } catch (e) {
      this.onRequestError(peer, 'status', e);
    }
  }

  private async exchangePeers(peer: string): Promise<void> {
    if (!this.libp2p) return;
    try {
      const addrs = await this.exchange(
        peer,
        this.ids.peersProtocol,
        new Uint8Array(0),
        PEERS_RESPONSE_MAX_BYTES,
        async (fs) => decodePeersResponse(await fs.read()),
      );
      this.peerManager.learnAddrs(addrs);
      this.peerManager.maintain();
    } catch (e) {
      this.onRequestError(peer, 'peers', e);
    }
  }

  private requestHeaders(peer: string, locator: readonly Hash[], maxHeaders: number): Promise<BlockHeader[]> {
    return this.exchange(
      peer,
      this.ids.headersProtocol,
      encodeHeadersRequest({ locator, maxHeaders }),
      HEADERS_RESPONSE_MAX_BYTES,
      async (fs) => decodeHeadersResponse(await fs.read(), maxHeaders),
    );
  }

  private requestBlocks(peer: string, hashes: readonly Hash[]): Promise<Block[]> {
    return this.exchange(
      peer,
      this.ids.blocksProtocol,
      encodeBlocksRequest(hashes),
      Math.max(this.params.maxBlockBytes, 4),
      (fs) => readBlocksResponse(fs, hashes, this.params.maxBlockBytes),
    );
  }

  /** A request of ours failed: unsupported protocol means another network; other failures score the peer. */
  private onRequestError(peer: string, what: string, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof ProtocolError && e.code === 'UNSUPPORTED') {
      // Status is the one protocol every Cairn node of this chain speaks (its id names the genesis):
      // a peer without it is on another chain. Any other protocol may just be one it does not offer.
      if (what === 'status') this.wrongChain(peer, `it does not speak ${this.ids.statusProtocol}`);
      return;
    }
    if (e instanceof ProtocolError && e.code !== 'CLOSED') {
      this.penalise(peer, offenceFor(e), `${what}: ${e.message}`);
      return;
    }
    this.logger.debug({ peer, what, err: message }, 'request failed');
  }

  private wrongChain(peer: string, why: string): void {
    this.logger.warn({ peer, why }, 'peer is on another chain: disconnecting');
    this.penalise(peer, 'wrongChain', why);
  }

  // --- Requests we serve ----------------------------------------------------------------------------

  private limiter(protocol: string): RateLimiter {
    let r = this.rates.get(protocol);
    if (!r) {
      r = new RateLimiter(this.limits.requestsPerSecond, this.limits.requestsPerSecond * 4);
      this.rates.set(protocol, r);
    }
    return r;
  }

  private admit(stream: Stream, peer: string, protocol: string): boolean {
    if (this.limiter(protocol).take(peer)) return true;
    stream.abort(new ProtocolError('RATE_LIMITED', 'too many requests'));
    this.penalise(peer, 'rateLimited', `${protocol}: over ${this.limits.requestsPerSecond} requests/s`);
    return false;
  }

  private limitsFor(maxFrame: number) {
    return { maxFrame, timeoutMs: this.limits.exchangeTimeoutMs };
  }

  private async serveStatus(stream: Stream, peer: string): Promise<void> {
    if (!this.admit(stream, peer, 'status')) return;
    let theirs: Status | undefined;
    await serverExchange(stream, this.limitsFor(STATUS_BYTES), async (req, fs) => {
      theirs = decodeStatus(req);
      if (!bytesEqual(theirs.genesisHash, this.params.genesisHash)) {
        throw new ProtocolError('UNEXPECTED', 'status from another chain');
      }
      await fs.write(encodeStatus(this.ourStatus()));
    });
    if (theirs) this.onStatus(peer, theirs);
  }

  private async serveHeaders(stream: Stream, peer: string): Promise<void> {
    if (!this.admit(stream, peer, 'headers')) return;
    await serverExchange(stream, this.limitsFor(HEADERS_REQUEST_MAX_BYTES), async (req, fs) => {
      const { locator, maxHeaders } = decodeHeadersRequest(req);
      await fs.write(encodeHeadersResponse(headersAfter(this.chain, locator, maxHeaders)));
    });
  }

  private async serveBlocks(stream: Stream, peer: string): Promise<void> {
    if (!this.admit(stream, peer, 'blocks')) return;
    await serverExchange(stream, this.limitsFor(BLOCKS_REQUEST_MAX_BYTES), async (req, fs) => {
      const hashes = decodeBlocksRequest(req);
      await writeBlocksResponse(fs, hashes, (h) => this.chain.getBlockBytes(h), BLOCKS_RESPONSE_BUDGET);
    });
  }

  private async servePeers(stream: Stream, peer: string): Promise<void> {
    if (!this.admit(stream, peer, 'peers')) return;
    await serverExchange(stream, this.limitsFor(0), async (req, fs) => {
      if (req.length !== 0) throw new ProtocolError('MALFORMED', 'a peers request is empty');
      await fs.write(encodePeersResponse(this.peerManager.shareable(peer)));
    });
  }

  private onServeError(peer: string, protocol: string, e: unknown): void {
    if (e instanceof ProtocolError && e.code === 'UNEXPECTED' && protocol === this.ids.statusProtocol) {
      this.wrongChain(peer, 'its status names another genesis');
      return;
    }
    if (e instanceof ProtocolError && e.code !== 'CLOSED') {
      this.penalise(peer, offenceFor(e), `serving ${protocol}: ${e.message}`);
      return;
    }
    this.logger.debug({ peer, protocol, err: String(e) }, 'serving a request failed');
  }

  // --- Status and state checks ----------------------------------------------------------------------

  private onStatus(peer: string, theirs: Status): void {
    if (!bytesEqual(theirs.genesisHash, this.params.genesisHash)) {
      this.wrongChain(peer, 'its status names another genesis');
      return;
    }
    // Same tip, same blocks: the account state must be the same too. If not, one of us has a bug (or a
    // corrupted datadir): say so loudly, it is the one thing consensus cannot tolerate silently.
    const tip = this.chain.tip;
    if (bytesEqual(theirs.tipHash, tip.hash) && !bytesEqual(theirs.stateDigest, this.chain.stateDigest)) {
      this.mismatches++;
      const m: StateMismatch = {
        peer,
        tipHash: tip.hex,
        ours: toHex(this.chain.stateDigest),
        theirs: toHex(theirs.stateDigest),
      };
      this.logger.error(m, 'STATE MISMATCH: a peer at our tip has a different state digest');
      this.emit('state:mismatch', m);
    }
    this.sync.onStatus(peer, theirs);
  }

  // --- Gossip ---------------------------------------------------------------------------------------

  private async onGossip({ propagationSource, msgId, msg }: GossipsubMessage): Promise<void> {
    const from = propagationSource.toString();
    const pubsub = this.libp2p?.services.pubsub;
    if (!pubsub) return;
    const topic =
      msg.topic === this.ids.blocksTopic ? 'blocks' : msg.topic === this.ids.txsTopic ? 'txs' : undefined;
    let verdict: Verdict;
    if (!topic) {
      verdict = 'reject';
    } else if (this.pendingValidations >= this.limits.maxPendingValidations) {
      verdict = 'ignore'; // overloaded: drop without judging (the sync will fetch blocks we missed)
    } else {
      this.pendingValidations++;
      let outcome: GossipOutcome;
      try {
        outcome =
          topic === 'blocks'
            ? await this.validateBlock(msg.data, from)
            : await this.validateTx(msg.data, from);
      } catch (error) {
        outcome = { error };
      } finally {
        this.pendingValidations--;
      }
      verdict = gossipVerdict(outcome);
      if (verdict === 'reject') {
        const reason = 'error' in outcome ? describe(outcome.error) : 'invalid';
        this.penalise(from, topic === 'blocks' ? 'invalidBlock' : 'invalidTx', `gossip ${topic}: ${reason}`);
      }
    }
    pubsub.reportMessageValidationResult(msgId, from, RESULT[verdict]);
    this.emit('gossip', { topic: topic ?? 'blocks', msgId, from, verdict });
  }

  private async validateBlock(data: Uint8Array, from: string): Promise<GossipOutcome> {
    if (data.length > this.params.maxBlockBytes) {
      return { error: new ProtocolError('OVERSIZED', `a ${data.length}-byte block message`) };
    }
    const block = decodeBlock(data, this.params.maxBlockBytes);
    const result = await this.processNetworkBlock(block, from, 'gossip');
    if (result.status === 'orphan') {
      // We lack its parent: the sender has it. Headers-first from the sender fills the gap.
      this.sync.requestHeaders(from);
    } else if (result.status !== 'duplicate') {
      const entry = this.chain.index.get(result.hash);
      if (entry) this.sync.onPeerHas(from, entry);
    }
    return { block: result.status };
  }

  private async validateTx(data: Uint8Array, from: string): Promise<GossipOutcome> {
    if (data.length !== TX_BYTES) {
      return { error: new ProtocolError('MALFORMED', `a tx is ${TX_BYTES} bytes, not ${data.length}`) };
    }
    const tx = decodeTx(data);
    // Marked before the pool sees it: the pool emits 'tx:added' before `add` resolves.
    const key = `tx:${toHex(txId(tx))}`;
    this.fromNetwork.add(key);
    try {
      await this.mempool.add(tx, originNow('gossip', from));
    } finally {
      this.fromNetwork.take(key);
    }
    return { tx: 'added' };
  }

  /** Blocks from gossip and sync go through here, so their 'block:connected' is not re-published. */
  private processNetworkBlock(block: Block, from: string, how: 'gossip' | 'sync'): Promise<ProcessResult> {
    this.fromNetwork.add(`block:${toHex(blockHash(block.header))}`);
    return this.chain.processBlock(block, originNow(how, from));
  }

  private onLocalBlock({ entry, block }: ConnectedBlock): void {
    if (this.fromNetwork.take(`block:${entry.hex}`)) return;
    this.publish(this.ids.blocksTopic, encodeBlock(block));
  }

  private onLocalTx(tx: Tx, id: Hash): void {
    if (this.fromNetwork.take(`tx:${toHex(id)}`)) return;
    this.publish(this.ids.txsTopic, encodeTx(tx));
  }

  private publish(topic: string, data: Uint8Array): void {
    const pubsub = this.libp2p?.services.pubsub;
    if (!pubsub) return;
    pubsub.publish(topic, data).catch((e) => {
      // Publishing to nobody is not an error worth more than a debug line: peers catch up by sync.
      this.logger.debug({ topic, err: String(e) }, 'publish failed');
    });
  }
}

const RESULT: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject,
};

function offenceFor(e: ProtocolError): Offence {
  switch (e.code) {
    case 'OVERSIZED':
      return 'oversized';
    case 'MALFORMED':
      return 'garbage';
    case 'TIMEOUT':
      return 'timeout';
    case 'RATE_LIMITED':
      return 'rateLimited';
    default:
      return 'badResponse';
  }
}

function describe(e: unknown): string {
  const code = (e as { code?: string })?.code;
  const message = e instanceof Error ? e.message : String(e);
  return code ? `${code} ${message}` : message;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
