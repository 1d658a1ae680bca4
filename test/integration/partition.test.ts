// A partition and its healing: two halves that cannot reach each other mine separate branches; once
// they meet again, every node follows the branch with MORE WORK, which here is the one with FEWER
// blocks, and the txs of the abandoned branch return to the mempools and are mined again.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { toHex } from '../../src/consensus/bytes.js';
import { txId } from '../../src/consensus/hash.js';
import type { Block } from '../../src/consensus/types.js';
import { BlockBuilder, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';
import { cleanup, connectedTo, startNode, type TestNode, tipOf, waitFor } from './helpers.js';

// Real difficulty adjustment with a short half-life: blocks mined faster than the 10 s target get
// harder, so a few fast blocks can outweigh many slow ones.
const params = testParams({ noRetargeting: false, asertHalfLife: 10 });
let a: TestNode;
let b: TestNode;
let c: TestNode;
let d: TestNode;

beforeAll(async () => {
  a = await startNode('a', params);
  b = await startNode('b', params, { bootstrap: a.p2p.multiaddrs() });
  c = await startNode('c', params, { bootstrap: b.p2p.multiaddrs() });
  d = await startNode('d', params, { bootstrap: c.p2p.multiaddrs() });
  await waitFor('line connected', () => connectedTo(b, a) && connectedTo(c, b) && connectedTo(d, c));
});
afterAll(cleanup);

async function feed(node: TestNode, blocks: readonly Block[]): Promise<void> {
  for (const block of blocks) {
    const r = await node.services.chain.processBlock(block);
    expect(r.status).toBe('connected');
  }
}

test('after a partition heals, every node follows the branch with more work and re-mines the lost txs', async () => {
  const west = [a, b];
  const east = [c, d];
  const ids = (ns: TestNode[]) => ns.map((n) => n.p2p.peerId);
  await Promise.all([
    ...west.map((n) => n.p2p.blockPeers(ids(east))),
    ...east.map((n) => n.p2p.blockPeers(ids(west))),
  ]);
  await waitFor('halves apart', () =>
    west.every((w) => east.every((e) => !connectedTo(w, e) && !connectedTo(e, w))),
  );

  // East: eight slow blocks (100 s apart, difficulty stays at the minimum) carrying three txs.
  const builder = new BlockBuilder(params);
  const txs = [
    transfer(params, testKey(0), testKey(7).address, 10_000n, 0n),
    transfer(params, testKey(0), testKey(7).address, 20_000n, 1n),
    transfer(params, testKey(1), testKey(8).address, 30_000n, 0n),
  ];
  const eastBlocks: Block[] = [];
  let parent = params.genesis;
  for (let i = 0; i < 8; i++) {
    parent = builder.next({ parent, gap: 100, txs: i === 0 ? txs.slice(0, 2) : i === 1 ? txs.slice(2) : [] });
    eastBlocks.push(parent);
  }
  // West: five fast blocks (1 s apart): from the third on, each is about twice as hard as the last.
  const westBlocks: Block[] = [];
  parent = params.genesis;
  for (let i = 0; i < 5; i++) {
    parent = builder.next({ parent, gap: 1 });
    westBlocks.push(parent);
  }
  await feed(c, eastBlocks);
  await feed(a, westBlocks);
  await waitFor('east agrees', () => tipOf(d) === tipOf(c));
  await waitFor('west agrees', () => tipOf(b) === tipOf(a));
  expect(a.services.chain.height).toBe(5);
  expect(c.services.chain.height).toBe(8);
  expect(a.services.chain.tip.chainWork).toBeGreaterThan(c.services.chain.tip.chainWork);
  for (const tx of txs) expect(await c.services.chain.findTx(txId(tx))).toBeDefined();

  // Heal.
  for (const n of [a, b, c, d]) n.p2p.unblockAll();
  const westTip = tipOf(a);
  await waitFor(
    'every node on the heavier (shorter) branch',
    () => [a, b, c, d].every((n) => tipOf(n) === westTip),
    30_000,
  );
  for (const n of [a, b, c, d]) expect(n.services.chain.height).toBe(5);
  // The east's txs are back in its mempools...
  await waitFor('abandoned txs back in the east mempools', () =>
    east.every((n) => txs.every((tx) => n.services.mempool.has(txId(tx)))),
  );
  // ...and the next block, mined in the east, confirms them on the winning chain for everyone.
  const [mined] = await c.services.miner!.mine(1, testKey(9).address);
  expect(mined!.txCount).toBe(3);
  await waitFor('the re-mined block everywhere', () =>
    [a, b, c, d].every((n) => tipOf(n) === toHex(mined!.hash)),
  );
  for (const n of [a, b, c, d]) {
    for (const tx of txs) expect(await n.services.chain.findTx(txId(tx))).toBeDefined();
  }
});
