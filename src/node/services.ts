// The local services of a node, built and wired in one place (docs/ARCHITECTURE.md §1: src/node is the
// composition root). `cairn mine` and `cairn reindex` use them alone; `cairn start` adds the API and P2P.
import { availableParallelism } from 'node:os';
import { Chain } from '../chain/chain.js';
import type { ChainParams } from '../consensus/types.js';
import { SignatureCache } from '../crypto/signature-cache.js';
import { TxVerifier } from '../crypto/tx-verifier.js';
import type { BackendName } from '../crypto/verifier.js';
import { VerifierPool } from '../crypto/verifier-pool.js';
import { Mempool } from '../mempool/mempool.js';
import { Miner } from '../mining/miner.js';
import { ChainStore, type Durability } from '../storage/index.js';
import type { Logger } from '../util/logger.js';

export interface ServiceOptions {
  readonly datadir: string;
  readonly params: ChainParams;
  readonly logger: Logger;
  /** Mining worker threads (default 1); 0 builds no miner. */
  readonly minerThreads?: number;
  /** Signature verification worker threads (default: one per core). */
  readonly verifyThreads?: number;
  /** Signature backend (default resolveBackend(): $CAIRN_VERIFIER, else native if it loads, else WASM). */
  readonly verifier?: BackendName;
  readonly now?: () => number;
  /** When writes reach the disk (default 'tip': every block connected is fsynced; docs/STORAGE.md). */
  readonly durability?: Durability;
}

export interface Services {
  readonly params: ChainParams;
  readonly store: ChainStore;
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly verifier: TxVerifier;
  readonly miner: Miner | undefined;
  /** Stops everything in dependency order: miner, then pending chain work, then workers, then the DB. */
  close(): Promise<void>;
}

export async function openServices(opts: ServiceOptions): Promise<Services> {
  const { params, logger } = opts;
  // Durability 'tip': every block the node connects is on the disk before anyone hears of it (the cost,
  // about one fdatasync per block, is measured by `npm run bench -- chain`: docs/STORAGE.md "Durability").
  const store = await ChainStore.open(opts.datadir, { durability: opts.durability ?? 'tip' });
  const pool = new VerifierPool({
    size: opts.verifyThreads ?? availableParallelism(),
    backend: opts.verifier,
  });
  const verifier = new TxVerifier({ genesisHash: params.genesisHash, pool, cache: new SignatureCache() });
  let chain: Chain;
  try {
    chain = await Chain.open({ params, store, verifier, now: opts.now });
    const lost = chain.rollback;
    if (lost) {
      // Logged once, here: the chain found it, and has no logger of its own.
      const { recorded } = lost;
      logger.error(
        {
          code: 'CHAIN_ROLLBACK',
          recordedHeight: recorded.height,
          recordedHash: recorded.hash,
          recordedClean: recorded.clean,
          height: lost.height,
          hash: lost.hash,
        },
        `the chain came back at height ${lost.height}, below height ${recorded.height} recorded ` +
          `${recorded.clean ? 'at the last clean stop' : 'while the node ran'} (${recorded.at}): blocks it had ` +
          'acknowledged were lost, most likely with the end of the database log in a power loss; peers give them back by sync',
      );
    }
  } catch (e) {
    await verifier.close();
    await store.close();
    throw e;
  }
  const mempool = new Mempool({ chain, verifier, now: opts.now });
  // Reorgs: the disconnected blocks' txs go back to the pool, the connected blocks' txs leave it. The
  // chain emits these in order (disconnects first), and the pool handles each before the next.
  let mempoolQueue: Promise<void> = Promise.resolve();
  const enqueue = (fn: () => Promise<void>) => {
    mempoolQueue = mempoolQueue.then(fn).catch((e) => logger.error({ err: e }, 'mempool update failed'));
  };
  chain.on('block:connected', ({ block, ids }) => enqueue(() => mempool.onBlockConnected(block, ids)));
  chain.on('block:disconnected', ({ block, ids }) => enqueue(() => mempool.onBlockDisconnected(block, ids)));

  const threads = opts.minerThreads ?? 1;
  const miner = threads > 0 ? new Miner({ chain, txs: mempool, threads, now: opts.now }) : undefined;
  miner?.on('error', (e) => logger.warn({ err: e.message }, 'mining attempt failed'));

  // Expiry needs a clock tick; the pool itself never looks at the time on its own.
  const expiry = setInterval(() => mempool.expire(), 60_000);
  expiry.unref();

  let closing: Promise<void> | undefined;
  return {
    params,
    store,
    chain,
    mempool,
    verifier,
    miner,
    close() {
      closing ??= (async () => {
        clearInterval(expiry);
        await miner?.close();
        await chain.close();
        await mempoolQueue;
        await verifier.close();
        await store.close();
      })();
      return closing;
    },
  };
}
