// A running Cairn node: the composition root (DESIGN.md section 1). Storage, chain, mempool and miner
// come from openServices; this adds the HTTP API and the P2P network, routes their events to the log
// and the metrics, writes DIR/node.json when everything listens, and shuts it all down in order.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Metrics } from '../api/metrics.js';
import { ApiServer } from '../api/server.js';
import type { ChainEvents, ConnectedBlock, ReorgEvent } from '../chain/chain.js';
import { toHex } from '../consensus/bytes.js';
import type { ChainParams } from '../consensus/types.js';
import type { MinedBlock } from '../mining/miner.js';
import { P2PNode, type StateMismatch } from '../p2p/p2p-node.js';
import type { SyncProgress } from '../p2p/sync.js';
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
  /** Multiaddrs of peers to bootstrap from (any number; none is special). */
  readonly peers?: readonly string[];
  /** Mine continuously to this 20-byte address hash. */
  readonly mineTo?: Uint8Array;
  readonly minerThreads?: number;
  /** Continuous mining makes at most one block per this many ms (default: 1 s on regtest, else none). */
  readonly blockIntervalMs?: number;
  readonly verifyThreads?: number;
  readonly version?: string;
}

/** What DIR/node.json holds (DESIGN.md section 6): how scripts and tools find a running node. */
export interface NodeInfo {
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
    readonly info: NodeInfo,
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
    });
    const { chain, miner, mempool } = services;
    const metrics = new Metrics();
    const detach = followServices(services, metrics, logger);
    const p2p = new P2PNode({
      params,
      chain,
      mempool,
      datadir: opts.datadir,
      port: opts.p2pPort ?? 0,
      host: opts.p2pHost,
      bootstrap: opts.peers ?? [],
      logger: logger.child({ name: 'p2p' }),
    });
    const detachP2P = followNetwork(p2p, metrics, logger);
    let api: ApiServer | undefined;
    try {
      await p2p.start();
      api = new ApiServer({
        chain,
        mempool,
        p2p: {
          peers: () => p2p.peers().map((peer) => ({ ...peer, direction: peer.direction ?? 'inbound' })),
        },
        status: { syncing: () => p2p.syncing(), stateMismatches: () => p2p.stateMismatches() },
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
      });
      const { url } = await api.start();
      const info: NodeInfo = { peerId: p2p.peerId, multiaddrs: p2p.multiaddrs(), api: url };
      const node = new CairnNode(services, p2p, api, info, opts, () => {
        detach();
        detachP2P();
      });
      await node.writeInfo();
      logger.info(
        {
          network: params.network,
          height: chain.height,
          tip: toHex(chain.tip.hash),
          api: url,
          peerId: info.peerId,
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
      detachP2P();
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

/** Routes service events to the log and the metrics. Returns a function that detaches them all. */
function followServices(services: Services, metrics: Metrics, logger: Logger): () => void {
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
  const onInvalid = (e: ChainEvents['block:invalid'][0]) => {
    metrics.rejectedBlock(e.error.code);
    logger.warn({ hash: toHex(e.hash), code: e.error.code, reason: e.error.message }, 'invalid block');
  };
  const onMined = (b: MinedBlock) => logger.info({ height: b.height, hash: toHex(b.hash) }, 'mined a block');
  chain.on('block:connected', onConnected);
  chain.on('reorg', onReorg);
  chain.on('block:invalid', onInvalid);
  miner?.on('block:mined', onMined);
  const hashrate = miner && setInterval(() => metrics.setHashrate(miner.hashrate()), 5_000);
  hashrate?.unref();
  return () => {
    chain.off('block:connected', onConnected);
    chain.off('reorg', onReorg);
    chain.off('block:invalid', onInvalid);
    miner?.off('block:mined', onMined);
    if (hashrate) clearInterval(hashrate);
  };
}

/** Network events to the log and the metrics: peers, bans, sync progress, state digest mismatches. */
function followNetwork(p2p: P2PNode, metrics: Metrics, logger: Logger): () => void {
  let lastProgress = 0;
  const onConnect = (e: { peerId: string; direction: string }) => logger.info(e, 'peer connected');
  const onDisconnect = (e: { peerId: string }) => logger.info(e, 'peer disconnected');
  const onBanned = (e: { peerId: string; reason: string }) => logger.warn(e, 'peer banned');
  const onProgress = (p: SyncProgress) => {
    // A long import reports blocks done / total and the rate, about every two seconds.
    const now = Date.now();
    if (now - lastProgress < 2_000 && p.done < p.total) return;
    lastProgress = now;
    logger.info({ done: p.done, total: p.total, blocksPerSecond: Math.round(p.rate) }, 'syncing');
  };
  const onMismatch = (m: StateMismatch) => {
    metrics.stateMismatch();
    logger.error(m, 'STATE MISMATCH: a peer at the same tip holds a different state');
  };
  p2p.on('peer:connect', onConnect);
  p2p.on('peer:disconnect', onDisconnect);
  p2p.on('peer:banned', onBanned);
  p2p.on('sync:progress', onProgress);
  p2p.on('state:mismatch', onMismatch);
  return () => {
    p2p.off('peer:connect', onConnect);
    p2p.off('peer:disconnect', onDisconnect);
    p2p.off('peer:banned', onBanned);
    p2p.off('sync:progress', onProgress);
    p2p.off('state:mismatch', onMismatch);
  };
}
