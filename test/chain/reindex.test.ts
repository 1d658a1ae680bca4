import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADDRESS_INDEX_TIP } from '../../src/chain/address-indexer.js';
import { Chain } from '../../src/chain/chain.js';
import { checkStoredState, reindex } from '../../src/chain/reindex.js';
import { ChainStore } from '../../src/storage/index.js';
import { BlockBuilder, referenceVerifier, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';

const params = testParams();
let dir: string;
let store: ChainStore;
let chain: Chain;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-reindex-'));
  store = await ChainStore.open(dir);
  chain = await Chain.open({
    params,
    store,
    now: () => 2_000_000_000,
    verifier: referenceVerifier(params),
  });
  const b = new BlockBuilder(params);
  for (let i = 0; i < 20; i++) {
    await chain.processBlock(
      b.next({ txs: [transfer(params, testKey(i % 3), testKey(3).address, 5n, BigInt(Math.floor(i / 3)))] }),
    );
  }
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('reindex', () => {
  it('finds the stored state equal to a replay of the main chain', async () => {
    const progress: number[] = [];
    const check = await checkStoredState(store, params, (p) => progress.push(p.done));
    expect(check).toMatchObject({
      height: 20,
      mismatchedAccounts: 0,
      storedDigestMatches: true,
      tipUndoOk: true,
    });
    expect(progress.at(-1)).toBe(20);
  });

  it('detects a damaged account and rebuilds the state from the blocks', async () => {
    await store.batch().putAccount(testKey(3).address, { balance: 1n, nonce: 0n }).write();
    await store.batch().putAccount(testKey(40).address, { balance: 9n, nonce: 0n }).write();
    const damaged = await checkStoredState(store, params);
    expect(damaged.mismatchedAccounts).toBe(2);
    const result = await reindex(store, params);
    expect(result.mismatchedAccounts).toBe(2);
    const after = await checkStoredState(store, params);
    expect(after).toMatchObject({ mismatchedAccounts: 0, storedDigestMatches: true });
  });

  it('drops the address index, which the next start builds again from genesis', async () => {
    await chain.close();
    const before = await chain.addressTxs(testKey(3).address, 100);
    expect(before.txs).toHaveLength(20);
    await reindex(store, params);
    const keys = [];
    for await (const key of store.iterateAddressTxKeys()) keys.push(key);
    expect(keys).toHaveLength(0);
    expect(await store.getMeta(ADDRESS_INDEX_TIP)).toEqual(params.genesisHash);
    const reopened = await Chain.open({
      params,
      store,
      now: () => 2_000_000_000,
      verifier: referenceVerifier(params),
    });
    const after = await reopened.addressTxs(testKey(3).address, 100);
    expect(after.txs.map((t) => t.ref.height)).toEqual(before.txs.map((t) => t.ref.height));
    await reopened.close();
  });
});
