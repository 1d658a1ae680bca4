import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Chain, type ReorgEvent } from '../../src/chain/chain.js';
import { fromHex, toHex } from '../../src/consensus/bytes.js';
import { encodeBlock } from '../../src/consensus/encoding.js';
import { RuleError } from '../../src/consensus/errors.js';
import { blockHash, txId } from '../../src/consensus/hash.js';
import { computeDigest } from '../../src/consensus/state.js';
import { blockSubsidy } from '../../src/consensus/subsidy.js';
import type { Account, Block, ChainParams } from '../../src/consensus/types.js';
import { ChainStore } from '../../src/storage/index.js';
import {
  BlockBuilder,
  FUNDING,
  referenceVerifier,
  testKey,
  testParams,
  transfer,
} from '../helpers/chain-fixtures.js';

let dir: string;
let store: ChainStore;
let chain: Chain;
let params: ChainParams;

async function openChain(
  p: ChainParams,
  now = () => 2_000_000_000,
  verifier = referenceVerifier(p),
): Promise<Chain> {
  store = await ChainStore.open(dir);
  chain = await Chain.open({ params: p, store, now, verifier });
  return chain;
}

/**
 * Opens the chain with a verifier that records how many txs it is asked to check (the reference
 * verifier does the checking underneath); returns that record.
 */
async function openCountingChain(): Promise<number[]> {
  const checked: number[] = [];
  const reference = referenceVerifier(params);
  await openChain(params, undefined, {
    verifyTxs: async (txs) => {
      checked.push(txs.length);
      await reference.verifyTxs(txs);
    },
  });
  return checked;
}

async function snapshot(): Promise<Map<string, Account>> {
  const out = new Map<string, Account>();
  for await (const [address, account] of store.iterateAccounts()) out.set(toHex(address), account);
  return out;
}

async function processAll(blocks: readonly Block[]): Promise<void> {
  for (const b of blocks) await chain.processBlock(b);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-chain-'));
  params = testParams();
});

afterEach(async () => {
  await chain?.idle();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Chain', () => {
  it('starts at genesis with the allocations as its state', async () => {
    await openChain(params);
    expect(chain.height).toBe(0);
    expect(toHex(chain.tip.hash)).toBe(toHex(params.genesisHash));
    const state = await snapshot();
    expect(state.size).toBe(params.allocations.length);
    expect((await chain.getAccount(testKey(0).address)).balance).toBe(FUNDING);
    const digest = computeDigest([...state].map(([k, v]) => [fromHex(k), v] as const));
    expect(toHex(chain.stateDigest)).toBe(digest.toString(16).padStart(64, '0'));
  });

  it('connects blocks: balances move by exactly amount and fee, the miner gets subsidy + fees', async () => {
    await openChain(params);
    const b = new BlockBuilder(params);
    const alice = testKey(0);
    const bob = testKey(1);
    const miner = testKey(7).address;
    const tx = transfer(params, alice, bob.address, 5_000n, 0n, 250n);
    const block = b.next({ txs: [tx], miner });
    const r = await chain.processBlock(block);
    expect(r.status).toBe('connected');
    expect(await chain.getAccount(alice.address)).toEqual({ balance: FUNDING - 5_250n, nonce: 1n });
    expect(await chain.getAccount(bob.address)).toEqual({ balance: FUNDING + 5_000n, nonce: 0n });
    expect(await chain.getAccount(miner)).toEqual({ balance: blockSubsidy(1, params) + 250n, nonce: 0n });
    const found = await chain.findTx(txId(tx));
    expect(found?.entry.header.height).toBe(1);
    expect(found?.index).toBe(0);
    expect(await chain.processBlock(block)).toMatchObject({ status: 'duplicate' });
  });

  it('rejects a tx that replays a nonce, and remembers the block as invalid', async () => {
    await openChain(params);
    const b = new BlockBuilder(params);
    const tx = transfer(params, testKey(0), testKey(1).address, 1n, 0n);
    await chain.processBlock(b.next({ txs: [tx] }));
    const replay = b.next({ txs: [tx] });
    await expect(chain.processBlock(replay)).rejects.toMatchObject({ code: 'BAD_NONCE' });
    expect(chain.height).toBe(1);
    expect(chain.index.get(blockHash(replay.header))?.status).toBe('invalid');
    const child = b.next({ parent: replay });
    await expect(chain.processBlock(child)).rejects.toMatchObject({ code: 'INVALID_ANCESTOR' });
  });

  it('reorgs to a heavier branch even when it is shorter', async () => {
    const p = testParams({ noRetargeting: false, asertHalfLife: 10 });
    await openChain(p);
    const b = new BlockBuilder(p);
    const [b1] = b.extend(1);
    // Branch A: four late blocks, all at the (easy) limit.
    const a = b.extend(4, { parent: b1, gap: 100 });
    // Branch B: three early blocks; ASERT makes each harder, so three outweigh four.
    const bb = b.extend(3, { parent: b1, gap: 1 });
    const reorgs: ReorgEvent[] = [];
    chain.on('reorg', (e) => reorgs.push(e));
    await processAll([b1!, ...a]);
    expect(chain.height).toBe(5);
    await processAll(bb);
    expect(chain.height).toBe(4);
    expect(toHex(chain.tip.hash)).toBe(toHex(blockHash(bb[2]!.header)));
    expect(chain.tip.chainWork > chain.index.get(blockHash(a[3]!.header))!.chainWork).toBe(true);
    expect(reorgs).toHaveLength(1);
    expect(reorgs[0]!.depth).toBe(4);
  });

  it('keeps the first-seen tip when a competing branch has equal work', async () => {
    await openChain(params);
    const b = new BlockBuilder(params);
    const [b1] = b.extend(1);
    const x = b.next({ parent: b1, miner: testKey(10).address });
    const y = b.next({ parent: b1, miner: testKey(11).address });
    await processAll([b1!, x]);
    const r = await chain.processBlock(y);
    expect(r.status).toBe('stored');
    expect(toHex(chain.tip.hash)).toBe(toHex(blockHash(x.header)));
    // One more block on y's branch makes it heavier: now it wins.
    await chain.processBlock(b.next({ parent: y }));
    expect(chain.height).toBe(3);
    expect(toHex(chain.atHeight(2)!.hash)).toBe(toHex(blockHash(y.header)));
  });

  it('a 100-block reorg restores the exact account state, and disconnected txs are reported', async () => {
    await openChain(params);
    const b = new BlockBuilder(params);
    const [b1] = b.extend(1);
    await chain.processBlock(b1!);
    const before = await snapshot();
    const digestBefore = toHex(chain.stateDigest);
    // Branch A: 100 blocks full of transfers between the funded keys.
    const nonces = [0n, 0n, 0n, 0n];
    const a: Block[] = [];
    let parent = b1!;
    for (let i = 0; i < 100; i++) {
      const txs = [0, 1, 2].map((k) => {
        const from = (i + k) % 4;
        return transfer(
          params,
          testKey(from),
          testKey((from + 1) % 4).address,
          BigInt(1 + i),
          nonces[from]!++,
          10n,
        );
      });
      parent = b.next({ parent, txs, miner: testKey(20).address });
      a.push(parent);
    }
    await processAll(a);
    expect(chain.height).toBe(101);
    const disconnected: Block[] = [];
    chain.on('block:disconnected', (d) => disconnected.push(d.block));
    // Branch B: 101 empty blocks from b1: heavier by one block.
    const bb = b.extend(101, { parent: b1, miner: testKey(21).address });
    await processAll(bb);
    expect(chain.height).toBe(102);
    expect(disconnected).toHaveLength(100);
    expect(disconnected.flatMap((d) => d.txs)).toHaveLength(300);
    // State = state at b1 + branch B's miner rewards only.
    const after = await snapshot();
    const expected = new Map(before);
    let reward = 0n;
    for (let h = 2; h <= 102; h++) reward += blockSubsidy(h, params);
    expected.set(toHex(testKey(21).address), { balance: reward, nonce: 0n });
    expect(after).toEqual(expected);
    const digest = computeDigest([...after].map(([k, v]) => [fromHex(k), v] as const));
    expect(toHex(chain.stateDigest)).toBe(digest.toString(16).padStart(64, '0'));
    expect(toHex(chain.stateDigest)).not.toBe(digestBefore);
    // Reorg back (A extended by two) and the state follows.
    const a2 = b.extend(2, { parent: a[99] });
    await processAll(a2);
    expect(chain.height).toBe(103);
    expect(toHex(chain.atHeight(101)!.hash)).toBe(toHex(blockHash(a[99]!.header)));
    expect((await chain.getAccount(testKey(0).address)).nonce).toBe(BigInt(nonces[0]!));
  });

  it('abandons a heavier branch with an invalid block deep inside and returns to the best valid chain', async () => {
    await openChain(params);
    const b = new BlockBuilder(params);
    const [b1] = b.extend(1);
    const a = b.extend(5, { parent: b1 });
    await processAll([b1!, ...a]);
    const stateA = await snapshot();
    const tipA = toHex(chain.tip.hash);
    // Branch B: 8 blocks; the 4th spends more than the sender has (valid work, merkle and signature).
    const bb = b.extend(3, { parent: b1 });
    const bad = b.next({
      parent: bb[2],
      txs: [transfer(params, testKey(0), testKey(1).address, FUNDING * 2n, 0n)],
    });
    const rest = b.extend(4, { parent: bad });
    const invalid: string[] = [];
    chain.on('block:invalid', (e) => invalid.push(e.error.code));
    for (const blk of [...bb, bad, ...rest]) {
      try {
        await chain.processBlock(blk);
      } catch (e) {
        expect(e).toBeInstanceOf(RuleError);
      }
    }
    expect(invalid).toContain('INSUFFICIENT_FUNDS');
    expect(toHex(chain.tip.hash)).toBe(tipA);
    expect(await snapshot()).toEqual(stateA);
    for (const blk of [bad, ...rest]) expect(chain.index.get(blockHash(blk.header))?.status).toBe('invalid');
  });

  it('connects orphans that arrive in reverse order once their parent comes', async () => {
    await openChain(params);
    const b = new BlockBuilder(params);
    const blocks = b.extend(6);
    for (let i = 5; i >= 1; i--) {
      const r = await chain.processBlock(blocks[i]!);
      expect(r.status).toBe('orphan');
      expect(toHex(r.missing!)).toBe(toHex(blockHash(blocks[i - 1]!.header)));
    }
    expect(chain.orphans.size).toBe(5);
    // The pool knows the whole waiting line hangs on the first block: that is what sync asks for.
    expect(toHex(chain.orphans.missingRoot(blockHash(blocks[5]!.header))!)).toBe(
      toHex(blockHash(blocks[0]!.header)),
    );
    await chain.processBlock(blocks[0]!);
    expect(chain.height).toBe(6);
    expect(chain.orphans.size).toBe(0);
  });

  it('does not cache a malformed body as invalid: the honest body with the same header still connects', async () => {
    await openChain(params);
    const b = new BlockBuilder(params);
    const tx = transfer(params, testKey(0), testKey(1).address, 7n, 0n);
    const honest = b.next({ txs: [tx] });
    await expect(chain.processBlock({ header: honest.header, txs: [] })).rejects.toMatchObject({
      code: 'BAD_MERKLE_ROOT',
    });
    await expect(chain.processBlock({ header: honest.header, txs: [tx, tx] })).rejects.toMatchObject({
      code: 'BAD_MERKLE_ROOT',
    });
    expect(chain.index.get(blockHash(honest.header))).toBeUndefined();
    expect((await chain.processBlock(honest)).status).toBe('connected');
  });

  it('prepareBlock verifies ahead once; processBlock reuses it and judges the block as always', async () => {
    const checked = await openCountingChain();
    const b = new BlockBuilder(params);
    const k0 = testKey(0);
    const first = b.next({ txs: [transfer(params, k0, testKey(1).address, 7n, 0n)] });
    const second = b.next({
      parent: first,
      txs: [
        transfer(params, k0, testKey(1).address, 7n, 1n),
        transfer(params, testKey(2), k0.address, 1n, 0n),
      ],
    });
    // The second is prepared while the first is still to come: its signatures are checked now, once.
    chain.prepareBlock(second);
    chain.prepareBlock(second); // a second hint changes nothing
    expect(checked).toEqual([2]);
    expect((await chain.processBlock(first)).status).toBe('connected');
    expect((await chain.processBlock(second)).status).toBe('connected');
    expect(checked).toEqual([2, 1]); // the first block's one tx; the second's were not checked again

    // A prepared block with a bad signature is refused by processBlock with the usual code.
    const forged = transfer(params, k0, testKey(1).address, 7n, 2n);
    const bad = b.next({ parent: second, txs: [{ ...forged, amount: forged.amount + 1n }] });
    chain.prepareBlock(bad);
    await expect(chain.processBlock(bad)).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    // A mutated body is not even sent for verification: its merkle root fails first, and processBlock
    // says so.
    const calls = checked.length;
    const honest = b.next({ parent: second, txs: [forged] });
    const mutated = { header: honest.header, txs: [forged, forged] };
    chain.prepareBlock(mutated);
    expect(checked.length).toBe(calls);
    await expect(chain.processBlock(mutated)).rejects.toMatchObject({ code: 'BAD_MERKLE_ROOT' });
  });

  it('prepareBlock is only a hint: other bytes are checked anew, a closed chain ignores it', async () => {
    const checked = await openCountingChain();
    const b = new BlockBuilder(params);
    const k0 = testKey(0);
    const tx = transfer(params, k0, testKey(1).address, 7n, 0n);
    const block = b.next({ txs: [tx] });
    const encoded = encodeBlock(block);
    // Prepared from its decoded txs, then handed over with bytes of the right length that are not its
    // own (a caller's bug): what prepare found does not vouch for them, so they are hashed and refused,
    // and nothing is stored or condemned.
    chain.prepareBlock(block);
    const other = encodeBlock({ header: block.header, txs: [{ ...tx, amount: 8n }] });
    expect(other.length).toBe(encoded.length);
    await expect(chain.processBlock(block, undefined, other)).rejects.toMatchObject({
      code: 'BAD_MERKLE_ROOT',
    });
    expect(await chain.getBlockBytes(blockHash(block.header))).toBeUndefined();
    // Prepared with the wrong bytes: prepare keeps nothing (and throws nothing); processBlock with the
    // block's own bytes checks them and connects it.
    chain.prepareBlock(block, other);
    expect((await chain.processBlock(block, undefined, encoded)).status).toBe('connected');
    expect(await chain.getBlockBytes(blockHash(block.header))).toEqual(encoded);
    // Once closing, a hint costs nothing: no signature goes to the verifier.
    const calls = checked.length;
    await chain.close();
    chain.prepareBlock(b.next({ parent: block, txs: [transfer(params, k0, testKey(1).address, 7n, 1n)] }));
    expect(checked.length).toBe(calls);
  });

  it('stores the bytes a block came as, and hashes its txs from them', async () => {
    await openChain(params);
    const block = new BlockBuilder(params).next({
      txs: [transfer(params, testKey(0), testKey(1).address, 7n, 0n)],
    });
    const encoded = encodeBlock(block);
    expect((await chain.processBlock(block, undefined, encoded)).status).toBe('connected');
    expect(await chain.getBlockBytes(blockHash(block.header))).toEqual(encoded);
    expect((await chain.findTx(txId(block.txs[0]!)))?.index).toBe(0);
    // Bytes that are not this block's length are a caller's bug, refused before anything is stored.
    const next = new BlockBuilder(params).next({ parent: block, txs: [] });
    await expect(chain.processBlock(next, undefined, encoded)).rejects.toMatchObject({
      code: 'BAD_ENCODING',
    });
  });

  it('ignores a block from the future without marking it invalid', async () => {
    let now = params.genesisTime + 100;
    await openChain(params, () => now);
    const b = new BlockBuilder(params);
    const future = b.next({ time: now + params.maxFutureBlockTime + 50 });
    await expect(chain.processBlock(future)).rejects.toMatchObject({ code: 'TIME_TOO_NEW' });
    expect(chain.index.get(blockHash(future.header))).toBeUndefined();
    now += 100;
    expect((await chain.processBlock(future)).status).toBe('connected');
  });

  it('restarts at the same tip and state with no replay', async () => {
    await openChain(params);
    const b = new BlockBuilder(params);
    await processAll(b.extend(3));
    await chain.processBlock(b.next({ txs: [transfer(params, testKey(2), testKey(3).address, 9n, 0n)] }));
    const tip = toHex(chain.tip.hash);
    const digest = toHex(chain.stateDigest);
    const state = await snapshot();
    await store.close();
    await openChain(params);
    expect(toHex(chain.tip.hash)).toBe(tip);
    expect(toHex(chain.stateDigest)).toBe(digest);
    expect(await snapshot()).toEqual(state);
    expect(chain.height).toBe(4);
  });

  it('repairs a tx index that a crash left behind the chain (it is written after the state batch)', async () => {
    await openChain(params);
    const b = new BlockBuilder(params);
    const first = b.next({ txs: [transfer(params, testKey(0), testKey(1).address, 3n, 0n)] });
    const second = b.next({ txs: [transfer(params, testKey(0), testKey(1).address, 4n, 1n)] });
    await processAll([first, second]);
    // What a kill -9 between the state batch and the index batch of `second` leaves on disk:
    await store
      .batch()
      .delTxLocation(txId(second.txs[0]!))
      .setMeta('txIndexTip', blockHash(first.header))
      .write();
    await store.close();
    await openChain(params);
    expect((await chain.findTx(txId(second.txs[0]!)))?.entry.header.height).toBe(2);
    expect((await chain.findTx(txId(first.txs[0]!)))?.entry.header.height).toBe(1);
  });

  it('forgets where a tx was once its block leaves the main chain', async () => {
    await openChain(params);
    const b = new BlockBuilder(params);
    const [b1] = b.extend(1);
    const tx = transfer(params, testKey(0), testKey(1).address, 3n, 0n);
    const withTx = b.next({ parent: b1, txs: [tx] });
    await processAll([b1!, withTx]);
    expect(await chain.findTx(txId(tx))).toBeDefined();
    await processAll(b.extend(2, { parent: b1 }));
    expect(await chain.findTx(txId(tx))).toBeUndefined();
  });

  it('refuses a datadir that holds another chain', async () => {
    await openChain(params);
    await store.close();
    await expect(openChain(testParams({ network: 'other' }))).rejects.toMatchObject({ code: 'WRONG_CHAIN' });
  });
});
