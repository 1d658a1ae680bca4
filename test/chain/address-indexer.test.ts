import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADDRESS_INDEX_TIP, AddressIndexer } from '../../src/chain/address-indexer.js';
import { Chain } from '../../src/chain/chain.js';
import { toHex } from '../../src/consensus/bytes.js';
import { blockHash, txId } from '../../src/consensus/hash.js';
import type { Block, ChainParams, Tx } from '../../src/consensus/types.js';
import { ChainStore } from '../../src/storage/index.js';
import { CHAIN_DB_DIR, SUBLEVEL } from '../../src/storage/layout.js';
import { BlockBuilder, referenceVerifier, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';

let dir: string;
let store: ChainStore;
let chain: Chain;
let params: ChainParams;
let builder: BlockBuilder;
/** Three blocks: block i+1 holds key i → key 3 (5 units); block 2 also holds key 3 → key 3 (to itself). */
let blocks: Block[];
const k = [0, 1, 2, 3, 4].map(testKey);

async function open(): Promise<Chain> {
  return Chain.open({ params, store, now: () => 2_000_000_000, verifier: referenceVerifier(params) });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-address-indexer-'));
  params = testParams();
  store = await ChainStore.open(dir);
  chain = await open();
  builder = new BlockBuilder(params);
  blocks = [0, 1, 2].map((i) => {
    const txs: Tx[] = [transfer(params, k[i]!, k[3]!.address, 5n, 0n)];
    if (i === 1) txs.push(transfer(params, k[3]!, k[3]!.address, 1n, 0n));
    return builder.next({ txs });
  });
  for (const blk of blocks) await chain.processBlock(blk);
});

afterEach(async () => {
  await chain.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The whole history of `address` as "height.position id" strings, newest first. */
async function history(c: Chain, address: Uint8Array): Promise<string[]> {
  const page = await c.addressTxs(address, 1000);
  return page.txs.map(({ ref }) => `${ref.height}.${ref.position} ${toHex(ref.id)}`);
}

const row = (blk: Block, position: number) =>
  `${blk.header.height}.${position} ${toHex(txId(blk.txs[position]!))}`;

describe('AddressIndexer', () => {
  it('indexes the sender and the recipient of every connected tx, newest first; a tx to oneself once', async () => {
    expect(await history(chain, k[3]!.address)).toEqual([
      row(blocks[2]!, 0),
      row(blocks[1]!, 1),
      row(blocks[1]!, 0),
      row(blocks[0]!, 0),
    ]);
    expect(await history(chain, k[0]!.address)).toEqual([row(blocks[0]!, 0)]);
    expect(await history(chain, k[4]!.address)).toEqual([]);
    await chain.idle();
    await chain.close();
    expect(toHex((await store.getMeta(ADDRESS_INDEX_TIP))!)).toBe(toHex(blockHash(blocks[2]!.header)));
  });

  it('pages: at most `limit` entries, and `next` continues strictly before the last one', async () => {
    const first = await chain.addressTxs(k[3]!.address, 3);
    expect(first.txs.map((t) => `${t.ref.height}.${t.ref.position}`)).toEqual(['3.0', '2.1', '2.0']);
    expect(first.next).toEqual({ height: 2, position: 0 });
    const second = await chain.addressTxs(k[3]!.address, 3, first.next);
    expect(second.txs.map((t) => `${t.ref.height}.${t.ref.position}`)).toEqual(['1.0']);
    expect(second.next).toBeUndefined();
    // The entry's block is the one the tx is in.
    expect(first.txs[0]!.entry.hex).toBe(toHex(blockHash(blocks[2]!.header)));
  });

  it('a reorg removes the txs of the disconnected blocks and adds those of the connected ones', async () => {
    // A longer branch from block 1: blocks 2 and 3 (and their txs) leave the main chain.
    const b2 = builder.next({ parent: blocks[0]!, txs: [transfer(params, k[2]!, k[4]!.address, 7n, 0n)] });
    const b3 = builder.next({ parent: b2 });
    const b4 = builder.next({ parent: b3 });
    for (const blk of [b2, b3, b4]) await chain.processBlock(blk);
    expect(chain.tip.hex).toBe(toHex(blockHash(b4.header)));
    expect(await history(chain, k[3]!.address)).toEqual([row(blocks[0]!, 0)]);
    expect(await history(chain, k[1]!.address)).toEqual([]);
    expect(await history(chain, k[4]!.address)).toEqual([row(b2, 0)]);
    expect(await history(chain, k[2]!.address)).toEqual([row(b2, 0)]);
    await chain.close();
    expect(toHex((await store.getMeta(ADDRESS_INDEX_TIP))!)).toBe(toHex(blockHash(b4.header)));
  });

  it('an existing datadir without the index (older Cairn) is indexed from genesis when the chain opens', async () => {
    await chain.close();
    await store.close();
    // Remove every trace of the index with LevelDB itself, as in a datadir written before it existed.
    const db = new Level<Uint8Array, Uint8Array>(join(dir, CHAIN_DB_DIR), {
      keyEncoding: 'view',
      valueEncoding: 'view',
    });
    await db.sublevel<Uint8Array, Uint8Array>(SUBLEVEL.addressTx, { keyEncoding: 'view' }).clear();
    await db
      .sublevel<Uint8Array, Uint8Array>(SUBLEVEL.meta, { keyEncoding: 'view' })
      .del(new TextEncoder().encode(ADDRESS_INDEX_TIP));
    await db.close();
    store = await ChainStore.open(dir);
    expect(await store.getMeta(ADDRESS_INDEX_TIP)).toBeUndefined();
    expect(await store.getAddressTxs(k[3]!.address, 10)).toEqual([]);
    chain = await open();
    expect(await history(chain, k[3]!.address)).toHaveLength(4);
    expect(await history(chain, k[1]!.address)).toEqual([row(blocks[1]!, 0)]);
  });

  it('catchUp walks an index left on a losing branch back to the fork point, then forward', async () => {
    // Index the main chain g-1-2-3, then switch the chain to 1-b2-b3-b4 with the indexer NOT listening:
    // as if the process died after the chain's batches and before the index's.
    const b2 = builder.next({ parent: blocks[0]!, txs: [transfer(params, k[2]!, k[4]!.address, 7n, 0n)] });
    const b3 = builder.next({ parent: b2 });
    const b4 = builder.next({ parent: b3 });
    await chain.idle();
    chain.removeAllListeners('block:connected');
    chain.removeAllListeners('block:disconnected');
    for (const blk of [b2, b3, b4]) await chain.processBlock(blk);
    const indexer = new AddressIndexer(store);
    // Still the old branch's view until it catches up.
    expect((await store.getAddressTxs(k[3]!.address, 10)).length).toBe(4);
    expect(await indexer.catchUp(chain)).toEqual({ connected: 3, disconnected: 2 });
    const refs = await store.getAddressTxs(k[3]!.address, 10);
    expect(refs.map((r) => toHex(r.id))).toEqual([toHex(txId(blocks[0]!.txs[0]!))]);
    expect((await store.getAddressTxs(k[4]!.address, 10)).map((r) => toHex(r.id))).toEqual([
      toHex(txId(b2.txs[0]!)),
    ]);
    expect(toHex((await store.getMeta(ADDRESS_INDEX_TIP))!)).toBe(toHex(blockHash(b4.header)));
    expect(await indexer.catchUp(chain)).toEqual({ connected: 0, disconnected: 0 });
  });
});
