// A running Cairn node: the composition root (docs/ARCHITECTURE.md: src/node is the one place that wires
// services together). Storage, chain, mempool and miner come from openServices; this adds the HTTP API
// and the P2P network, routes the events of the services that have no logger or metrics of their own to
// the log and the metrics, writes DIR/node.json when everything listens, and shuts it all down in order.
//
// Every fact is logged once and counted once, by the layer that knows it (Core logs each in the one
// place that decides it, too: "UpdateTip" in validation.cpp, "Misbehaving" in net_processing.cpp):
//
//   fact                              logged by                        counted by (Prometheus)
//   --------------------------------  -------------------------------  -------------------------------------
//   block connected                   node (chain event)               node: trackChain, blocks_connected
//   reorg                             node (chain event)               node: trackChain, reorgs
//   block marked invalid              node (chain event)               node: trackChain, rejected_blocks
//   block mined here                  node (miner event)               (blocks_connected, as any block)
//   mining attempt failed             services.ts (miner event)        -
//   peer connected / disconnected     p2p                              p2p: peers() → gauge cairn_peers
//   peer misbehaved / banned          p2p                              p2p: its scores (GET /peers)
//   sync progress                     p2p (sync.ts)                    -
//   STATE MISMATCH                    p2p                              p2p: stateMismatches() → the
//                                                                      cairn_state_mismatches_total source
//   tx refused over HTTP              api (debug, per request)         api: rejected_txs
//   HTTP request                      api (debug)                      api: request_duration histogram
//
// The chain and the miner have no logger and no Metrics (they sit below src/api), so this file turns
// their events into log lines and `metrics.trackChain` into counters, each exactly once; the ApiServer is
// handed this Metrics and does not follow the chain itself (it does only for a Metrics of its own).
// The P2P service logs and counts its own facts: this file neither logs nor counts any of them again.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Metrics } from '../api/metrics.js';
import { ApiServer } from '../api/server.js';
import type { ChainEvents, ConnectedBlock, ReorgEvent } from '../chain/chain.js';
import { toHex } from '../consensus/bytes.js';
import type { ChainParams } from '../consensus/types.js';
import type { BackendName } from '../crypto/verifier.js';
import type { MinedBlock } from '../mining/miner.js';
import { P2PNode } from '../p2p/p2p-node.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Logger } from '../util/logger.js';
import { openServices, type Services } from './services.js';

export interface NodeOptions {
  readonly datadir: string;
  readonly params: ChainParams;
  readonly logger: Logger;
  readonly apiHost?: string;
  readonly apiPort?: number;
  readonly apiToken?: string;
  /** P2P TCP port (0: any free port) and the interface to listen on (default all). */
  readonly p2pPort?: number;
  readonly p2pHost?: string;
  /** Multiaddrs peers should dial to reach this node (default: its listen addresses). */
  readonly p2pAnnounce?: readonly string[];
  /** Find peers on the local network by multicast DNS. */
  readonly mdns?: boolean;
  /** Multiaddrs of peers to bootstrap from (any number; none is special). */
  readonly peers?: readonly string[];
  /** Mine continuously to this 20-byte address hash. */
  readonly mineTo?: Uint8Array;
  readonly minerThreads?: number;
  /** Continuous mining makes at most one block per this many ms (default: 1 s on regtest, else none). */
  readonly blockIntervalMs?: number;
  readonly verifyThreads?: number;
  /** Signature backend for every check (see ServiceOptions.verifier). */
  readonly verifier?: BackendName;
  readonly version?: string;
}

/** What DIR/node.json holds: how scripts and tools (scripts/devnet.ts) find a running node. */
export interface NodeLocator {
  readonly peerId: string;
  readonly multiaddrs: readonly string[];
  readonly api: string;
}

export const NODE_INFO_FILE = 'node.json';

export class CairnNode {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly services: Services,
    readonly p2p: P2PNode,
    readonly api: ApiServer,
    readonly info: NodeLocator,
    private readonly opts: NodeOptions,
    private readonly detach: () => void,
  ) {}

  static async start(opts: NodeOptions): Promise<CairnNode> {
    const { logger, params } = opts;
    const services = await openServices({
      datadir: opts.datadir,
      params,
      logger,
      minerThreads: opts.minerThreads ?? 1,
      verifyThreads: opts.verifyThreads,
      verifier: opts.verifier,
    });
    const { chain, miner, mempool } = services;
    const metrics = new Metrics();
    metrics.trackChain(chain);
    const detach = followServices(services, logger);
    const p2p = new P2PNode({
      params,
      chain,
      mempool,
      datadir: opts.datadir,
      port: opts.p2pPort ?? 0,
      host: opts.p2pHost,
      announce: opts.p2pAnnounce,
      mdns: opts.mdns,
      bootstrap: opts.peers ?? [],
      logger: logger.child({ name: 'p2p' }),
    });
    // The P2P service counts its own state mismatches; the counter reads that number at scrape time.
    metrics.setSources({ stateMismatches: () => p2p.stateMismatches() });
    let api: ApiServer | undefined;
    try {
      await p2p.start();
      api = new ApiServer({
        chain,
        mempool,
        p2p: {
          peers: () => p2p.peers().map((peer) => ({ ...peer, direction: peer.direction ?? 'inbound' })),
        },
        status: {
          syncing: () => p2p.syncing(),
          sync: () => p2p.syncState(),
          stateMismatches: () => p2p.stateMismatches(),
        },
        admin: { blockPeers: (ids) => p2p.blockPeers(ids), unblockAll: () => p2p.unblockAll() },
        miner: miner && {
          mine: async (blocks, to) => (await miner.mine(blocks, to)).map((b) => b.hash),
          hashrate: () => miner.hashrate(),
        },
        metrics,
        logger,
        host: opts.apiHost,
        port: opts.apiPort,
        token: opts.apiToken,
        version: opts.version,
        verifier: services.verifier.backend,
      });
      const { url } = await api.start();
      const info: NodeLocator = { peerId: p2p.peerId, multiaddrs: p2p.multiaddrs(), api: url };
      const node = new CairnNode(services, p2p, api, info, opts, () => {
        detach();
        metrics.close();
      });
      await node.writeInfo();
      logger.info(
        {
          network: params.network,
          height: chain.height,
          tip: toHex(chain.tip.hash),
          api: url,
          peerId: info.peerId,
          verifier: services.verifier.backend,
        },
        'node ready',
      );
      if (opts.mineTo && miner) {
        miner.start(opts.mineTo, {
          minIntervalMs: opts.blockIntervalMs ?? (params.noRetargeting ? 1000 : 0),
        });
        logger.info({ threads: opts.minerThreads ?? 1 }, 'mining');
      }
      return node;
    } catch (e) {
      detach();
      await api?.close();
      await p2p.stop();
      metrics.close();
      await services.close();
      throw e;
    }
  }

  /** DIR/node.json, written atomically (src/util/atomic-write.ts) so a reader never sees half of it. */
  private async writeInfo(): Promise<void> {
    await writeFileAtomic(join(this.opts.datadir, NODE_INFO_FILE), `${JSON.stringify(this.info, null, 2)}\n`);
  }

  /** Stops mining, then the network and the API, waits for chain work in flight, closes the database. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const { logger } = this.opts;
      logger.info('shutting down');
      await rm(join(this.opts.datadir, NODE_INFO_FILE), { force: true });
      await this.services.miner?.stop();
      await this.p2p.stop();
      await this.api.close();
      this.detach();
      await this.services.close();
      logger.info('stopped cleanly');
    })();
    return this.stopping;
  }
}

/**
 * Logs the chain's and the miner's events (neither has a logger of its own). Counting them is
 * `metrics.trackChain`'s job, and the gauges (hash rate included) are read at scrape time, so nothing
 * here touches the metrics. Returns a function that detaches every listener.
 */
function followServices(services: Services, logger: Logger): () => void {
  const { chain, miner } = services;
  const onConnected = ({ entry, block }: ConnectedBlock) =>
    logger.info(
      { height: entry.header.height, hash: toHex(entry.hash), txs: block.txs.length },
      'block connected',
    );
  const onReorg = (e: ReorgEvent) =>
    logger.warn(
      {
        depth: e.depth,
        oldTip: toHex(e.oldTip.hash),
        newTip: toHex(e.newTip.hash),
        height: e.newTip.header.height,
      },
      'reorg',
    );
  const onInvalid = (e: ChainEvents['block:invalid'][0]) =>
    logger.warn({ hash: toHex(e.hash), code: e.error.code, reason: e.error.message }, 'invalid block');
  const onMined = (b: MinedBlock) => logger.info({ height: b.height, hash: toHex(b.hash) }, 'mined a block');
  chain.on('block:connected', onConnected);
  chain.on('reorg', onReorg);
  chain.on('block:invalid', onInvalid);
  miner?.on('block:mined', onMined);
  return () => {
    chain.off('block:connected', onConnected);
    chain.off('reorg', onReorg);
    chain.off('block:invalid', onInvalid);
    miner?.off('block:mined', onMined);
  };
}
