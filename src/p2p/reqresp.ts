// Request/response: which handler answers which protocol id, the per-peer rate limit of each protocol we
// serve, the client calls we make, and what a failed exchange costs the peer (outcome.ts). The codec,
// server handler and client call of each protocol live in its own file under protocols/. (Lodestar's
// network/reqresp does the same split: a ReqResp object, one handler file per protocol.)
import type { Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { BlockHeader, Hash } from '../consensus/types.js';
import { isCorruptRecord } from '../storage/index.js';
import type { Logger } from '../util/logger.js';
import type { P2PChain } from './chain-view.js';
import { ProtocolError, type Requester } from './framing.js';
import type { Host } from './host.js';
import { describeError, type ProtocolName, requestPenalty } from './outcome.js';
import { type ReceivedBlock, requestBlocks, serveBlocks } from './protocols/blocks.js';
import { requestHeaders, serveHeaders } from './protocols/headers.js';
import { requestPeers, servePeers } from './protocols/peers.js';
import { requestStatus, type Status, serveStatus } from './protocols/status.js';
import { type Offence, RateLimiter } from './scoring.js';
import type { StateCheck } from './state-check.js';
import type { NetworkIds } from './topics.js';

export interface ReqRespOptions {
  readonly ids: NetworkIds;
  readonly maxBlockBytes: number;
  /** Deadline of one exchange, on both sides (ms). */
  readonly timeoutMs: number;
  /** Requests per second a peer may make of each protocol (burst = 4×). */
  readonly requestsPerSecond: number;
  readonly chain: Pick<P2PChain, 'entry' | 'isOnMainChain' | 'atHeight' | 'height' | 'getBlockBytes'>;
  /** Our status, and the check that refuses to answer another chain. */
  readonly stateCheck: Pick<StateCheck, 'ours' | 'sameChain'>;
  /** Addresses we share with `peer` (peer-manager.ts). */
  readonly shareable: (peer: string) => string[];
  /** A peer sent its status while asking for ours. */
  readonly onStatus: (peer: string, theirs: Status) => void;
  readonly penalise: (peer: string, offence: Offence, reason: string) => void;
  readonly logger: Logger;
}

type Serve = (stream: Stream, peer: string) => Promise<unknown>;

export class ReqResp {
  private readonly requester: Requester;
  private readonly rates = new Map<ProtocolName, RateLimiter>();

  constructor(
    private readonly opts: ReqRespOptions,
    host: () => Host,
  ) {
    this.requester = {
      ids: opts.ids,
      timeoutMs: opts.timeoutMs,
      dial: (peer, protocol, signal) => host().dialProtocol(peerIdFromString(peer), protocol, { signal }),
    };
  }

  /** Registers the four handlers on the host. */
  async handle(host: Host): Promise<void> {
    const { ids, chain, stateCheck, timeoutMs } = this.opts;
    const handlers: [ProtocolName, string, Serve][] = [
      [
        'status',
        ids.statusProtocol,
        async (s, peer) => {
          const theirs = await serveStatus(s, timeoutMs, (t) => {
            stateCheck.sameChain(t); // we do not answer another network
            return stateCheck.ours();
          });
          this.opts.onStatus(peer, theirs);
        },
      ],
      ['headers', ids.headersProtocol, (s) => serveHeaders(s, timeoutMs, chain)],
      ['blocks', ids.blocksProtocol, (s) => serveBlocks(s, timeoutMs, (h) => this.storedBlock(h))],
      ['peers', ids.peersProtocol, (s, peer) => servePeers(s, timeoutMs, () => this.opts.shareable(peer))],
    ];
    for (const [name, protocol, serve] of handlers) {
      await host.handle(
        protocol,
        (stream, connection) => {
          const peer = connection.remotePeer.toString();
          if (!this.admit(stream, peer, name)) return;
          serve(stream, peer).catch((e) => this.failed(peer, name, 'serving', e));
        },
        { maxInboundStreams: 8, maxOutboundStreams: 32 },
      );
    }
  }

  /**
   * A stored block for the blocks protocol. One that fails its integrity check (CORRUPT_RECORD) is left
   * out of the answer, as a block we do not have: the requester asks another peer, and is not blamed for
   * our damaged datadir. Logged here, once per request, as the P2P service is the one that knows.
   */
  private async storedBlock(hash: Hash): Promise<Uint8Array | undefined> {
    try {
      return await this.opts.chain.getBlockBytes(hash);
    } catch (e) {
      if (!isCorruptRecord(e)) throw e;
      this.opts.logger.error(
        { code: e.code, height: e.height, hash: e.hash, err: e.message },
        'not serving a damaged stored block (run cairn reindex)',
      );
      return undefined;
    }
  }

  /** Forgets a peer that went away (its rate-limit buckets). */
  forget(peer: string): void {
    for (const r of this.rates.values()) r.forget(peer);
  }

  // --- Client calls ---------------------------------------------------------------------------------

  status(peer: string): Promise<Status> {
    return requestStatus(this.requester, peer, this.opts.stateCheck.ours());
  }

  peers(peer: string): Promise<string[]> {
    return requestPeers(this.requester, peer);
  }

  headers(peer: string, locator: readonly Hash[], maxHeaders: number): Promise<BlockHeader[]> {
    return requestHeaders(this.requester, peer, locator, maxHeaders);
  }

  blocks(peer: string, hashes: readonly Hash[]): Promise<ReceivedBlock[]> {
    return requestBlocks(this.requester, peer, hashes, this.opts.maxBlockBytes);
  }

  // --- Failures -------------------------------------------------------------------------------------

  /** An exchange on `protocol` failed, on either side: outcome.ts says what it costs the peer. */
  failed(peer: string, protocol: ProtocolName, side: string, e: unknown): void {
    const offence = requestPenalty(e, protocol);
    const reason = `${side} ${protocol}: ${describeError(e)}`;
    if (offence) this.opts.penalise(peer, offence, reason);
    else this.opts.logger.debug({ peer, err: reason }, 'exchange failed');
  }

  /** Per-peer rate limit of each protocol we serve: over it, the stream is cut and the peer scored. */
  private admit(stream: Stream, peer: string, protocol: ProtocolName): boolean {
    const { requestsPerSecond } = this.opts;
    let limiter = this.rates.get(protocol);
    if (!limiter) {
      limiter = new RateLimiter(requestsPerSecond, requestsPerSecond * 4);
      this.rates.set(protocol, limiter);
    }
    if (limiter.take(peer)) return true;
    const e = new ProtocolError('RATE_LIMITED', `over ${requestsPerSecond} requests/s`);
    stream.abort(e);
    this.failed(peer, protocol, 'serving', e);
    return false;
  }
}
