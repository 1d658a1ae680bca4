// The peer manager: whom to be connected to. It keeps an address book (bootstrap addresses, and the
// addresses peers tell us about through peer exchange), keeps `targetPeers` connections by dialling
// learned peers when below it, and redials peers we lost (bootstrap peers included) with exponential
// backoff. No node is special: once every node has learned the others' addresses, losing any one of
// them, even the one everybody bootstrapped from, does not split the rest (docs/P2P.md).
// (Core: CAddrMan, the -addnode/-seednode lists, and ThreadOpenConnections.)
//
// It also owns the connection gater, the one place where libp2p asks "may this peer connect?": banned
// peers and peers blocked by the operator (the devnet's partition control) are refused both ways.
import type { ConnectionGater, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { Logger } from '../util/logger.js';
import type { Host } from './host.js';

export interface PeerManagerOptions {
  readonly bootstrap: readonly string[];
  readonly targetPeers: number;
  readonly logger: Logger;
  readonly isBanned: (peer: string) => boolean;
  /** How often to check connections and dial (ms). */
  readonly maintenanceMs: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** At most this many peers in the address book. */
  readonly maxKnownPeers: number;
}

interface KnownPeer {
  addrs: Multiaddr[];
  failures: number;
  nextDialAt: number;
  /** We were connected once: a lost peer is redialled even when we have enough others. */
  wasConnected: boolean;
  seenAt: number;
}

export class PeerManager {
  readonly gater: ConnectionGater;
  private host: Host | undefined;
  private readonly known = new Map<string, KnownPeer>();
  private readonly blocked = new Set<string>();
  /** Bootstrap addresses without a /p2p/ part, by address string, with their own backoff. */
  private readonly anonymous = new Map<string, { addr: Multiaddr; failures: number; nextDialAt: number }>();
  private readonly dialling = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private selfId = '';

  constructor(private readonly opts: PeerManagerOptions) {
    const refused = (peerId: PeerId) => this.refuses(peerId.toString());
    this.gater = {
      denyDialPeer: refused,
      denyInboundEncryptedConnection: refused,
      denyOutboundEncryptedConnection: refused,
      denyInboundUpgradedConnection: refused,
      denyOutboundUpgradedConnection: refused,
    };
  }

  /** Blocked by the operator or banned for misbehaviour. */
  refuses(peer: string): boolean {
    return this.blocked.has(peer) || this.opts.isBanned(peer);
  }

  start(host: Host): void {
    this.host = host;
    this.selfId = host.peerId.toString();
    for (const a of this.opts.bootstrap) {
      const addr = multiaddr(a);
      const id = peerIdOf(addr);
      if (id) this.learn(id, [addr], true);
      else this.anonymous.set(a, { addr, failures: 0, nextDialAt: 0 });
    }
    this.timer = setInterval(() => this.maintain(), this.opts.maintenanceMs);
    this.timer.unref();
    this.maintain();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.host = undefined;
  }

  /** Adds addresses (each ending in /p2p/<id>) learned from a peer. Bounded: the oldest entries go. */
  learnAddrs(addrs: readonly string[]): void {
    for (const a of addrs) {
      let addr: Multiaddr;
      try {
        addr = multiaddr(a);
      } catch {
        continue;
      }
      const id = peerIdOf(addr);
      if (id) this.learn(id, [addr], false);
    }
  }

  private learn(id: string, addrs: Multiaddr[], bootstrap: boolean): void {
    if (id === this.selfId) return;
    const k = this.known.get(id);
    if (k) {
      for (const a of addrs) if (!k.addrs.some((x) => x.equals(a))) k.addrs.push(a);
      k.addrs = k.addrs.slice(-8);
      k.seenAt = Date.now();
      if (bootstrap) k.wasConnected = true;
      return;
    }
    if (this.known.size >= this.opts.maxKnownPeers) {
      let oldest: [string, KnownPeer] | undefined;
      for (const e of this.known)
        if (!e[1].wasConnected && (!oldest || e[1].seenAt < oldest[1].seenAt)) oldest = e;
      if (!oldest) return;
      this.known.delete(oldest[0]);
    }
    // A bootstrap peer counts as "was connected": we keep trying it whatever our peer count.
    this.known.set(id, { addrs, failures: 0, nextDialAt: 0, wasConnected: bootstrap, seenAt: Date.now() });
  }

  onConnect(peer: string): void {
    const k = this.known.get(peer);
    if (k) {
      k.failures = 0;
      k.nextDialAt = 0;
      k.wasConnected = true;
    }
  }

  onDisconnect(peer: string): void {
    const k = this.known.get(peer);
    if (k) k.nextDialAt = Date.now() + this.backoff(k.failures);
  }

  /** Multiaddrs of connected peers (for peer exchange), each with /p2p/<id>, excluding `asker`. */
  shareable(asker: string): string[] {
    const host = this.host;
    if (!host) return [];
    const out: string[] = [];
    for (const id of host.getPeers()) {
      const peer = id.toString();
      if (peer === asker || this.refuses(peer)) continue;
      const k = this.known.get(peer);
      for (const a of k?.addrs ?? []) out.push(a.toString());
    }
    return out;
  }

  /**
   * A peer found on the local network (mDNS): its dialable addresses go into the address book and the
   * peer is dialled now if we are below the target. Loopback addresses are left out: on a LAN they name
   * the finder's own machine, not the peer's. Returns true the first time we hear of the peer.
   */
  discovered(peer: string, addrs: readonly Multiaddr[]): boolean {
    if (peer === this.selfId || this.refuses(peer)) return false;
    const usable = dialable(peer, addrs, UNSPECIFIED_OR_LOOPBACK);
    if (usable.length === 0) return false;
    const isNew = !this.known.has(peer);
    this.learn(peer, usable, false);
    if (isNew) this.maintain();
    return isNew;
  }

  /** Records the listen addresses a peer announced (identify), so we can share and redial them. */
  onIdentify(peer: string, listenAddrs: readonly Multiaddr[]): void {
    const usable = dialable(peer, listenAddrs, UNSPECIFIED);
    if (usable.length > 0) this.learn(peer, usable, false);
    this.onConnect(peer);
  }

  /** Drops the connection to these peers and refuses them until `unblockAll` (devnet partitions). */
  async block(peers: readonly string[]): Promise<void> {
    for (const p of peers) this.blocked.add(p);
    await Promise.all(peers.map((p) => this.hangUp(p)));
  }

  unblockAll(): void {
    this.blocked.clear();
    for (const k of this.known.values()) {
      k.failures = 0;
      k.nextDialAt = 0;
    }
    this.maintain();
  }

  async hangUp(peer: string): Promise<void> {
    try {
      await this.host?.hangUp(peerIdFromString(peer));
    } catch (e) {
      this.opts.logger.debug({ peer, err: String(e) }, 'hang up failed');
    }
  }

  private backoff(failures: number): number {
    const base = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * 2 ** failures);
    return base * (0.75 + Math.random() * 0.5); // jitter, so restarting nodes do not all dial at once
  }

  /** Dials: lost and bootstrap peers always (with backoff), learned peers while below the target. */
  maintain(): void {
    const host = this.host;
    if (!host) return;
    const now = Date.now();
    const connected = new Set(host.getPeers().map((p) => p.toString()));
    let room = this.opts.targetPeers - connected.size - this.dialling.size;
    for (const [id, k] of this.known) {
      if (connected.has(id) || this.dialling.has(id) || this.refuses(id) || k.nextDialAt > now) continue;
      if (!k.wasConnected) {
        if (room <= 0) continue;
        room--;
      }
      this.dial(id, k);
    }
    for (const [key, a] of this.anonymous) {
      if (a.nextDialAt > now || this.dialling.has(key)) continue;
      if (host.getConnections().some((c) => c.remoteAddr.equals(a.addr))) continue;
      this.dialling.add(key);
      host
        .dial(a.addr, { signal: AbortSignal.timeout(10_000) })
        .then((conn) => {
          // Now we know who it is: remember it as a bootstrap peer with a peer id.
          this.anonymous.delete(key);
          this.learn(conn.remotePeer.toString(), [a.addr.encapsulate(`/p2p/${conn.remotePeer}`)], true);
        })
        .catch(() => {
          a.failures++;
          a.nextDialAt = Date.now() + this.backoff(a.failures);
        })
        .finally(() => this.dialling.delete(key));
    }
  }

  private dial(id: string, k: KnownPeer): void {
    const host = this.host;
    if (!host) return;
    this.dialling.add(id);
    host
      .dial(k.addrs, { signal: AbortSignal.timeout(10_000) })
      .then(() => this.onConnect(id))
      .catch((e) => {
        k.failures++;
        k.nextDialAt = Date.now() + this.backoff(k.failures);
        this.opts.logger.debug({ peer: id, failures: k.failures, err: String(e) }, 'dial failed');
      })
      .finally(() => this.dialling.delete(id));
  }
}

/** The peer id in a multiaddr's /p2p/ part, if it has one. */
/** Listen addresses no other machine can dial: the unspecified address (identify may report it). */
const UNSPECIFIED = /^\/ip4\/0\.0\.0\.0/;
/** Also loopback: in an address found on the LAN, it names the finder's own machine. */
const UNSPECIFIED_OR_LOOPBACK = /^\/ip4\/(127\.|0\.0\.0\.0)|^\/ip6\/::1?\//;

/** A peer's TCP addresses that `unusable` does not match, each ending in /p2p/<peer>. */
function dialable(peer: string, addrs: readonly Multiaddr[], unusable: RegExp): Multiaddr[] {
  return addrs
    .filter((a) => {
      const s = a.toString();
      return s.includes('/tcp/') && !unusable.test(s);
    })
    .map((a) => (peerIdOf(a) ? a : a.encapsulate(`/p2p/${peer}`)));
}

export function peerIdOf(addr: Multiaddr): string | undefined {
  return addr.getComponents().find((c) => c.name === 'p2p')?.value;
}
