import { afterAll, expect, test } from 'vitest';
import { testKey, testParams } from '../helpers/chain-fixtures.js';
import { cleanup, startNode, tipOf, waitFor } from './helpers.js';

afterAll(cleanup);

test('two nodes: a mined block reaches the other', async () => {
  const params = testParams();
  const a = await startNode('a', params);
  const b = await startNode('b', params, { bootstrap: a.p2p.multiaddrs() });
  await waitFor('connected', () => a.p2p.peers().length === 1 && b.p2p.peers().length === 1);
  await a.services.miner!.mine(1, testKey(1).address);
  await waitFor('b has a block', () => tipOf(b) === tipOf(a));
  await b.services.miner!.mine(3, testKey(1).address);
  await waitFor('a has b blocks', () => tipOf(b) === tipOf(a));
  expect(a.services.chain.height).toBe(4);
});
