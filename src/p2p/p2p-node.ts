// The P2P service: one object the node starts and stops. It owns the libp2p host (host.ts) and wires the
// parts to it and to each other; each part does one job:
//
//   gossip       gossip.ts: the blocks and txs topics, in (judged, outcome.ts) and out (by origin).
//   requests     reqresp.ts: status, headers, blocks and peers are served and asked for, with size limits,
//                deadlines and per-peer rate limits; each protocol's codec, server handler and client
//                call live in one file under protocols/. What a failure costs the peer: outcome.ts.
//   status       state-check.ts: another chain, or a state mismatch at the same tip.
//   sync         sync.ts: statuses drive headers-first sync.
//   peers        peer-manager.ts dials, redials and refuses; misbehaviour lowers a peer's score until it
//                is banned (scoring.ts).
//
// This file logs what only it knows: peers connecting, disconnecting, misbehaving and being banned.
// Core: this is the role of CConnman + PeerManagerImpl (net.cpp, net_processing.cpp).
import { EventEmitter } from 'node:events';
import type { GossipsubMessage } from '@libp2p/gossipsub';
import type { IdentifyResult, PeerId, PeerInfo } from '@libp2p/interface';
import type { ChainParams } from '../consensus/types.js';
import type { Logger } from '../util/logger.js';
import type { P2PChain, P2PMempool } from './chain-view.js';
import { DEFAULT_EXCHANGE_TIMEOUT_MS } from './framing.js';
import { Gossip, type GossipReport } from './gossip.js';
import { createHost, type Host, loadOrCreatePeerKey } from './host.js';
import { PeerManager } from './peer-manager.js';
import type { Status } from './protocols/status.js';
import { ReqResp } from './reqresp.js';
import { DEFAULT_SCORING, type Offence, PeerScores } from './scoring.js';
import { StateCheck, type StateMismatch } from './state-check.js';
import { DEFAULT_SYNC_LIMITS, Sync, type SyncLimits, type SyncProgress, type SyncState } from './sync.js';
import { type NetworkIds, networkIds } from './topics.js';

export type { GossipReport } from './gossip.js';
export type { StateMismatch } from './state-check.js';

/** Tunables; every one has a default. Tests shorten the intervals. */
export interface P2PLimits {
  /** Connections the peer manager keeps (it dials learned peers while below). */
  readonly targetPeers: number;
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
  targetPeers: 8,
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
  readonly chain: P2PChain;
  readonly mempool: P2PMempool;
  readonly datadir: string;
  /** TCP port to listen on (0: any free port). */
  readonly port: number;
  /** Interface to listen on (default 0.0.0.0: all). */
  readonly host?: string;
  /** Multiaddrs to tell peers to dial instead of the listen address (`cairn start --announce`). */
  readonly announce?: readonly string[];
  /** Find peers on the local network by multicast DNS (`cairn start --mdns`). */
  readonly mdns?: boolean;
  /** Multiaddrs to dial at start and keep redialling. */
  readonly bootstrap?: readonly string[];
  readonly logger: Logger;
}

/** A peer as `peers()` lists it: connected now, or banned (then `direction` is null). */
export interface ConnectedPeer {
  readonly peerId: string;
  readonly addrs: string[];
  readonly direction: 'inbound' | 'outbound' | null;
  /** The node's own score of the peer (0 is neutral; the ban threshold is negative). */
  readonly score: number;
  /** Gossipsub's score of the peer, for comparison (0 if not connected). */
  readonly gossipScore: number;
  readonly banned: boolean;
}

/** Events for metrics and tests; the facts themselves are logged once, where they happen. */
export interface P2PNodeEvents {
  'peer:connect': [{ peerId: string; direction: 'inbound' | 'outbound' }];
  'peer:disconnect': [{ peerId: string }];
  'peer:banned': [{ peerId: string; reason: string }];
  'sync:progress': [SyncProgress];
  'state:mismatch': [StateMismatch];
  /** Every gossip message judged, with its verdict. */
  gossip: [GossipReport];
}

export class P2PNode extends EventEmitter<P2PNodeEvents> {
  readonly ids: NetworkIds;
  private readonly limits: P2PLimits;
  private readonly scores: PeerScores;
  private readonly peerManager: PeerManager;
  private readonly sync: Sync;
  private readonly gossip: Gossip;
  private readonly stateCheck: StateCheck;
  private readonly reqresp: ReqResp;
  private libp2p: Host | undefined;
  private id: string | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: P2PNodeOptions) {
    super();
    const { params, chain, mempool, logger } = opts;
    this.limits = { ...DEFAULT_P2P_LIMITS, ...stripUndefined(opts) };
    this.ids = networkIds(params.genesisHash);
    this.scores = new PeerScores({
      banThreshold: this.limits.banThreshold,
      banMs: this.limits.banMs,
      recoveryPerMinute: DEFAULT_SCORING.recoveryPerMinute,
    });
    this.peerManager = new PeerManager({
      bootstrap: opts.bootstrap ?? [],
      targetPeers: this.limits.targetPeers,
      logger,
      isBanned: (p) => this.scores.isBanned(p),
      maintenanceMs: this.limits.maintenanceMs,
      backoffInitialMs: this.limits.backoffInitialMs,
      backoffMaxMs: this.limits.backoffMaxMs,
      maxKnownPeers: this.limits.maxKnownPeers,
    });
    this.sync = new Sync(
      chain,
      {
        headers: (peer, locator, max) => this.reqresp.headers(peer, locator, max),
        blocks: (peer, hashes) => this.reqresp.blocks(peer, hashes),
        penalise: (peer, offence, reason) => this.penalise(peer, offence, reason),
      },
      logger,
      this.limits.sync,
    );
    this.sync.on('progress', (p) => this.emit('sync:progress', p));
    this.gossip = new Gossip({
      ids: this.ids,
      maxBlockBytes: params.maxBlockBytes,
      chain,
      mempool,
      logger,
      maxPendingValidations: this.limits.maxPendingValidations,
      onOrphan: (peer) => this.sync.requestHeaders(peer),
      onPeerHas: (peer, entry) => this.sync.onPeerHas(peer, entry),
      penalise: (peer, offence, reason) => this.penalise(peer, offence, reason),
      report: (r) => this.emit('gossip', r),
    });
    this.stateCheck = new StateCheck(params.genesisHash, chain, logger, (m) =>
      this.emit('state:mismatch', m),
    );
    this.reqresp = new ReqResp(
      {
        ids: this.ids,
        maxBlockBytes: params.maxBlockBytes,
        timeoutMs: this.limits.exchangeTimeoutMs,
        requestsPerSecond: this.limits.requestsPerSecond,
        chain,
        stateCheck: this.stateCheck,
        shareable: (peer) => this.peerManager.shareable(peer),
        onStatus: (peer, theirs) => this.onStatus(peer, theirs),
        penalise: (peer, offence, reason) => this.penalise(peer, offence, reason),
        logger,
      },
      () => this.host(),
    );
  }

  // --- Lifecycle ------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.libp2p) return;
    const { params } = this.opts;
    const privateKey = await loadOrCreatePeerKey(this.opts.datadir);
    const host = await createHost({
      privateKey,
      host: this.opts.host ?? '0.0.0.0',
      port: this.opts.port,
      announce: this.opts.announce,
      mdns: this.opts.mdns,
      topics: [this.ids.blocksTopic, this.ids.txsTopic],
      // A block at the size limit, plus room for gossipsub's protobuf envelope and control messages.
      maxMessageBytes: params.maxBlockBytes + 64 * 1024,
      gater: this.peerManager.gater,
      maxConnections: this.limits.maxConnections,
      ownScore: (p) => this.scores.score(p),
    });
    this.libp2p = host;
    this.id = host.peerId.toString();

    await this.reqresp.handle(host);

    const pubsub = host.services.pubsub;
    pubsub.addEventListener('gossipsub:message', (evt: CustomEvent<GossipsubMessage>) => {
      void this.gossip.onMessage(evt.detail);
    });
    this.gossip.start(pubsub);

    host.addEventListener('peer:connect', (evt) => this.onPeerConnect(evt.detail));
    host.addEventListener('peer:disconnect', (evt) => this.onPeerDisconnect(evt.detail));
    host.addEventListener('peer:identify', (evt: CustomEvent<IdentifyResult>) =>
      this.peerManager.onIdentify(evt.detail.peerId.toString(), evt.detail.listenAddrs),
    );
    // A peer found by mDNS: libp2p (since 1.0) only reports it, so it goes into the address book and the
    // peer manager dials it while we are below the target, as it does with peer-exchange addresses.
    host.addEventListener('peer:discovery', (evt: CustomEvent<PeerInfo>) => {
      const peer = evt.detail.id.toString();
      if (this.peerManager.discovered(peer, evt.detail.multiaddrs))
        this.opts.logger.info({ peer, addrs: evt.detail.multiaddrs.map(String) }, 'peer discovered');
    });

    await host.start();
    this.peerManager.start(host);
    this.timers.push(
      setInterval(() => this.statusRound(), this.limits.statusIntervalMs),
      setInterval(() => this.peerExchangeRound(), this.limits.peerExchangeIntervalMs),
    );
    for (const t of this.timers) t.unref();
    this.opts.logger.info({ peerId: this.peerId, addrs: this.multiaddrs() }, 'p2p listening');
  }

  async stop(): Promise<void> {
    const host = this.libp2p;
    if (!host) return;
    this.libp2p = undefined;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.gossip.stop();
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

  /**
   * Addresses others can dial, with /p2p/<id>: the announced ones (`--announce`) if any, else one per
   * interface we listen on, loopback first (what a devnet on one machine dials), then the LAN addresses
   * that other machines can use.
   */
  multiaddrs(): string[] {
    const all = this.host()
      .getMultiaddrs()
      .map((a) => a.toString());
    const loopback = (a: string) => a.startsWith('/ip4/127.') || a.startsWith('/ip6/::1/');
    return [...all.filter(loopback), ...all.filter((a) => !loopback(a))];
  }

  /** Connected peers, and banned peers while their ban lasts. */
  peers(): ConnectedPeer[] {
    const host = this.host();
    const pubsub = host.services.pubsub;
    const out: ConnectedPeer[] = [];
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
      const banned = { addrs: [], direction: null, score: this.limits.banThreshold, gossipScore: 0 };
      out.push({ peerId: peer, ...banned, banned: true });
    }
    return out;
  }

  syncing(): boolean {
    return this.sync.syncing;
  }

  /** Synced height, target height and rate (the sync service owns them). */
  syncState(): SyncState {
    return this.sync.state();
  }

  stateMismatches(): number {
    return this.stateCheck.count;
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
    const direction = conn?.direction ?? 'outbound';
    this.peerManager.onConnect(peer);
    this.sync.addPeer(peer);
    this.opts.logger.info({ peer, direction, addr: conn?.remoteAddr.toString() }, 'peer connected');
    this.emit('peer:connect', { peerId: peer, direction });
    void this.exchangeStatus(peer);
    void this.exchangePeers(peer);
  }

  private onPeerDisconnect(peerId: PeerId): void {
    const peer = peerId.toString();
    this.sync.removePeer(peer);
    this.peerManager.onDisconnect(peer);
    this.reqresp.forget(peer);
    this.scores.forget(peer);
    this.opts.logger.info({ peer }, 'peer disconnected');
    this.emit('peer:disconnect', { peerId: peer });
  }

  /** Lowers a peer's score; past the threshold it is disconnected and banned. */
  private penalise(peer: string, offence: Offence, reason: string): void {
    this.opts.logger.warn({ peer, offence, reason }, 'peer misbehaved');
    if (!this.scores.penalise(peer, offence)) return;
    this.opts.logger.warn({ peer, reason }, 'peer banned');
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
    if (peers.length === 0 || peers.length >= this.limits.targetPeers) return;
    void this.exchangePeers(peers[Math.floor(Math.random() * peers.length)]!);
  }

  // --- Requests -------------------------------------------------------------------------------------

  private async exchangeStatus(peer: string): Promise<void> {
    if (!this.libp2p) return;
    try {
      this.onStatus(peer, await this.reqresp.status(peer));
    } catch (e) {
      this.reqresp.failed(peer, 'status', 'request', e);
    }
  }

  private async exchangePeers(peer: string): Promise<void> {
    if (!this.libp2p) return;
    try {
      this.peerManager.learnAddrs(await this.reqresp.peers(peer));
      this.peerManager.maintain();
    } catch (e) {
      this.reqresp.failed(peer, 'peers', 'request', e);
    }
  }

  /** A peer's status, from either side of the exchange: judged (state-check.ts), then followed (sync). */
  private onStatus(peer: string, theirs: Status): void {
    try {
      this.stateCheck.check(peer, theirs);
    } catch (e) {
      this.reqresp.failed(peer, 'status', 'status', e);
      return;
    }
    this.sync.onStatus(peer, theirs);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
