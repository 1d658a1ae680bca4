import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Chain } from '../../src/chain/chain.js';
import { TX_INDEX_TIP, TxIndexer } from '../../src/chain/tx-indexer.js';
import { toHex } from '../../src/consensus/bytes.js';
import { blockHash, txId } from '../../src/consensus/hash.js';
import type { Block, ChainParams } from '../../src/consensus/types.js';
import { ChainStore } from '../../src/storage/index.js';
import { BlockBuilder, referenceVerifier, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';

let dir: string;
let store: ChainStore;
let chain: Chain;
let params: ChainParams;
let blocks: Block[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-tx-indexer-'));
  params = testParams();
  store = await ChainStore.open(dir);
  chain = await Chain.open({ params, store, now: () => 2_000_000_000, verifier: referenceVerifier(params) });
  const b = new BlockBuilder(params);
  blocks = [0, 1, 2].map((i) => b.next({ txs: [transfer(params, testKey(i), testKey(3).address, 5n, 0n)] }));
  for (const blk of blocks) await chain.processBlock(blk);
});

afterEach(async () => {
  await chain.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('TxIndexer', () => {
  it("follows 'block:connected': its tip is the last connected block once the writes are done", async () => {
    await chain.close();
    expect(toHex((await store.getMeta(TX_INDEX_TIP))!)).toBe(toHex(blockHash(blocks[2]!.header)));
    const loc = await store.getTxLocation(txId(blocks[1]!.txs[0]!));
    expect(toHex(loc!.blockHash)).toBe(toHex(blockHash(blocks[1]!.header)));
    expect(loc!.index).toBe(0);
  });

  it('catches up from genesis when the index tip says nothing was indexed', async () => {
    await chain.close();
    const batch = store.batch().setMeta(TX_INDEX_TIP, params.genesisHash);
    for (const blk of blocks) batch.delTxLocation(txId(blk.txs[0]!));
    await batch.write();
    const indexer = new TxIndexer(store);
    expect(await indexer.catchUp(chain)).toBe(3);
    for (const [i, blk] of blocks.entries()) {
      expect((await indexer.find(chain, txId(blk.txs[0]!)))?.entry.header.height).toBe(i + 1);
    }
    // Caught up: nothing more to do.
    expect(await indexer.catchUp(chain)).toBe(0);
  });
});
