import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Chain, type ChainTip } from '../../src/chain/chain.js';
import { originNow } from '../../src/chain/origin.js';
import { toHex } from '../../src/consensus/bytes.js';
import { blockHash } from '../../src/consensus/hash.js';
import type { Block, ChainParams } from '../../src/consensus/types.js';
import { ChainStore } from '../../src/storage/index.js';
import { BlockBuilder, referenceVerifier, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';

let dir: string;
let store: ChainStore;
let chain: Chain;
let params: ChainParams;

async function openChain(): Promise<Chain> {
  store = await ChainStore.open(dir);
  chain = await Chain.open({ params, store, now: () => 2_000_000_000, verifier: referenceVerifier(params) });
  return chain;
}

const hex = (b: Block) => toHex(blockHash(b.header));

interface Forest {
  b1: Block;
  /** Four late blocks: the longer, lighter branch. */
  a: Block[];
  /** Three early blocks: ASERT makes each harder, so this shorter branch is heavier and wins. */
  bb: Block[];
  /** Two headers on bb[0] whose bodies never came. */
  h: Block[];
  /** A header on bb[1] whose time is before the median-time-past: invalid. */
  bad: Block;
}

async function buildForest(): Promise<Forest> {
  const b = new BlockBuilder(params);
  const [b1] = b.extend(1);
  const a = b.extend(4, { parent: b1, gap: 100, miner: testKey(20).address });
  const bb0 = b.next({
    parent: b1,
    gap: 1,
    txs: [transfer(params, testKey(0), testKey(1).address, 5n, 0n)],
    miner: testKey(21).address,
  });
  const bb = [bb0, ...b.extend(2, { parent: bb0, gap: 1, miner: testKey(21).address })];
  const h = b.extend(2, { parent: bb0, gap: 30, miner: testKey(22).address });
  const bad = b.next({ parent: bb[1], time: b1!.header.time });
  await chain.processBlock(b1!, originNow('sync', 'peer-s', 1));
  for (const blk of a) await chain.processBlock(blk, originNow('gossip', 'peer-a', 2));
  for (const blk of bb) await chain.processBlock(blk, originNow('gossip', 'peer-b', 3));
  await chain.acceptHeaders(h.map((x) => x.header));
  await expect(chain.acceptHeaders([bad.header])).rejects.toMatchObject({ code: 'TIME_TOO_OLD' });
  return { b1: b1!, a, bb, h, bad };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-chain-tips-'));
  params = testParams({ noRetargeting: false, asertHalfLife: 10 });
});

afterEach(async () => {
  await chain?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const byWork = (a: { chainWork: bigint }, b: { chainWork: bigint }) =>
  b.chainWork > a.chainWork ? 1 : b.chainWork < a.chainWork ? -1 : 0;

describe('chain.tips()', () => {
  it('lists the active tip and every side tip with work, branch length and its Core status', async () => {
    await openChain();
    const f = await buildForest();
    // The shorter branch won on work.
    expect(toHex(chain.tip.hash)).toBe(hex(f.bb[2]!));
    const tips = chain.tips();
    const byHash = new Map<string, ChainTip>(tips.map((t) => [toHex(t.hash), t]));
    expect(tips).toHaveLength(4);
    expect(byHash.get(hex(f.bb[2]!))).toMatchObject({ height: 4, branchLength: 0, status: 'active' });
    // `a` was the main chain until `bb` overtook it: every block connected once.
    expect(byHash.get(hex(f.a[3]!))).toMatchObject({ height: 5, branchLength: 4, status: 'valid-fork' });
    // Two headers whose bodies never came (Core: headers-only).
    expect(byHash.get(hex(f.h[1]!))).toMatchObject({ height: 4, branchLength: 2, status: 'headers-only' });
    expect(byHash.get(hex(f.bad))).toMatchObject({ height: 4, branchLength: 1, status: 'invalid' });
    // Heavier but lower: the active tip's work beats the longer branch's.
    const active = byHash.get(hex(f.bb[2]!))!;
    const longer = byHash.get(hex(f.a[3]!))!;
    expect(active.chainWork > longer.chainWork).toBe(true);
    for (const t of tips) expect(t.chainWork).toBe(chain.index.get(t.hash)!.chainWork);
    // The most work first, by cumulative work, not height.
    expect([...tips].sort(byWork)).toEqual(tips);
    expect(tips.indexOf(longer)).toBeGreaterThan(tips.indexOf(active));
  });

  it('a fresh chain has one tip, genesis, active; a stored side block is valid-headers, a lost branch valid-fork', async () => {
    await openChain();
    expect(chain.tips()).toEqual([
      {
        hash: params.genesisHash,
        height: 0,
        chainWork: chain.tip.chainWork,
        branchLength: 0,
        status: 'active',
      },
    ]);
    const b = new BlockBuilder(params);
    const x = b.next({ miner: testKey(1).address });
    const y = b.next({ parent: params.genesis, time: x.header.time, miner: testKey(2).address });
    await chain.processBlock(x);
    expect((await chain.processBlock(y)).status).toBe('stored');
    // Never connected: all bodies here, never the most work (Core: valid-headers). Equal work: by hash.
    const tied = chain.tips().map((t) => [toHex(t.hash), t.status, t.branchLength]);
    expect(tied.map((t) => t[0])).toEqual([hex(x), hex(y)].sort());
    expect([...tied].sort((a, b) => (a[1]! < b[1]! ? -1 : 1))).toEqual([
      [hex(x), 'active', 0],
      [hex(y), 'valid-headers', 1],
    ]);
    // y's child makes y's branch the heaviest: x, connected once, becomes a valid fork.
    const z = b.next({ parent: y, miner: testKey(2).address });
    await chain.processBlock(z);
    expect(chain.tips().map((t) => [toHex(t.hash), t.status, t.branchLength])).toEqual([
      [hex(z), 'active', 0],
      [hex(x), 'valid-fork', 1],
    ]);
  });

  it('the active tip is listed even when a header-only child sits on it', async () => {
    await openChain();
    const b = new BlockBuilder(params);
    const [b1, b2] = b.extend(2);
    await chain.processBlock(b1!);
    await chain.acceptHeaders([b2!.header]);
    expect(chain.tips().map((t) => [toHex(t.hash), t.status, t.branchLength])).toEqual([
      [hex(b2!), 'headers-only', 1],
      [hex(b1!), 'active', 0],
    ]);
  });

  it('lists at most `max` tips, the most work first, the active tip always among them', async () => {
    await openChain();
    const f = await buildForest();
    const all = chain.tips();
    const two = chain.tips(2);
    expect(two).toHaveLength(2);
    expect(two.some((t) => t.status === 'active')).toBe(true);
    const best = all.find((t) => t.status !== 'active')!;
    expect(two.map((t) => toHex(t.hash)).sort()).toEqual([hex(f.bb[2]!), toHex(best.hash)].sort());
    expect(chain.tips(1).map((t) => t.status)).toEqual(['active']);
  });
});

describe('chain.tree()', () => {
  it('returns the entries from a height up, by (height, hash), with arrival and tx counts', async () => {
    await openChain();
    const f = await buildForest();
    const tree = await chain.tree(2, 100);
    expect(tree).toHaveLength(10); // a: 4, bb: 3, h: 2, bad: 1
    const order = (t: { height: number; hash: Uint8Array }) => `${t.height}:${toHex(t.hash)}`;
    expect(tree.map((t) => t.height)).toEqual([2, 2, 3, 3, 3, 4, 4, 4, 4, 5]);
    expect(tree.map(order)).toEqual(tree.map(order).sort());
    const at = (b: Block) => tree.find((t) => toHex(t.hash) === hex(b))!;
    expect(at(f.bb[0]!)).toMatchObject({
      height: 2,
      main: true,
      status: 'valid',
      txCount: 1,
      origin: 'gossip',
      peer: 'peer-b',
      receivedAt: 3,
      time: f.bb[0]!.header.time,
      bits: f.bb[0]!.header.bits,
    });
    expect(toHex(at(f.bb[0]!).parentHash)).toBe(hex(f.b1));
    expect(toHex(at(f.bb[0]!).miner)).toBe(toHex(testKey(21).address));
    expect(at(f.bb[0]!).chainWork).toBe(chain.index.get(blockHash(f.bb[0]!.header))!.chainWork);
    expect(at(f.a[3]!)).toMatchObject({
      height: 5,
      main: false,
      txCount: 0,
      origin: 'gossip',
      peer: 'peer-a',
    });
    // Headers only: no body, so no tx count and no arrival.
    const h0 = at(f.h[0]!);
    expect(h0).toMatchObject({ main: false, status: 'valid-header' });
    expect(h0.txCount).toBeUndefined();
    expect(h0.origin).toBeUndefined();
    expect(at(f.bad)).toMatchObject({ main: false, status: 'invalid' });
    expect(tree.filter((t) => t.main).map((t) => toHex(t.hash))).toEqual(f.bb.map(hex));
  });

  it('is bounded by limit, lowest heights first, and resumes after a cursor block', async () => {
    await openChain();
    const f = await buildForest();
    const all = (await chain.tree(2, 100)).map((t) => toHex(t.hash));
    const three = await chain.tree(2, 3);
    expect(three.map((t) => toHex(t.hash))).toEqual(all.slice(0, 3));
    expect(new Set(all.slice(0, 2))).toEqual(new Set([hex(f.bb[0]!), hex(f.a[0]!)]));
    const last = three[2]!;
    const rest = await chain.tree(last.height, 100, last.hash);
    expect(rest.map((t) => toHex(t.hash))).toEqual(all.slice(3));
    expect(await chain.tree(2, 0)).toEqual([]);
    expect(await chain.tree(6, 10)).toEqual([]);
    expect((await chain.tree(0, 2)).map((t) => t.height)).toEqual([0, 1]);
  });

  it('after a restart the arrival is unknown but the tx count is read from the stored body', async () => {
    await openChain();
    const f = await buildForest();
    await chain.close();
    await store.close();
    await openChain();
    const tree = await chain.tree(2, 100);
    const bb0 = tree.find((t) => toHex(t.hash) === hex(f.bb[0]!))!;
    expect(bb0.txCount).toBe(1);
    expect(bb0.origin).toBeUndefined();
    expect('peer' in bb0).toBe(false);
    expect(tree.find((t) => toHex(t.hash) === hex(f.a[2]!))!.txCount).toBe(0);
  });
});
