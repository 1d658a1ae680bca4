// A running Cairn node: the composition root (DESIGN.md section 1). Storage, chain, mempool and miner
// come from openServices; this adds the HTTP API and the P2P network, routes their events to the log
// and the metrics, writes DIR/node.json when everything listens, and shuts it all down in order.
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Metrics } from '../api/metrics.js';
import { ApiServer } from '../api/server.js';
import type { ChainEvents, ConnectedBlock, ReorgEvent } from '../chain/chain.js';
import { toHex } from '../consensus/bytes.js';
import type { ChainParams } from '../consensus/types.js';
import type { MinedBlock } from '../mining/miner.js';
import type { Logger } from './logger.js';
import { openServices, type Services } from './services.js';

export interface NodeOptions {
  readonly datadir: string;
  readonly params: ChainParams;
  readonly logger: Logger;
  readonly apiHost?: string;
  readonly apiPort?: number;
  readonly apiToken?: string;
  /** Mine continuously to this 20-byte address hash. */
  readonly mineTo?: Uint8Array;
  readonly minerThreads?: number;
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
    let api: ApiServer | undefined;
    try {
      api = new ApiServer({
        chain,
        mempool,
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
      const info: NodeInfo = { peerId: '', multiaddrs: [], api: url };
      const node = new CairnNode(services, api, info, opts, detach);
      await node.writeInfo();
      logger.info(
        { network: params.network, height: chain.height, tip: toHex(chain.tip.hash), api: url },
        'node ready',
      );
      if (opts.mineTo && miner) {
        miner.start(opts.mineTo);
        logger.info({ threads: opts.minerThreads ?? 1 }, 'mining');
      }
      return node;
    } catch (e) {
      detach();
      await api?.close();
      metrics.close();
      await services.close();
      throw e;
    }
  }

  /** DIR/node.json, written atomically (temp file + rename) so a reader never sees half of it. */
  private async writeInfo(): Promise<void> {
    const file = join(this.opts.datadir, NODE_INFO_FILE);
    await writeFile(`${file}.tmp`, `${JSON.stringify(this.info, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }

  /** Stops mining, the network and the API, waits for chain work in flight, closes the database. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const { logger } = this.opts;
      logger.info('shutting down');
      await rm(join(this.opts.datadir, NODE_INFO_FILE), { force: true });
      await this.services.miner?.stop();
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
