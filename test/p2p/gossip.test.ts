// What gossip publishes, decided from the origin on each event alone (src/p2p/gossip.ts): blocks mined
// here or submitted over the API, txs submitted over the API or returned to the pool by a reorg; never
// again what came in by gossip or sync. Real chain and mempool (openServices on a temp LevelDB), so the
// events and their origins are the ones the node really emits; the gossipsub bus is a recorder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OriginKind, originNow } from '../../src/chain/origin.js';
import { toHex } from '../../src/consensus/bytes.js';
import { decodeBlock, decodeTx, encodeBlock, encodeTx } from '../../src/consensus/encoding.js';
import { blockHash, txId } from '../../src/consensus/hash.js';
import type { Block, ChainParams, Tx } from '../../src/consensus/types.js';
import { openServices, type Services } from '../../src/node/services.js';
import {
  Gossip,
  type GossipBus,
  type GossipReport,
  publishesBlock,
  publishesTx,
} from '../../src/p2p/gossip.js';
import { type NetworkIds, networkIds } from '../../src/p2p/topics.js';
import { silentLogger } from '../../src/util/logger.js';
import { BlockBuilder, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';

const ORIGINS: readonly OriginKind[] = ['mined', 'api', 'gossip', 'sync', 'reorg', 'reindex'];

describe('the publish decision, from the origin alone', () => {
  it('blocks: published when mined here or submitted over the API, never when they came from a peer', () => {
    const published = ORIGINS.filter((o) => publishesBlock(originNow(o)));
    expect(published).toEqual(['mined', 'api']);
  });

  it('txs: published when submitted over the API or returned by a reorg, never when they came from a peer', () => {
    const published = ORIGINS.filter((o) => publishesTx(originNow(o)));
    expect(published).toEqual(['api', 'reorg']);
  });
});

/** A gossipsub stand-in: records what is published and what verdict each message got. */
class RecordingBus implements GossipBus {
  readonly published: { topic: string; data: Uint8Array }[] = [];
  readonly verdicts: TopicValidatorResult[] = [];
  subscribe(): void {}
  async publish(topic: string, data: Uint8Array): Promise<unknown> {
    this.published.push({ topic, data });
    return undefined;
  }
  reportMessageValidationResult(_msgId: string, _from: string, result: TopicValidatorResult): void {
    this.verdicts.push(result);
  }
}

describe('Gossip on a real chain and mempool', () => {
  let dir: string;
  let services: Services;
  let params: ChainParams;
  let ids: NetworkIds;
  let bus: RecordingBus;
  let gossip: Gossip;
  const reports: GossipReport[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), `cairn-gossip-${process.pid}-`));
    params = testParams();
    ids = networkIds(params.genesisHash);
    services = await openServices({
      datadir: dir,
      params,
      logger: silentLogger(),
      minerThreads: 0,
      verifyThreads: 1,
      now: () => 2_000_000_000,
    });
    bus = new RecordingBus();
    reports.length = 0;
    gossip = new Gossip({
      ids,
      maxBlockBytes: params.maxBlockBytes,
      chain: services.chain,
      mempool: services.mempool,
      logger: silentLogger(),
      maxPendingValidations: 16,
      onOrphan: () => undefined,
      onPeerHas: () => undefined,
      penalise: () => undefined,
      report: (r) => reports.push(r),
    });
    gossip.start(bus);
  });

  afterEach(async () => {
    gossip.stop();
    await services.close();
    await rm(dir, { recursive: true, force: true });
  });

  const blocksOut = () => bus.published.filter((p) => p.topic === ids.blocksTopic).map((p) => hashOf(p.data));
  const txsOut = () => bus.published.filter((p) => p.topic === ids.txsTopic).map((p) => idOf(p.data));
  const hashOf = (bytes: Uint8Array) => toHex(blockHash(decodeBlock(bytes, params.maxBlockBytes).header));
  const idOf = (bytes: Uint8Array) => toHex(txId(decodeTx(bytes)));
  const hex = (b: Block) => toHex(blockHash(b.header));
  const message = (topic: string, data: Uint8Array, n: number) => ({
    propagationSource: { toString: () => 'peer-x' },
    msgId: `m${n}`,
    msg: { topic, data },
  });
  /** Waits until the mempool has handled the chain's block events (openServices queues them). */
  const settled = async (check: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('the mempool did not follow the chain in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('publishes a mined and an API block, not one that came by gossip or sync', async () => {
    const b = new BlockBuilder(params);
    const [mined, api, gossiped, synced] = b.extend(4);
    await services.chain.processBlock(mined!, originNow('mined'));
    await services.chain.processBlock(api!, originNow('api'));
    await gossip.onMessage(message(ids.blocksTopic, encodeBlock(gossiped!), 1));
    await services.chain.processBlock(synced!, originNow('sync', 'peer-y'));
    expect(services.chain.height).toBe(4);
    expect(blocksOut()).toEqual([hex(mined!), hex(api!)]);
    // The gossiped block was accepted, so gossipsub itself forwards it to our mesh.
    expect(bus.verdicts).toEqual([TopicValidatorResult.Accept]);
  });

  it('publishes a mined block stored on a side branch (peers on that branch need it)', async () => {
    const b = new BlockBuilder(params);
    const [main1, main2] = b.extend(2);
    await services.chain.processBlock(main1!, originNow('sync', 'peer-y'));
    await services.chain.processBlock(main2!, originNow('sync', 'peer-y'));
    const side = b.next({ parent: params.genesis, miner: testKey(7).address });
    expect(await services.chain.processBlock(side, originNow('mined'))).toMatchObject({ status: 'stored' });
    expect(blocksOut()).toEqual([hex(side)]);
  });

  it('publishes an API tx, not a gossiped one; a tx a reorg returns is published again', async () => {
    const apiTx = transfer(params, testKey(0), testKey(1).address, 5n, 0n);
    const gossipTx = transfer(params, testKey(1), testKey(2).address, 6n, 0n);
    await services.mempool.add(apiTx, originNow('api'));
    await gossip.onMessage(message(ids.txsTopic, encodeTx(gossipTx), 1));
    expect(services.mempool.size).toBe(2);
    expect(txsOut()).toEqual([toHex(txId(apiTx))]);

    // Branch A mines the gossiped tx (the block came by sync); branch B, heavier, does not have it.
    const b = new BlockBuilder(params);
    const a1 = b.next({ parent: params.genesis, txs: [gossipTx] as Tx[] });
    await services.chain.processBlock(a1, originNow('sync', 'peer-y'));
    await settled(() => !services.mempool.has(txId(gossipTx)));
    const [b1, b2] = b.extend(2, { parent: params.genesis, miner: testKey(8).address });
    await services.chain.processBlock(b1!, originNow('sync', 'peer-z'));
    await services.chain.processBlock(b2!, originNow('sync', 'peer-z'));
    expect(toHex(services.chain.tip.hash)).toBe(hex(b2!));
    await settled(() => services.mempool.has(txId(gossipTx)));
    // Back in the pool with origin 'reorg': peers that dropped it with branch A need it again.
    expect(txsOut()).toEqual([toHex(txId(apiTx)), toHex(txId(gossipTx))]);
    // Blocks connected by the switch carry origin 'reorg' (or their own 'sync'): none is published.
    expect(blocksOut()).toEqual([]);
  });
});
