// The wired services: chain events keep the mempool right through reorgs, and the miner mines the
// returned txs again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/consensus/bytes.js';
import { txId } from '../../src/consensus/hash.js';
import type { Block } from '../../src/consensus/types.js';
import { openServices, type Services } from '../../src/node/services.js';
import { silentLogger } from '../../src/util/logger.js';
import { waitFor } from '../e2e/helpers.js';
import { BlockBuilder, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';

const params = testParams();
let dir: string;
let services: Services;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-services-'));
  services = await openServices({
    datadir: dir,
    params,
    logger: silentLogger(),
    minerThreads: 1,
    verifyThreads: 1,
  });
});

afterEach(async () => {
  await services.close();
  await rm(dir, { recursive: true, force: true });
});

describe('node services', () => {
  it('a 100-block reorg returns the disconnected txs to the mempool, and the miner mines them again', async () => {
    const { chain, mempool, miner } = services;
    const b = new BlockBuilder(params);
    const [b1] = b.extend(1);
    await chain.processBlock(b1!);
    // Branch A: 100 blocks, each with one transfer from key 0 (nonces 0..99).
    const a: Block[] = [];
    let parent = b1!;
    for (let i = 0; i < 100; i++) {
      parent = b.next({
        parent,
        txs: [transfer(params, testKey(0), testKey(1).address, 10n, BigInt(i), 2_000n)],
      });
      a.push(parent);
    }
    for (const blk of a) await chain.processBlock(blk);
    expect(chain.height).toBe(101);
    // Branch B: 101 empty blocks from b1 wins; A's 100 txs must come back to the pool.
    for (const blk of b.extend(101, { parent: b1 })) await chain.processBlock(blk);
    expect(chain.height).toBe(102);
    const ids = a.map((blk) => toHex(txId(blk.txs[0]!)));
    await waitFor('the disconnected txs in the mempool', () => mempool.size === 100);
    expect(new Set([...mempool.entries()].map((e) => toHex(e.id)))).toEqual(new Set(ids));
    expect((await chain.getAccount(testKey(0).address)).nonce).toBe(0n);
    // Mining picks them up again, in nonce order.
    await miner!.mine(1, testKey(9).address);
    const block = (await chain.getBlock(chain.tip.hash))!;
    expect(block.txs.map((t) => t.nonce)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
    await waitFor('the mempool to empty', () => mempool.size === 0);
    expect((await chain.getAccount(testKey(0).address)).nonce).toBe(100n);
  });

  it('accepts a tx, mines it, and moves balances by exactly amount and fee', async () => {
    const { chain, mempool, miner } = services;
    const tx = transfer(params, testKey(2), testKey(3).address, 12_345n, 0n, 5_000n);
    const before = await chain.getAccounts([testKey(2).address, testKey(3).address]);
    await mempool.add(tx);
    expect(mempool.has(txId(tx))).toBe(true);
    const [mined] = await miner!.mine(1, testKey(8).address);
    expect(mined!.txCount).toBe(1);
    const after = await chain.getAccounts([testKey(2).address, testKey(3).address, testKey(8).address]);
    expect(after[0]!.balance).toBe(before[0]!.balance - 12_345n - 5_000n);
    expect(after[1]!.balance).toBe(before[1]!.balance + 12_345n);
    expect(after[2]!.balance).toBe(params.initialSubsidy + 5_000n);
    await waitFor('the mempool to drop the mined tx', () => !mempool.has(txId(tx)));
  });
});
