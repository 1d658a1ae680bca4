// In-process nodes for the P2P benchmarks, built the way test/integration/helpers.ts builds them: real
// LevelDB in a temp dir, the node's services from openServices (chain, mempool, TxVerifier on a
// VerifierPool), and a real P2PNode on 127.0.0.1 with an OS-assigned port. Unlike the test helper, the
// P2P limits are the node's defaults unless the benchmark says otherwise, there is no miner (blocks are
// pre-built), and the verifier pool's size is the caller's choice.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerIdFromString } from '@libp2p/peer-id';
import type { ChainParams } from '../../../src/consensus/types.js';
import { openServices, type Services } from '../../../src/node/services.js';
import { clientExchange } from '../../../src/p2p/framing.js';
import type { Host } from '../../../src/p2p/host.js';
import { type P2PLimits, P2PNode } from '../../../src/p2p/p2p-node.js';
import { decodeStatus, encodeStatus, STATUS_BYTES } from '../../../src/p2p/protocols/status.js';
import { silentLogger } from '../../../src/util/logger.js';

export interface BenchNode {
  readonly name: string;
  readonly datadir: string;
  readonly services: Services;
  readonly p2p: P2PNode;
  /** Stops P2P, closes the services and removes the datadir. */
  close(): Promise<void>;
}

export interface BenchNodeOptions {
  /** An existing datadir (a copy of a synced chain); default a new temp dir. Removed on close either way. */
  readonly datadir?: string;
  readonly bootstrap?: readonly string[];
  readonly targetPeers?: number;
  /** Signature worker threads (default: one per core, as `cairn start`). */
  readonly verifyThreads?: number;
  readonly limits?: Partial<P2PLimits>;
}

/** Opens the services and builds the P2P node, NOT started: the caller starts it (and times that if it wants). */
export async function openBenchNode(
  name: string,
  params: ChainParams,
  opts: BenchNodeOptions = {},
): Promise<BenchNode> {
  const datadir = opts.datadir ?? (await mkdtemp(join(tmpdir(), `cairn-p2p-bench-${name}-`)));
  const services = await openServices({
    datadir,
    params,
    logger: silentLogger(),
    minerThreads: 0,
    verifyThreads: opts.verifyThreads,
  });
  const p2p = new P2PNode({
    params,
    chain: services.chain,
    mempool: services.mempool,
    datadir,
    port: 0,
    host: '127.0.0.1',
    bootstrap: [...(opts.bootstrap ?? [])],
    logger: silentLogger(),
    targetPeers: opts.targetPeers,
    ...opts.limits,
  });
  let closed = false;
  return {
    name,
    datadir,
    services,
    p2p,
    async close() {
      if (closed) return;
      closed = true;
      await p2p.stop();
      await services.close();
      await rm(datadir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 10 ms until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function connected(a: BenchNode, b: BenchNode): boolean {
  return a.p2p.peers().some((p) => p.peerId === b.p2p.peerId && !p.banned && p.direction !== null);
}

/**
 * The libp2p host inside a P2PNode. P2PNode keeps it private, rightly; the benchmark reaches in for two
 * read-only things the node has no reason to offer: the gossipsub mesh (to start timing only once the
 * mesh has formed) and a raw status exchange (the single-hop baseline).
 */
function hostOf(node: BenchNode): Host {
  const host = (node.p2p as unknown as { libp2p: Host | undefined }).libp2p;
  if (!host) throw new Error(`${node.name} is not started`);
  return host;
}

/** The peers in `node`'s gossipsub mesh for `topic` (a method of the class its interface leaves out). */
export function meshPeers(node: BenchNode, topic: string): string[] {
  const pubsub = hostOf(node).services.pubsub as unknown as { getMeshPeers(topic: string): string[] };
  return pubsub.getMeshPeers(topic);
}

/**
 * One status round trip from `from` to `to`, exactly as P2PNode.exchangeStatus makes it (a new stream
 * on the open connection, protocol negotiation, one frame each way, the same deadline and size limit),
 * without handing the answer to the sync. Returns the round-trip time in ms.
 */
export async function statusRoundTrip(from: BenchNode, to: BenchNode): Promise<number> {
  const host = hostOf(from);
  const tip = from.services.chain.tip;
  const ours = encodeStatus({
    genesisHash: from.services.params.genesisHash,
    tipHash: tip.hash,
    height: tip.header.height,
    chainWork: tip.chainWork,
    stateDigest: from.services.chain.stateDigest,
  });
  const peer = peerIdFromString(to.p2p.peerId);
  const t0 = performance.now();
  const theirs = await clientExchange(
    (signal) => host.dialProtocol(peer, from.p2p.ids.statusProtocol, { signal }),
    ours,
    { maxFrame: STATUS_BYTES, timeoutMs: 5_000 },
    async (fs) => decodeStatus(await fs.read()),
  );
  const ms = performance.now() - t0;
  if (theirs.height !== to.services.chain.height) throw new Error('status round trip: wrong answer');
  return ms;
}
