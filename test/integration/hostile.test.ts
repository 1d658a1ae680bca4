// Hostile peers, built with plain libp2p: they speak Cairn's protocols and topics but send junk. Every
// bad message must be rejected by the first honest node and never forwarded to the next; the honest
// chain goes on unaffected; the sender ends up banned; oversized frames and absurd requests cost the
// honest node a bounded amount of memory.
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { bytesToBigInt, toHex } from '../../src/consensus/bytes.js';
import { encodeBlock, encodeTx } from '../../src/consensus/encoding.js';
import { blockHash } from '../../src/consensus/hash.js';
import { compactToTarget } from '../../src/consensus/pow.js';
import type { Block } from '../../src/consensus/types.js';
import { clientExchange } from '../../src/p2p/framing.js';
import type { Host } from '../../src/p2p/host.js';
import type { GossipReport } from '../../src/p2p/p2p-node.js';
import { decodeHeadersResponse, encodeHeadersRequest, MAX_HEADERS } from '../../src/p2p/protocols/headers.js';
import { encodeStatus, STATUS_BYTES, type Status } from '../../src/p2p/protocols/status.js';
import { networkIds } from '../../src/p2p/topics.js';
import { BlockBuilder, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';
import { startHostilePeer } from '../helpers/hostile-peer.js';
import {
  cleanup,
  connectedTo,
  genesisStatus,
  startNode,
  type TestNode,
  tipOf,
  varint,
  waitFor,
} from './helpers.js';

const params = testParams();
const ids = networkIds(params.genesisHash);
let a: TestNode;
let b: TestNode;
const seenByA: GossipReport[] = [];
const seenByB: GossipReport[] = [];
const hostiles: Host[] = [];

beforeAll(async () => {
  a = await startNode('a', params);
  b = await startNode('b', params, { bootstrap: a.p2p.multiaddrs(), targetPeers: 1 });
  await waitFor('a-b connected', () => connectedTo(b, a));
  await a.services.miner!.mine(2, testKey(1).address);
  await waitFor('b synced', () => tipOf(b) === tipOf(a));
  a.p2p.on('gossip', (r) => seenByA.push(r));
  b.p2p.on('gossip', (r) => seenByB.push(r));
});

afterAll(async () => {
  await Promise.all(hostiles.map((h) => h.stop()));
  await cleanup();
});

/** A hostile peer dialled to a, answering status (like a node at genesis, by default). */
async function hostile(status: () => Status = () => genesisStatus(params)): Promise<Host> {
  const node = await startHostilePeer({
    ids,
    target: { multiaddr: a.p2p.multiaddrs()[0]!, peerId: a.p2p.peerId },
    status,
    waitFor,
  });
  hostiles.push(node);
  return node;
}

/** A block on a's tip whose proof of work FAILS its own target. */
function badPow(builder: BlockBuilder, parent: Block, salt: number): Block {
  const block = builder.next({ parent, mine: false, miner: testKey(50 + salt).address });
  const target = compactToTarget(block.header.bits);
  for (let nonce = 0n; ; nonce++) {
    const header = { ...block.header, nonce };
    if (bytesToBigInt(blockHash(header)) > target) return { header, txs: block.txs };
  }
}

function tipBlock(): Block {
  const e = a.services.chain.tip;
  return { header: e.header, txs: [] };
}

const kinds: Record<string, (builder: BlockBuilder, salt: number) => Uint8Array> = {
  'bad proof of work': (builder, salt) => encodeBlock(badPow(builder, tipBlock(), salt)),
  'bad signature': (builder, salt) => {
    const tx = transfer(params, testKey(2), testKey(3).address, 1_000n + BigInt(salt), 0n);
    const sig = tx.signature.slice();
    sig[10]! ^= 0xff;
    return encodeBlock(builder.next({ parent: tipBlock(), txs: [{ ...tx, signature: sig }] }));
  },
  'wrong bits': (builder, salt) =>
    encodeBlock(
      builder.next({ parent: tipBlock(), tamper: { bits: 0x1f7fffff }, miner: testKey(60 + salt).address }),
    ),
  'a duplicated tx': (builder, salt) => {
    const tx = transfer(params, testKey(2), testKey(3).address, 2_000n + BigInt(salt), 0n);
    return encodeBlock(builder.next({ parent: tipBlock(), txs: [tx, tx] }));
  },
  'garbage bytes': (_builder, salt) => {
    const junk = new Uint8Array(500);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 31 + salt * 7) & 0xff;
    return junk;
  },
};

test.each(Object.keys(kinds))(
  'a block with %s is rejected, never forwarded, and its sender banned',
  async (kind) => {
    const h = await hostile();
    const me = h.peerId.toString();
    // Blocks on a's tip (with no retargeting, the builder needs only the parent header).
    const builder = new BlockBuilder(params);
    const tipBefore = tipOf(a);
    await h.services.pubsub.publish(ids.blocksTopic, kinds[kind]!(builder, 0));
    await waitFor('a judged it', () => seenByA.some((r) => r.from === me));
    const verdicts = seenByA.filter((r) => r.from === me);
    expect(verdicts.map((r) => r.verdict)).toEqual(['reject']);
    await waitFor('hostile banned', () => a.p2p.peers().some((p) => p.peerId === me && p.banned));
    await waitFor('hostile disconnected', () => h.getConnections().length === 0);
    // Not forwarded: b judged nothing that a rejected.
    const rejected = new Set(verdicts.map((r) => r.msgId));
    expect(seenByB.some((r) => rejected.has(r.msgId))).toBe(false);
    // Unaffected: same tip, and honest blocks still flow both ways.
    expect(tipOf(a)).toBe(tipBefore);
    const [mined] = await b.services.miner!.mine(1, testKey(4).address);
    await waitFor('honest block reaches a', () => tipOf(a) === toHex(mined!.hash));
  },
);

test('an oversized gossip message is dropped unread and never forwarded', async () => {
  const h = await hostile();
  const me = h.peerId.toString();
  const heapBefore = process.memoryUsage().heapUsed;
  const big = new Uint8Array(params.maxBlockBytes * 2).fill(7);
  await h.services.pubsub.publish(ids.blocksTopic, big);
  // A small valid-looking message after it shows the link was judged (or cut): a only ever sees that one.
  const [mined] = await b.services.miner!.mine(1, testKey(4).address);
  await waitFor('honest block still reaches a', () => tipOf(a) === toHex(mined!.hash));
  expect(seenByA.some((r) => r.from === me)).toBe(false);
  expect(seenByB.some((r) => r.from === me)).toBe(false);
  // The 2 MB payload was never buffered as a message: the heap did not grow by anything like its size
  // times the peers it could have been forwarded to.
  expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
});

test('a request for a million headers gets at most 2,000; an oversized request frame is punished', async () => {
  const h = await hostile();
  const me = h.peerId.toString();
  const target = multiaddr(a.p2p.multiaddrs()[0]!);
  const headers = await clientExchange(
    (signal) => h.dialProtocol(target, ids.headersProtocol, { signal }),
    encodeHeadersRequest({ locator: [params.genesisHash], maxHeaders: 1_000_000 }),
    { maxFrame: 2 + MAX_HEADERS * 112, timeoutMs: 5_000 },
    async (fs) => decodeHeadersResponse(await fs.read(), MAX_HEADERS),
  );
  expect(headers.length).toBe(Math.min(MAX_HEADERS, a.services.chain.height));

  // A frame that claims to be a gigabyte: refused after its length prefix, nothing allocated for it.
  for (let i = 0; i < 2; i++) {
    const stream = await h.dialProtocol(target, ids.blocksProtocol);
    stream.send(new Uint8Array([...varint(1_000_000_000), 1, 2, 3]));
    await waitFor('stream cut', () => stream.status !== 'open');
  }
  await waitFor('hostile banned', () => a.p2p.peers().some((p) => p.peerId === me && p.banned));
});

test('a peer at our tip with a different state digest is reported as a state mismatch', async () => {
  const before = a.p2p.stateMismatches();
  const reports: string[] = [];
  a.p2p.on('state:mismatch', (m) => reports.push(m.peer));
  const tip = a.services.chain.tip;
  const h = await hostile(() => ({
    genesisHash: params.genesisHash,
    tipHash: tip.hash,
    height: tip.header.height,
    chainWork: tip.chainWork,
    stateDigest: new Uint8Array(32).fill(0xee),
  }));
  await waitFor('mismatch counted', () => a.p2p.stateMismatches() > before);
  expect(reports).toContain(h.peerId.toString());
  // b, at the same tip with the same state, never disagreed.
  expect(b.p2p.stateMismatches()).toBe(0);
});

test('a tx with a bad signature is rejected and not forwarded; a second one bans its sender', async () => {
  const h = await hostile();
  const me = h.peerId.toString();
  for (let i = 0; i < 2; i++) {
    const tx = transfer(params, testKey(3), testKey(4).address, 5_000n + BigInt(i), 0n);
    const sig = tx.signature.slice();
    sig[5]! ^= 0x01;
    await h.services.pubsub.publish(ids.txsTopic, encodeTx({ ...tx, signature: sig }));
    await waitFor(`tx ${i} judged`, () => seenByA.filter((r) => r.from === me).length === i + 1);
  }
  expect(seenByA.filter((r) => r.from === me).map((r) => [r.topic, r.verdict])).toEqual([
    ['txs', 'reject'],
    ['txs', 'reject'],
  ]);
  await waitFor('hostile banned', () => a.p2p.peers().some((p) => p.peerId === me && p.banned));
  expect(seenByB.some((r) => r.from === me)).toBe(false);
  expect(a.services.mempool.size).toBe(0);
});

test('a peer that floods requests past the rate limit is cut off and banned', async () => {
  const h = await hostile();
  const me = h.peerId.toString();
  const target = multiaddr(a.p2p.multiaddrs()[0]!);
  const ask = () =>
    clientExchange(
      (signal) => h.dialProtocol(target, ids.statusProtocol, { signal }),
      encodeStatus(genesisStatus(params)),
      { maxFrame: STATUS_BYTES, timeoutMs: 2_000 },
      (fs) => fs.read(),
    );
  const banned = () => a.p2p.peers().some((p) => p.peerId === me && p.banned);
  let answered = 0;
  let refused = 0;
  // Six requests at a time (the server takes 8 streams of one protocol at once per connection): one at a
  // time, each waiting for its answer, never outruns the 10/s refill on a loaded machine, where one
  // exchange can take 100 ms or more; six in flight do. Bounded: at most 240 requests.
  for (let sent = 0; sent < 240 && !banned(); sent += 6) {
    for (const r of await Promise.allSettled(Array.from({ length: 6 }, ask))) {
      if (r.status === 'fulfilled') answered++;
      else refused++;
    }
  }
  expect(answered).toBeGreaterThan(0);
  expect(refused).toBeGreaterThan(0);
  await waitFor('hostile banned', banned);
});
