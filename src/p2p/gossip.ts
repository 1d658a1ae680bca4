// Gossip: the blocks and txs topics, in and out.
//
//   in    every message is decoded and handed to the chain or the mempool with a 'gossip' origin naming
//         the peer it came from; outcome.ts turns the result into ACCEPT / IGNORE / REJECT for gossipsub
//         (which forwards what we ACCEPT to our mesh peers by itself) and into a penalty on REJECT. A
//         block whose parent we lack starts headers-first sync from its sender.
//   out   we publish from the event's origin alone: blocks this node mined or was given over the API
//         (connected, or stored on a side branch), txs submitted over the API and txs a reorg returned to
//         the pool (peers that dropped them with the old branch need them again). Nothing that came from
//         gossip or sync is published again: gossipsub has already forwarded it, or peers have it.
//
// Core: the block and tx relay of PeerManagerImpl (RelayTransaction, the inv/headers announcements after
// a new tip), with gossipsub's mesh in place of per-peer inventory.
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { IndexEntry } from '../chain/block-index.js';
import { type Origin, originNow } from '../chain/origin.js';
import { decodeBlock, decodeTx, encodeBlock, encodeTx } from '../consensus/encoding.js';
import { TX_BYTES } from '../consensus/types.js';
import type { Logger } from '../util/logger.js';
import type { BlockEvent, BlockEventName, P2PChain, P2PMempool, TxAddedEvent } from './chain-view.js';
import { ProtocolError } from './framing.js';
import { describeError, type GossipOutcome, gossipVerdict, penaltyFor, type Verdict } from './outcome.js';
import type { Offence } from './scoring.js';
import type { NetworkIds } from './topics.js';

export type GossipTopic = 'blocks' | 'txs';

export interface GossipReport {
  readonly topic: GossipTopic;
  readonly msgId: string;
  readonly from: string;
  readonly verdict: Verdict;
}

/** A gossipsub message as we read it (GossipsubMessage satisfies it). */
export interface GossipMessage {
  readonly propagationSource: { toString(): string };
  readonly msgId: string;
  readonly msg: { readonly topic: string; readonly data: Uint8Array };
}

/** What gossip uses of gossipsub (the host's Pubsub satisfies it). */
export interface GossipBus {
  subscribe(topic: string): void;
  publish(topic: string, data: Uint8Array): Promise<unknown>;
  reportMessageValidationResult(msgId: string, propagationSource: string, result: TopicValidatorResult): void;
}

export interface GossipOptions {
  readonly ids: NetworkIds;
  readonly maxBlockBytes: number;
  readonly chain: Pick<P2PChain, 'processBlock' | 'entry' | 'on' | 'off'>;
  readonly mempool: P2PMempool;
  readonly logger: Logger;
  /** Messages being validated at once; more are ignored (not forwarded) until some finish. */
  readonly maxPendingValidations: number;
  /** A gossiped block's parent is unknown: fetch the headers before it from the sender (sync). */
  readonly onOrphan: (peer: string) => void;
  /** A peer relayed a valid block: it has that block and its ancestors (sync). */
  readonly onPeerHas: (peer: string, entry: IndexEntry) => void;
  readonly penalise: (peer: string, offence: Offence, reason: string) => void;
  /** Every message judged, with its verdict (for metrics and tests). */
  readonly report: (r: GossipReport) => void;
}

/** Blocks we publish: the ones this node mined or a client submitted. */
export function publishesBlock(e: Origin): boolean {
  return e.origin === 'mined' || e.origin === 'api';
}

/** Txs we publish: submitted by a client, or returned to the pool by a reorg. */
export function publishesTx(e: Origin): boolean {
  return e.origin === 'api' || e.origin === 'reorg';
}

const RESULT: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject,
};

const BLOCK_EVENTS: readonly BlockEventName[] = ['block:connected', 'block:stored'];

export class Gossip {
  private bus: GossipBus | undefined;
  private pending = 0;
  private readonly onBlock = (e: BlockEvent) => {
    if (publishesBlock(e)) this.publish(this.opts.ids.blocksTopic, encodeBlock(e.block));
  };
  private readonly onTx = (e: TxAddedEvent) => {
    if (publishesTx(e)) this.publish(this.opts.ids.txsTopic, encodeTx(e.tx));
  };

  constructor(private readonly opts: GossipOptions) {}

  /** Subscribes to both topics and starts publishing what the chain and the mempool report. */
  start(bus: GossipBus): void {
    if (this.bus) return;
    this.bus = bus;
    bus.subscribe(this.opts.ids.blocksTopic);
    bus.subscribe(this.opts.ids.txsTopic);
    for (const event of BLOCK_EVENTS) this.opts.chain.on(event, this.onBlock);
    this.opts.mempool.on('tx:added', this.onTx);
  }

  stop(): void {
    if (!this.bus) return;
    this.bus = undefined;
    for (const event of BLOCK_EVENTS) this.opts.chain.off(event, this.onBlock);
    this.opts.mempool.off('tx:added', this.onTx);
  }

  /** Judges one message and tells gossipsub whether to forward it. */
  async onMessage({ propagationSource, msgId, msg }: GossipMessage): Promise<void> {
    const from = propagationSource.toString();
    const { ids } = this.opts;
    const topic: GossipTopic | undefined =
      msg.topic === ids.blocksTopic ? 'blocks' : msg.topic === ids.txsTopic ? 'txs' : undefined;
    let outcome: GossipOutcome;
    if (!topic) {
      outcome = {
        error: new ProtocolError('UNEXPECTED', `a message on ${msg.topic}, a topic we do not use`),
      };
    } else if (this.pending >= this.opts.maxPendingValidations) {
      // Overloaded: dropped without judging (IGNORE); the sync fetches blocks we missed.
      outcome = { error: new Error('too many messages being validated') };
    } else {
      this.pending++;
      try {
        outcome =
          topic === 'blocks'
            ? await this.validateBlock(msg.data, from)
            : await this.validateTx(msg.data, from);
      } catch (error) {
        outcome = { error };
      } finally {
        this.pending--;
      }
    }
    const verdict = gossipVerdict(outcome);
    if (verdict === 'reject' && 'error' in outcome) {
      const offence = penaltyFor(outcome.error, topic === 'txs' ? 'tx' : 'block');
      if (offence)
        this.opts.penalise(from, offence, `gossip ${topic ?? msg.topic}: ${describeError(outcome.error)}`);
    }
    this.bus?.reportMessageValidationResult(msgId, from, RESULT[verdict]);
    this.opts.report({ topic: topic ?? 'blocks', msgId, from, verdict });
  }

  private async validateBlock(data: Uint8Array, from: string): Promise<GossipOutcome> {
    const { maxBlockBytes, chain } = this.opts;
    if (data.length > maxBlockBytes) {
      return { error: new ProtocolError('OVERSIZED', `a ${data.length}-byte block message`) };
    }
    const block = decodeBlock(data, maxBlockBytes);
    // The bytes as received go along: the chain stores them and hashes the txs from them.
    const result = await chain.processBlock(block, originNow('gossip', from), data);
    if (result.status === 'orphan') {
      // We lack its parent: the sender has it. Headers-first from the sender fills the gap.
      this.opts.onOrphan(from);
    } else if (result.status !== 'duplicate') {
      const entry = chain.entry(result.hash);
      if (entry) this.opts.onPeerHas(from, entry);
    }
    return { block: result.status };
  }

  private async validateTx(data: Uint8Array, from: string): Promise<GossipOutcome> {
    if (data.length !== TX_BYTES) {
      return { error: new ProtocolError('MALFORMED', `a tx is ${TX_BYTES} bytes, not ${data.length}`) };
    }
    await this.opts.mempool.add(decodeTx(data), originNow('gossip', from));
    return { tx: 'added' };
  }

  private publish(topic: string, data: Uint8Array): void {
    this.bus?.publish(topic, data).catch((e) => {
      // Publishing to nobody is not an error worth more than a debug line: peers catch up by sync.
      this.opts.logger.debug({ topic, err: String(e) }, 'publish failed');
    });
  }
}
