// Two nodes of different chains meet: they tell each other apart at once and never trade blocks.
import { afterAll, expect, test } from 'vitest';
import { testKey, testParams } from '../helpers/chain-fixtures.js';
import { cleanup, startNode, waitFor } from './helpers.js';

afterAll(cleanup);

test('nodes with different genesis never connect their chains', async () => {
  const one = testParams();
  const two = testParams({ genesisTime: one.genesisTime + 1 });
  expect(one.genesisHash).not.toEqual(two.genesisHash);
  const a = await startNode('a', one);
  const b = await startNode('b', two, { bootstrap: a.p2p.multiaddrs() });
  await a.services.miner!.mine(2, testKey(1).address);
  await b.services.miner!.mine(3, testKey(1).address);
  // The side that asks for status first learns the other is on another chain and bans it at once. The
  // other side may never get its own answer (the connection is already closed, and the status protocol
  // id carries the genesis prefix, so the two do not even speak the same protocol): it must simply end
  // up with no connection, checked below.
  await waitFor(
    'one side refuses the other',
    () =>
      b.p2p.peers().some((p) => p.peerId === a.p2p.peerId && p.banned) ||
      a.p2p.peers().some((p) => p.peerId === b.p2p.peerId && p.banned),
  );
  // Neither chain holds a single block of the other.
  expect(a.services.chain.height).toBe(2);
  expect(b.services.chain.height).toBe(3);
  for (let h = 1; h <= 3; h++)
    expect(a.services.chain.index.get(b.services.chain.atHeight(h)!.hash)).toBeUndefined();
  for (let h = 1; h <= 2; h++)
    expect(b.services.chain.index.get(a.services.chain.atHeight(h)!.hash)).toBeUndefined();
  // And no connection stays open between them.
  await waitFor(
    'disconnected both ways',
    () =>
      a.p2p.peers().every((p) => p.direction === null) && b.p2p.peers().every((p) => p.direction === null),
  );
});
