// A node that was offline catches up by sync alone: nothing is gossiped while it is back.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { PEER_KEY_FILE } from '../../src/p2p/host.js';
import type { GossipReport } from '../../src/p2p/p2p-node.js';
import { testKey, testParams } from '../helpers/chain-fixtures.js';
import { cleanup, connectedTo, startNode, tipOf, waitFor } from './helpers.js';

afterAll(cleanup);

test('a node stopped while the others mine 50 blocks restarts with the same peer id and syncs', async () => {
  const params = testParams();
  const a = await startNode('a', params);
  const b = await startNode('b', params, { bootstrap: a.p2p.multiaddrs() });
  const c = await startNode('c', params, { bootstrap: a.p2p.multiaddrs() });
  await waitFor('c connected', () => connectedTo(c, a));
  await a.services.miner!.mine(2, testKey(1).address);
  await waitFor('c has the first blocks', () => tipOf(c) === tipOf(a));

  const peerId = c.p2p.peerId;
  expect((await stat(join(c.datadir, PEER_KEY_FILE))).mode & 0o777).toBe(0o600);
  await c.stop();

  for (let i = 0; i < 50; i++) {
    const miner = i % 2 === 0 ? a : b;
    await miner.services.miner!.mine(1, testKey(2).address);
    await waitFor(`a and b agree on block ${i}`, () => tipOf(a) === tipOf(b));
  }
  expect(a.services.chain.height).toBe(52);

  await c.restart(a.p2p.multiaddrs());
  const gossiped: GossipReport[] = [];
  c.p2p.on('gossip', (r) => gossiped.push(r));
  const progress: number[] = [];
  c.p2p.on('sync:progress', (p) => progress.push(p.done));
  expect(c.p2p.peerId).toBe(peerId);
  await waitFor('c caught up', () => tipOf(c) === tipOf(a), 30_000);
  expect(c.services.chain.height).toBe(52);
  expect(gossiped.filter((g) => g.topic === 'blocks')).toEqual([]);
  expect(progress.length).toBeGreaterThan(0);
  await waitFor('sync finished', () => !c.p2p.syncing());
});
