// No node is special: three nodes that only knew A learn each other through peer exchange, keep
// converging once A is gone, and reconnect to A (backoff redial) when it comes back.
import { afterAll, expect, test } from 'vitest';
import { toHex } from '../../src/consensus/bytes.js';
import { txId } from '../../src/consensus/hash.js';
import { testKey, testParams, transfer } from '../helpers/chain-fixtures.js';
import { cleanup, connectedTo, portOf, startNode, type TestNode, tipOf, waitFor } from './helpers.js';

afterAll(cleanup);

test('losing the bootstrap node does not split the others', async () => {
  const params = testParams();
  const a = await startNode('a', params);
  const seed = a.p2p.multiaddrs();
  const others: TestNode[] = [];
  for (const name of ['b', 'c', 'd']) others.push(await startNode(name, params, { bootstrap: seed }));
  const [b, c, d] = others as [TestNode, TestNode, TestNode];
  await waitFor(
    'b, c and d connected to each other through peer exchange',
    () => connectedTo(b, c) && connectedTo(b, d) && connectedTo(c, d),
  );
  const port = portOf(a);
  await a.stop();
  await waitFor('a gone', () => others.every((n) => !connectedTo(n, a)));

  const [mined] = await b.services.miner!.mine(1, testKey(1).address);
  await waitFor('c and d have b block', () => others.every((n) => tipOf(n) === toHex(mined!.hash)));
  const tx = transfer(params, testKey(0), testKey(5).address, 5_000n, 0n);
  await d.services.mempool.add(tx);
  await waitFor('tx everywhere', () => others.every((n) => n.services.mempool.has(txId(tx))));
  const [next] = await c.services.miner!.mine(1, testKey(2).address);
  expect(next!.txCount).toBe(1);
  await waitFor('tx block everywhere', () => others.every((n) => tipOf(n) === toHex(next!.hash)));

  // A comes back at the same address with no bootstrap list: the others redial it, and it syncs.
  await a.restart([], port);
  await waitFor('others reconnect to a', () => others.every((n) => connectedTo(n, a)), 15_000);
  await waitFor('a caught up', () => tipOf(a) === tipOf(b));
});
