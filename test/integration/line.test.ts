// Five nodes in a line, each bootstrapped only from its neighbour and content with one connection more
// (targetPeers 1), so every block and tx must hop node to node through gossip validation and forwarding.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { toHex } from '../../src/consensus/bytes.js';
import { txId } from '../../src/consensus/hash.js';
import { testKey, testParams, transfer } from '../helpers/chain-fixtures.js';
import { cleanup, connectedTo, startNode, type TestNode, tipOf, waitFor } from './helpers.js';

const params = testParams();
const nodes: TestNode[] = [];

beforeAll(async () => {
  for (let i = 0; i < 5; i++) {
    const bootstrap = i === 0 ? [] : nodes[i - 1]!.p2p.multiaddrs();
    nodes.push(await startNode(`line${i}`, params, { bootstrap, targetPeers: 1 }));
  }
  for (let i = 1; i < 5; i++) {
    await waitFor(`node ${i} connected to node ${i - 1}`, () => connectedTo(nodes[i]!, nodes[i - 1]!));
  }
});
afterAll(cleanup);

const allOnTip = (hex: string) => nodes.every((n) => tipOf(n) === hex);

test('every block mined anywhere on the line reaches every node', async () => {
  const miners = [0, 4, 2, 4, 1];
  for (const i of miners) {
    const [mined] = await nodes[i]!.services.miner!.mine(1, testKey(10 + i).address);
    const hex = toHex(mined!.hash);
    await waitFor(`block from node ${i} on all nodes`, () => allOnTip(hex));
  }
  for (const n of nodes) expect(n.services.chain.height).toBe(miners.length);
  // The line held: nobody dialled around it, so the blocks really went hop by hop.
  expect(nodes[0]!.p2p.peers().some((p) => p.peerId === nodes[4]!.p2p.peerId)).toBe(false);
});

test('every tx accepted anywhere reaches every mempool, and the block that mines it reaches every node', async () => {
  const sender = testKey(0);
  const txs = [0n, 1n, 2n].map((nonce) =>
    transfer(params, sender, testKey(20).address, 1_000n + nonce, nonce),
  );
  const entry = [2, 0, 4];
  for (const [k, tx] of txs.entries()) {
    await nodes[entry[k]!]!.services.mempool.add(tx);
    const id = txId(tx);
    await waitFor(`tx ${k} in every mempool`, () => nodes.every((n) => n.services.mempool.has(id)));
  }
  const [mined] = await nodes[3]!.services.miner!.mine(1, testKey(13).address);
  const hex = toHex(mined!.hash);
  expect(mined!.txCount).toBe(3);
  await waitFor('the tx block on all nodes', () => allOnTip(hex));
  await waitFor('mempools emptied', () =>
    nodes.every((n) => txs.every((tx) => !n.services.mempool.has(txId(tx)))),
  );
  const digests = new Set(nodes.map((n) => toHex(n.services.chain.stateDigest)));
  expect(digests.size).toBe(1);
  for (const n of nodes) expect(n.p2p.stateMismatches()).toBe(0);
});
