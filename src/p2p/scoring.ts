// Misbehaviour scoring: the node's own score per peer, the ban list, per-peer request rate limits, and
// the gossipsub v1.1 score parameters.
//
// Two scores watch each peer. Gossipsub's (v1.1 peer scoring) sees only gossip: it punishes invalid
// messages (P4) and decides whom to keep in the mesh. The node's own score sees everything else too:
// invalid blocks and txs, garbage or oversized frames, broken request/response exchanges, rate-limit
// violations. Past BAN_THRESHOLD the peer is disconnected and banned for a while; the connection gater
// refuses it in both directions until the ban ends. (Core: Misbehaving() with its 100-point
// discouragement threshold, and the BanMan ban list.) The node feeds its own score into gossipsub as the
// application-specific score (P5), so the two agree about who is bad.

import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from '@libp2p/gossipsub/score';
import { isPrivateIp } from '@libp2p/utils';

/** How much each offence costs. A ban takes a total of -100. */
export const PENALTIES = {
  invalidBlock: 100, // a block that breaks a consensus rule (Core: Misbehaving(100) in MaybePunishNodeForBlock)
  invalidTx: 50, // a tx that is invalid everywhere (bad signature, bad encoding): two strikes
  garbage: 50, // bytes that do not decode as what the topic or protocol carries
  oversized: 50, // a frame over the protocol's limit
  badResponse: 25, // an answer that is not an answer to what we asked (unrequested blocks, unlinked headers)
  wrongChain: 100, // a different genesis: another network
  rateLimited: 10,
  timeout: 5, // slow is not malicious, but a peer that never answers is useless
} as const;

export type Offence = keyof typeof PENALTIES;

export interface ScoringOptions {
  /** Score at or below which a peer is banned. */
  readonly banThreshold: number;
  /** How long a ban lasts (ms). */
  readonly banMs: number;
  /** Points a peer's negative score recovers per whole minute of good behaviour. */
  readonly recoveryPerMinute: number;
}

export const DEFAULT_SCORING: ScoringOptions = {
  banThreshold: -100,
  banMs: 10 * 60_000,
  recoveryPerMinute: 5,
};

/**
 * Peers tracked at most, in scores and in bans. Every entry costs an attacker a fresh key and a Noise
 * handshake, but without a bound a patient one could still grow the maps forever; past it, the oldest
 * entries go.
 */
const MAX_TRACKED = 4096;

function bound<V>(map: Map<string, V>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value!);
}

interface ScoreRecord {
  score: number;
  at: number;
}

/** The node's own per-peer scores and its ban list. `now` is injectable so tests control time. */
export class PeerScores {
  private readonly scores = new Map<string, ScoreRecord>();
  private readonly bans = new Map<string, number>(); // peer id → ban end (ms)

  constructor(
    private readonly opts: ScoringOptions = DEFAULT_SCORING,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current score: negative scores recover toward 0, a step per whole minute. */
  score(peer: string): number {
    const r = this.scores.get(peer);
    if (!r) return 0;
    const minutes = Math.floor((this.now() - r.at) / 60_000);
    return Math.min(0, r.score + minutes * this.opts.recoveryPerMinute);
  }

  /** Lowers the peer's score; returns true if this crossed the ban threshold (the caller disconnects). */
  penalise(peer: string, offence: Offence): boolean {
    if (this.isBanned(peer)) return false;
    const score = this.score(peer) - PENALTIES[offence];
    this.scores.delete(peer); // re-inserted last: the map is ordered oldest first, for the bound below
    this.scores.set(peer, { score, at: this.now() });
    bound(this.scores, MAX_TRACKED);
    if (score > this.opts.banThreshold) return false;
    this.bans.set(peer, this.now() + this.opts.banMs);
    bound(this.bans, MAX_TRACKED);
    this.scores.delete(peer);
    return true;
  }

  isBanned(peer: string): boolean {
    const until = this.bans.get(peer);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.bans.delete(peer);
    return false;
  }

  /** Peers banned right now, with the time their ban ends. */
  banned(): { peer: string; until: number }[] {
    const out = [];
    for (const [peer, until] of this.bans) if (this.isBanned(peer)) out.push({ peer, until });
    return out;
  }

  /** Drops the records of a peer whose score has recovered fully, so the map stays small. */
  forget(peer: string): void {
    if (this.score(peer) === 0) this.scores.delete(peer);
  }
}

/**
 * A token bucket per peer: `ratePerSecond` requests on average, `burst` at once. Buckets of peers that
 * go away are dropped by `forget`, so the map holds at most one entry per connected peer.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; false means the peer is over its rate. */
  take(peer: string): boolean {
    const t = this.now();
    const b = this.buckets.get(peer) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.ratePerSecond);
    b.at = t;
    this.buckets.set(peer, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  forget(peer: string): void {
    this.buckets.delete(peer);
  }
}

/**
 * A set of IPs that "contains" every loopback, private (RFC 1918) and documentation/test address
 * (RFC 5737, RFC 2544). Gossipsub's IP-colocation penalty (P6) counts peers per IP; on a devnet every
 * node is 127.0.0.1, and a laptop's test network shares one private range, so these are exempt
 * (docs/P2P.md). Gossipsub only ever asks `has(ip)`.
 */
export class LocalNetworks extends Set<string> {
  override has(ip: string): boolean {
    return ip === '::1' || isPrivateIp(ip) === true || super.has(ip);
  }
}

/** Gossipsub v1.1 topic parameters for one of our topics. */
function topicParams(): Partial<TopicScoreParams> {
  return {
    topicWeight: 1,
    // P1: a little credit for staying in the mesh (up to +10 after ~10 minutes).
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 1000,
    // P2: credit for delivering messages first.
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 20,
    // P3/P3b off: a devnet may be silent for minutes; silence is not misbehaviour here.
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    // P4: invalid messages. The penalty is the square of the (decaying) count: two invalid blocks cost
    // -80, past the graylist threshold; one is forgiven after a while.
    invalidMessageDeliveriesWeight: -20,
    invalidMessageDeliveriesDecay: 0.9,
  };
}

/** Gossipsub score parameters: our topics, our own score as P5, and no colocation penalty on local IPs. */
export function gossipScoreParams(
  topics: readonly string[],
  ownScore: (peer: string) => number,
): Partial<PeerScoreParams> {
  return {
    topics: Object.fromEntries(topics.map((t) => [t, topicParams() as TopicScoreParams])),
    topicScoreCap: 30,
    appSpecificScore: ownScore,
    appSpecificWeight: 1,
    IPColocationFactorWeight: -10,
    IPColocationFactorThreshold: 3,
    IPColocationFactorWhitelist: new LocalNetworks(),
  };
}

export const GOSSIP_SCORE_THRESHOLDS: Partial<PeerScoreThresholds> = {
  gossipThreshold: -40, // below: no gossip (IHAVE/IWANT) with the peer
  publishThreshold: -60, // below: we do not publish to it
  graylistThreshold: -80, // below: its RPCs are ignored altogether
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 5,
};
