// A small in-process node for the API tests: a real Chain on a temp LevelDB, the real Mempool wired to
// the chain's events (as src/node does), and a miner that builds blocks with BlockBuilder.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer, type ApiServerOptions } from '../../src/api/server.js';
import { Chain } from '../../src/chain/chain.js';
import { originNow } from '../../src/chain/origin.js';
import { encodeAddress } from '../../src/consensus/address.js';
import { toHex } from '../../src/consensus/bytes.js';
import { encodeTx } from '../../src/consensus/encoding.js';
import { checkTxSignature } from '../../src/consensus/signature.js';
import type { Block, ChainParams, Hash, Tx } from '../../src/consensus/types.js';
import { Mempool } from '../../src/mempool/mempool.js';
import type { MempoolPolicy } from '../../src/mempool/policy.js';
import { ChainStore } from '../../src/storage/index.js';
import { BlockBuilder, referenceVerifier, testParams } from '../helpers/chain-fixtures.js';

export const NOW = 2_000_000_000;

export interface Fixture {
  readonly dir: string;
  readonly params: ChainParams;
  readonly store: ChainStore;
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly builder: BlockBuilder;
  readonly server: ApiServer;
  /** Mines `n` blocks on the tip with the mempool's best txs, like POST /mine does. */
  mine(n: number, to?: Uint8Array): Promise<Hash[]>;
  address(hash: Uint8Array): string;
  close(): Promise<void>;
}

export interface FixtureOptions {
  readonly params?: ChainParams;
  readonly policy?: Partial<MempoolPolicy>;
  readonly server?: Partial<ApiServerOptions>;
  /** Leave the miner out, to test a node without one. */
  readonly noMiner?: boolean;
}

export async function openFixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-api-'));
  const params = opts.params ?? testParams();
  const store = await ChainStore.open(dir);
  const chain = await Chain.open({
    params,
    store,
    now: () => NOW,
    verifier: referenceVerifier(params),
  });
  const mempool = new Mempool({
    chain,
    verifier: { verifyTx: async (tx) => checkTxSignature(tx, params.genesisHash) },
    policy: opts.policy,
    now: () => NOW,
  });
  chain.on('block:connected', ({ block, ids }) => void mempool.onBlockConnected(block, ids));
  chain.on('block:disconnected', ({ block, ids }) => void mempool.onBlockDisconnected(block, ids));
  const builder = new BlockBuilder(params);
  const blocks = new Map<string, Block>([[toHex(params.genesisHash), params.genesis]]);

  async function mine(n: number, to?: Uint8Array): Promise<Hash[]> {
    const hashes: Hash[] = [];
    for (let i = 0; i < n; i++) {
      const parent = blocks.get(chain.tip.hex) ?? (await chain.getBlock(chain.tip.hash))!;
      const txs = mempool.selectForBlock(params.maxBlockBytes).map((e) => e.tx);
      const block = builder.next({ parent, txs, miner: to });
      const { hash } = await chain.processBlock(block, originNow('mined'));
      blocks.set(toHex(hash), block);
      hashes.push(hash);
    }
    return hashes;
  }

  let server: ApiServer;
  try {
    server = new ApiServer({
      chain,
      mempool,
      ...(opts.noMiner ? {} : { miner: { mine: (n, to) => mine(n, to) } }),
      ...opts.server,
    });
  } catch (e) {
    await store.close();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    params,
    store,
    chain,
    mempool,
    builder,
    server,
    mine,
    address: (hash) => encodeAddress(hash, params.addressPrefix),
    async close() {
      await server.close();
      await chain.idle();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function rawHex(tx: Tx): string {
  return toHex(encodeTx(tx));
}
