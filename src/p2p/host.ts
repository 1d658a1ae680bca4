// The libp2p host: the transport stack (TCP, Noise, Yamux), Identify and Ping, and Gossipsub configured
// for Cairn (docs/P2P.md), plus the persistent peer identity.
//
// Gossip runs unsigned (StrictNoSign): blocks and txs authenticate themselves (proof of work,
// signatures), so a per-message libp2p signature would cost CPU and bytes for nothing. The message id is
// SHA-256 of the whole payload, never the block hash alone: a mutated body that we reject must not make
// the honest block with the same header look "already seen". Validation is asynchronous: the node judges
// each message (chain or mempool) and reports ACCEPT / IGNORE / REJECT before gossipsub forwards it.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { type GossipSub, gossipsub, StrictNoSign, type TopicValidatorResult } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { ConnectionGater, PrivateKey } from '@libp2p/interface';
import { mdns } from '@libp2p/mdns';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p } from 'libp2p';
import { sha256 } from '../consensus/hash.js';
import { datadirUnusable } from '../storage/errors.js';
import { GOSSIP_SCORE_THRESHOLDS, gossipScoreParams } from './scoring.js';

/** The file in the datadir that holds the peer identity key (libp2p protobuf private key bytes). */
export const PEER_KEY_FILE = 'p2p-key';

/**
 * The node's peer identity: loaded from DATADIR/p2p-key, or created there (mode 0600) on first start, so
 * a node keeps its peer id across restarts and its peers can find it again at the same address.
 */
export async function loadOrCreatePeerKey(datadir: string): Promise<PrivateKey> {
  const path = join(datadir, PEER_KEY_FILE);
  try {
    return privateKeyFromProtobuf(new Uint8Array(await readFile(path)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      // The datadir's own file: exit 5 (an unusable local store), not an unexpected failure.
      throw datadirUnusable(
        `the peer key ${path}`,
        e,
        'move it away to start with a new peer id (peers that knew the old one will find this node again by its address)',
      );
    }
  }
  const key = await generateKeyPair('Ed25519');
  await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return key;
}

export interface HostOptions {
  readonly privateKey: PrivateKey;
  readonly host: string;
  readonly port: number;
  /**
   * The multiaddrs peers should dial instead of the listen address (libp2p's `addresses.announce`): a
   * public address in front of a NAT, or the devnet's shaping relay in front of the node.
   */
  readonly announce?: readonly string[];
  /** Look for peers on the local network with multicast DNS (off unless asked for). */
  readonly mdns?: boolean;
  readonly topics: readonly string[];
  /** Largest gossip payload (a full block) plus framing; larger RPC frames are dropped unread. */
  readonly maxMessageBytes: number;
  readonly gater: ConnectionGater;
  readonly maxConnections: number;
  /** The node's own score of a peer, fed into gossipsub as the application-specific score. */
  readonly ownScore: (peer: string) => number;
}

/**
 * The gossipsub service with the two methods of its class that the package's public interface leaves
 * out: the score of a peer, and the verdict of asynchronous validation.
 */
export type Pubsub = GossipSub & {
  getScore(peer: string): number;
  reportMessageValidationResult(msgId: string, propagationSource: string, result: TopicValidatorResult): void;
};

export type Host = Libp2p<{ pubsub: Pubsub; identify: unknown; ping: unknown }>;

export async function createHost(opts: HostOptions): Promise<Host> {
  return createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: [`/ip4/${opts.host}/tcp/${opts.port}`], announce: [...(opts.announce ?? [])] },
    transports: [tcp()],
    // mDNS (the libp2p mDNS spec: a PTR query for _p2p._udp.local every 10 s on 224.0.0.251:5353) only
    // finds peers: libp2p emits `peer:discovery` and dials nobody itself, so the peer manager does.
    peerDiscovery: opts.mdns ? [mdns()] : [],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: opts.gater,
    connectionManager: {
      maxConnections: opts.maxConnections,
      // A devnet opens many connections from 127.0.0.1 at once; the default (5/s per host) refuses some.
      inboundConnectionThreshold: 100,
      // Reconnection is the peer manager's job (its own backoff), not libp2p's KEEP_ALIVE redial.
      reconnectRetries: 0,
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictNoSign,
        msgIdFn: (msg) => sha256(msg.data),
        asyncValidation: true,
        // Publishing to nobody is fine: a lone miner still mines, and peers catch up by sync.
        allowPublishToZeroTopicPeers: true,
        // A tx that comes back to the pool after a reorg may be one gossip has already seen.
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        fallbackToFloodsub: false,
        // Peer exchange inside gossipsub is off: the node runs its own (protocols/peers.ts).
        doPX: false,
        allowedTopics: [...opts.topics],
        maxInboundDataLength: opts.maxMessageBytes,
        maxOutboundBufferSize: 4 * opts.maxMessageBytes,
        scoreParams: gossipScoreParams(opts.topics, opts.ownScore),
        scoreThresholds: GOSSIP_SCORE_THRESHOLDS,
      }),
    },
  }) as Promise<Host>;
}
