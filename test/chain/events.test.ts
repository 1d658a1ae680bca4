import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Chain,
  type ConnectedBlock,
  type DisconnectedBlock,
  type ReorgEvent,
  type StoredBlock,
} from '../../src/chain/chain.js';
import { originNow } from '../../src/chain/origin.js';
import { toHex } from '../../src/consensus/bytes.js';
import { encodeBlock } from '../../src/consensus/encoding.js';
import { blockHash, txId } from '../../src/consensus/hash.js';
import { blockWork } from '../../src/consensus/pow.js';
import type { Block, ChainParams, Hash } from '../../src/consensus/types.js';
import { ChainStore } from '../../src/storage/index.js';
import { BlockBuilder, referenceVerifier, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';

let dir: string;
let store: ChainStore;
let chain: Chain;
let params: ChainParams;

interface Seen {
  connected: ConnectedBlock[];
  disconnected: DisconnectedBlock[];
  stored: StoredBlock[];
  reorgs: ReorgEvent[];
  order: string[];
}

async function openChain(): Promise<Seen> {
  store = await ChainStore.open(dir);
  chain = await Chain.open({ params, store, now: () => 2_000_000_000, verifier: referenceVerifier(params) });
  const seen: Seen = { connected: [], disconnected: [], stored: [], reorgs: [], order: [] };
  const name = (b: Block) => toHex(blockHash(b.header)).slice(0, 8);
  chain.on('block:connected', (e) => {
    seen.connected.push(e);
    seen.order.push(`+${name(e.block)}`);
  });
  chain.on('block:disconnected', (e) => {
    seen.disconnected.push(e);
    seen.order.push(`-${name(e.block)}`);
  });
  chain.on('block:stored', (e) => {
    seen.stored.push(e);
    seen.order.push(`=${name(e.block)}`);
  });
  chain.on('reorg', (e) => {
    seen.reorgs.push(e);
    seen.order.push('reorg');
  });
  return seen;
}

const hex = (b: Block) => toHex(blockHash(b.header));
const hexes = (hs: readonly Hash[]) => hs.map(toHex);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-chain-events-'));
  params = testParams();
});

afterEach(async () => {
  await chain?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('origins on the block events', () => {
  it('a block from a peer is connected with that peer and its arrival time, flat in the payload', async () => {
    const seen = await openChain();
    const b = new BlockBuilder(params);
    const block = b.next({ txs: [transfer(params, testKey(0), testKey(1).address, 5n, 0n)] });
    await chain.processBlock(block, originNow('gossip', 'peer-a', 1_000));
    expect(seen.connected).toHaveLength(1);
    const e = seen.connected[0]!;
    expect(e).toMatchObject({ origin: 'gossip', peer: 'peer-a', receivedAt: 1_000 });
    expect(toHex(e.entry.hash)).toBe(hex(block));
    expect(hexes(e.ids)).toEqual(block.txs.map((t) => toHex(txId(t))));
    expect(e.entry.arrival).toEqual({ origin: 'gossip', peer: 'peer-a', receivedAt: 1_000 });
  });

  it("sync and mined origins pass through; without one a block counts as 'api' and has no peer", async () => {
    const seen = await openChain();
    const b = new BlockBuilder(params);
    const [b1, b2, b3] = b.extend(3);
    await chain.processBlock(b1!, originNow('sync', 'peer-s', 10));
    await chain.processBlock(b2!, originNow('mined', undefined, 20));
    const before = Date.now();
    await chain.processBlock(b3!);
    expect(seen.connected.map((e) => [e.origin, e.peer, e.receivedAt])).toEqual([
      ['sync', 'peer-s', 10],
      ['mined', undefined, 20],
      ['api', undefined, seen.connected[2]!.receivedAt],
    ]);
    expect('peer' in seen.connected[1]!).toBe(false);
    expect('peer' in seen.connected[2]!).toBe(false);
    expect(seen.connected[2]!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(seen.connected[2]!.receivedAt).toBeLessThanOrEqual(Date.now());
  });

  it('an orphan keeps its own origin when its parent arrives from another peer', async () => {
    const seen = await openChain();
    const b = new BlockBuilder(params);
    const [b1, b2] = b.extend(2);
    expect((await chain.processBlock(b2!, originNow('gossip', 'peer-late', 5))).status).toBe('orphan');
    await chain.processBlock(b1!, originNow('sync', 'peer-s', 7));
    expect(seen.connected.map((e) => [hex(e.block), e.origin, e.peer, e.receivedAt])).toEqual([
      [hex(b1!), 'sync', 'peer-s', 7],
      [hex(b2!), 'gossip', 'peer-late', 5],
    ]);
  });

  it('block:stored: a valid body on a side branch, with its origin; never for a connected block', async () => {
    const seen = await openChain();
    const b = new BlockBuilder(params);
    const [b1] = b.extend(1);
    const x = b.next({ parent: b1, miner: testKey(10).address });
    const y = b.next({ parent: b1, miner: testKey(11).address });
    await chain.processBlock(b1!, originNow('api', undefined, 1));
    await chain.processBlock(x, originNow('api', undefined, 2));
    expect(seen.stored).toHaveLength(0);
    expect((await chain.processBlock(y, originNow('gossip', 'peer-y', 3))).status).toBe('stored');
    expect(seen.stored).toHaveLength(1);
    expect(seen.stored[0]).toMatchObject({ origin: 'gossip', peer: 'peer-y', receivedAt: 3 });
    expect(toHex(seen.stored[0]!.entry.hash)).toBe(hex(y));
    expect(seen.connected.map((e) => hex(e.block))).toEqual([hex(b1!), hex(x)]);
    // A duplicate is neither stored again nor connected.
    expect((await chain.processBlock(y, originNow('gossip', 'peer-z', 4))).status).toBe('duplicate');
    expect(seen.stored).toHaveLength(1);
  });

  it("a branch switch: the side blocks connect as 'reorg' with their ORIGINAL peer and time", async () => {
    const seen = await openChain();
    const b = new BlockBuilder(params);
    const [b1] = b.extend(1);
    const shared = transfer(params, testKey(0), testKey(1).address, 5n, 0n);
    const onlyOld = transfer(params, testKey(2), testKey(1).address, 6n, 0n);
    const x = b.next({ parent: b1, txs: [shared, onlyOld], miner: testKey(10).address });
    const y = b.next({ parent: b1, txs: [shared], miner: testKey(11).address });
    const y2 = b.next({ parent: y });
    await chain.processBlock(b1!, originNow('sync', 'peer-s', 100));
    await chain.processBlock(x, originNow('mined', undefined, 200));
    await chain.processBlock(y, originNow('gossip', 'peer-y', 300));
    seen.order.length = 0;
    await chain.processBlock(y2, originNow('gossip', 'peer-y2', 400));

    // Disconnect first, then the branch, then the reorg summary.
    expect(seen.order).toEqual([
      `-${hex(x).slice(0, 8)}`,
      `+${hex(y).slice(0, 8)}`,
      `+${hex(y2).slice(0, 8)}`,
      'reorg',
    ]);
    expect(seen.disconnected).toHaveLength(1);
    expect(seen.disconnected[0]).toMatchObject({ origin: 'reorg', receivedAt: 200 });
    expect('peer' in seen.disconnected[0]!).toBe(false);
    const [cy, cy2] = seen.connected.slice(-2);
    expect(cy).toMatchObject({ origin: 'reorg', peer: 'peer-y', receivedAt: 300 });
    // The block whose arrival caused the switch connects with its own origin.
    expect(cy2).toMatchObject({ origin: 'gossip', peer: 'peer-y2', receivedAt: 400 });

    expect(seen.reorgs).toHaveLength(1);
    const r = seen.reorgs[0]!;
    expect(toHex(r.fork.hash)).toBe(hex(b1!));
    expect(r.depth).toBe(1);
    expect(toHex(r.oldTip.hash)).toBe(hex(x));
    expect(toHex(r.newTip.hash)).toBe(hex(y2));
    expect(hexes(r.disconnected)).toEqual([hex(x)]);
    expect(hexes(r.connected)).toEqual([hex(y), hex(y2)]);
    // `shared` is in the new branch too; only `onlyOld` goes back to the mempool.
    expect(hexes(r.returnedTxs)).toEqual([toHex(txId(onlyOld))]);
  });

  it('a deeper reorg lists the disconnected blocks tip first and the connected ones fork-child first', async () => {
    const seen = await openChain();
    const b = new BlockBuilder(params);
    const [b1] = b.extend(1);
    const a = b.extend(2, { parent: b1, miner: testKey(20).address });
    const c = b.extend(3, { parent: b1, miner: testKey(21).address });
    for (const blk of [b1!, ...a, ...c]) await chain.processBlock(blk, originNow('gossip', 'p', 1));
    expect(seen.reorgs).toHaveLength(1);
    const r = seen.reorgs[0]!;
    expect(r.depth).toBe(2);
    expect(hexes(r.disconnected)).toEqual([hex(a[1]!), hex(a[0]!)]);
    expect(hexes(r.connected)).toEqual(c.map(hex));
    expect(r.returnedTxs).toEqual([]);
    expect(seen.disconnected.map((e) => e.origin)).toEqual(['reorg', 'reorg']);
    // c[0] and c[1] were stored earlier and connect because of the switch; c[2] arrived and caused it.
    expect(seen.connected.slice(-3).map((e) => e.origin)).toEqual(['reorg', 'reorg', 'gossip']);
    expect(seen.stored.map((e) => hex(e.block))).toEqual([hex(c[0]!), hex(c[1]!)]);
  });

  it('a body stored before a restart connects at the next start, before any listener (Core: init ActivateBestChain)', async () => {
    await openChain();
    const b = new BlockBuilder(params);
    const [b1, b2, b3] = b.extend(3);
    await chain.processBlock(b1!);
    // What a crash between storing b2's body and connecting it leaves on disk.
    const parent = chain.tip;
    await store
      .batch()
      .putHeaderEntry({
        header: b2!.header,
        hash: blockHash(b2!.header),
        chainWork: parent.chainWork + blockWork(b2!.header.bits),
        status: 'valid-header',
        hasBody: true,
      })
      .putBlock(blockHash(b2!.header), encodeBlock(b2!))
      .write();
    await chain.close();
    await store.close();
    const seen = await openChain();
    // The stored branch has more work than the stored tip: the chain switched to it while opening.
    expect(chain.height).toBe(2);
    expect(chain.tip.hex).toBe(hex(b2!));
    expect(chain.index.get(blockHash(b2!.header))?.arrival).toBeUndefined();
    await chain.processBlock(b3!, originNow('gossip', 'peer-3', 9));
    expect(chain.height).toBe(3);
    expect(seen.connected.map((e) => [hex(e.block), e.origin])).toEqual([[hex(b3!), 'gossip']]);
    expect(seen.reorgs).toHaveLength(0);
  });
});
