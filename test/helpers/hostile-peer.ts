// A hostile peer for P2P tests: a plain libp2p node (no Cairn node behind it) that speaks Cairn's topics
// and status protocol, so a test can make it send whatever it likes: junk blocks, floods, a status from
// another state. Real TCP on 127.0.0.1 with an OS-assigned port, Noise and Yamux, as a real peer has.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { sha256 } from '../../src/consensus/hash.js';
import { serverExchange } from '../../src/p2p/framing.js';
import type { Host } from '../../src/p2p/host.js';
import { encodeStatus, STATUS_BYTES, type Status } from '../../src/p2p/protocols/status.js';
import type { NetworkIds } from '../../src/p2p/topics.js';

export interface HostilePeerOptions {
  readonly ids: NetworkIds;
  /** The node to dial: one of its multiaddrs and its peer id. */
  readonly target: { readonly multiaddr: string; readonly peerId: string };
  /** What to answer each status request with (called once per request). */
  readonly status: () => Status;
  /** The gossip topics to subscribe to (default: blocks and txs). */
  readonly topics?: readonly ('blocks' | 'txs')[];
  /** Polls a condition with a deadline (the test's own waitFor). */
  readonly waitFor: (what: string, check: () => boolean) => Promise<void>;
}

/**
 * Starts the peer, serves the status protocol, subscribes to the topics, dials the target and waits until
 * the target's subscription to the blocks topic has reached it (so a publish right after reaches the node).
 */
export async function startHostilePeer(opts: HostilePeerOptions): Promise<Host> {
  const { ids, target } = opts;
  const node = (await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictNoSign,
        msgIdFn: (m) => sha256(m.data),
        allowPublishToZeroTopicPeers: true,
        maxOutboundBufferSize: 16 * 1024 * 1024,
      }),
    },
  })) as unknown as Host;
  await node.handle(ids.statusProtocol, (stream) => {
    const status = opts.status();
    void serverExchange(stream, { maxFrame: STATUS_BYTES, timeoutMs: 5_000 }, async (_req, fs) => {
      await fs.write(encodeStatus(status));
    }).catch(() => undefined);
  });
  for (const topic of opts.topics ?? ['blocks', 'txs']) {
    node.services.pubsub.subscribe(topic === 'blocks' ? ids.blocksTopic : ids.txsTopic);
  }
  await node.dial(multiaddr(target.multiaddr));
  await opts.waitFor('the node subscribed, as the hostile peer sees it', () =>
    node.services.pubsub.getSubscribers(ids.blocksTopic).some((p) => p.toString() === target.peerId),
  );
  return node;
}
