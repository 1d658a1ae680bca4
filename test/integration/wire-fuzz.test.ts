// The wire fuzzer of the standing attack suite (docs/HARDENING.md, issue 13): a hostile peer (plain
// libp2p, test/helpers/hostile-peer.ts) sends random and mutated frames on every request/response
// protocol and every gossip topic of a real node: truncated varints, length prefixes at and past each
// protocol's limit and far beyond, short bodies, trailing bytes, a second frame after the first, mutated
// valid encodings, pure noise, and bursts past the rate limit. After each run the node must
//   - have stayed responsive: its event loop never stalled for a second (the API's `/status` shares it);
//   - be bounded in memory: the heap grew by far less than what was sent could have made it hold;
//   - have banned the sender (Core: Misbehaving / the ban list; p2p_invalid_messages.py);
//   - keep serving honest peers: a block it mines reaches its honest neighbour, and one mined there
//     reaches it.
// Frames are drawn with fast-check from a fixed seed, so a failure replays exactly. Bounded: 40 frames
// per protocol or topic, one hostile peer each.
import { multiaddr } from '@multiformats/multiaddr';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { concatBytes, toHex } from '../../src/consensus/bytes.js';
import { encodeBlock, encodeTx } from '../../src/consensus/encoding.js';
import type { Host } from '../../src/p2p/host.js';
import { BLOCKS_REQUEST_MAX_BYTES } from '../../src/p2p/protocols/blocks.js';
import { HEADERS_REQUEST_MAX_BYTES } from '../../src/p2p/protocols/headers.js';
import { STATUS_BYTES } from '../../src/p2p/protocols/status.js';
import { networkIds } from '../../src/p2p/topics.js';
import { BYTE_CODECS, mutation } from '../fuzz/decoder-properties.js';
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
const FRAMES = 40;
const SEED = 13;
let a: TestNode;
let b: TestNode;
const hostiles: Host[] = [];

beforeAll(async () => {
  a = await startNode('a', params);
  b = await startNode('b', params, { bootstrap: a.p2p.multiaddrs(), targetPeers: 1 });
  await waitFor('a-b connected', () => connectedTo(b, a));
  await a.services.miner!.mine(2, testKey(1).address);
  await waitFor('b synced', () => tipOf(b) === tipOf(a));
});

afterAll(async () => {
  await Promise.allSettled(hostiles.map(async (h) => h.stop()));
  await cleanup();
});

async function hostile(): Promise<Host> {
  const h = await startHostilePeer({
    ids,
    target: { multiaddr: a.p2p.multiaddrs()[0]!, peerId: a.p2p.peerId },
    status: () => genesisStatus(params),
    waitFor,
  });
  hostiles.push(h);
  return h;
}

const framed = (body: Uint8Array): Uint8Array => concatBytes(varint(body.length), body);

/**
 * What a hostile peer writes on one request stream (the raw bytes, length prefix included), drawn around
 * the protocol's largest request frame `max` and from mutations of valid requests.
 */
function streamBytes(valid: fc.Arbitrary<Uint8Array>, max: number): fc.Arbitrary<Uint8Array> {
  const body = (min: number, top: number) => fc.uint8Array({ minLength: min, maxLength: top });
  return fc.oneof(
    mutation(valid).map(framed), // a frame whose body is a mutated valid request
    valid.map((v) => concatBytes(framed(v), framed(v))), // a second frame after a valid one
    valid.chain((v) => body(1, 8).map((t) => framed(concatBytes(v, t)))), // trailing bytes inside the frame
    body(0, max + 2).map(framed), // noise at and around the limit
    fc.integer({ min: 0, max: 3 }).map((k) => framed(new Uint8Array(max + 1 + k))), // just past the limit
    fc
      .constantFrom(1_000_000_000, 2 ** 31, 2 ** 53 - 1)
      .map((n) => concatBytes(varint(n), Uint8Array.of(1, 2, 3))),
    fc.constantFrom(Uint8Array.of(0x80), Uint8Array.of(0xff, 0xff), Uint8Array.of(0x80, 0x80, 0x80, 0x80)), // truncated varints
    fc.constant(new Uint8Array(11).fill(0xff)), // a varint longer than any length
    valid.map((v) => concatBytes(varint(v.length + 10), v)), // a prefix longer than the body that follows
    body(0, 64), // no framing at all
  );
}

const codec = (name: string) => BYTE_CODECS.find((c) => c.name === name)!.valid;
const REQUESTS: Record<string, { protocol: string; bytes: fc.Arbitrary<Uint8Array> }> = {
  status: { protocol: ids.statusProtocol, bytes: streamBytes(codec('decodeStatus'), STATUS_BYTES) },
  headers: {
    protocol: ids.headersProtocol,
    bytes: streamBytes(codec('decodeHeadersRequest'), HEADERS_REQUEST_MAX_BYTES),
  },
  blocks: {
    protocol: ids.blocksProtocol,
    bytes: streamBytes(codec('decodeBlocksRequest'), BLOCKS_REQUEST_MAX_BYTES),
  },
  peers: { protocol: ids.peersProtocol, bytes: streamBytes(fc.constant(new Uint8Array(0)), 0) },
};

/** The longest the event loop went without running a 20 ms timer, while `work` runs. */
async function maxStall(work: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(worst, performance.now() - last);
}

/** The four checks every run ends with (see the header). */
async function afterTheAttack(h: Host, stall: number, heapBefore: number): Promise<void> {
  const me = h.peerId.toString();
  expect(stall).toBeLessThan(1_000);
  await waitFor('hostile banned', () => a.p2p.peers().some((p) => p.peerId === me && p.banned));
  await waitFor('hostile disconnected', () => h.getConnections().length === 0);
  expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  // Still serving the honest peer, both ways.
  expect(connectedTo(a, b)).toBe(true);
  const [ours] = await a.services.miner!.mine(1, testKey(1).address);
  await waitFor('a block of a reaches b', () => tipOf(b) === toHex(ours!.hash));
  const [theirs] = await b.services.miner!.mine(1, testKey(2).address);
  await waitFor('a block of b reaches a', () => tipOf(a) === toHex(theirs!.hash));
}

describe('every request/response protocol', () => {
  test.each(Object.keys(REQUESTS))('%s: random and mutated frames', async (name) => {
    const { protocol, bytes } = REQUESTS[name]!;
    const frames = fc.sample(bytes, { numRuns: FRAMES, seed: SEED });
    const h = await hostile();
    const target = multiaddr(a.p2p.multiaddrs()[0]!);
    const heapBefore = process.memoryUsage().heapUsed;
    let sent = 0;
    const stall = await maxStall(async () => {
      // Eight streams at a time (the node takes 8 of one protocol at once per connection), so bursts
      // also run past the 10 requests/s rate limit. Once the node bans us, the dials fail: that is fine.
      for (let i = 0; i < frames.length; i += 8) {
        await Promise.allSettled(
          frames.slice(i, i + 8).map(async (frame) => {
            const stream = await h.dialProtocol(target, protocol, { signal: AbortSignal.timeout(2_000) });
            stream.send(frame);
            sent++;
            await stream
              .close({ signal: AbortSignal.timeout(2_000) })
              .catch(() => stream.abort(new Error('done')));
          }),
        );
      }
    });
    expect(sent).toBeGreaterThan(0);
    await afterTheAttack(h, stall, heapBefore);
  });
});

describe('every gossip topic', () => {
  const builder = new BlockBuilder(params);
  const validTx = fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.bigInt({ min: 1n, max: 10_000n }))
    .map(([k, amount]) => encodeTx(transfer(params, testKey(k), testKey(9).address, amount, 0n)));
  const gossip = (valid: fc.Arbitrary<Uint8Array>, size: number) =>
    fc.oneof(
      mutation(valid),
      fc.integer({ min: 0, max: size + 4 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
      valid.chain((v) => fc.uint8Array({ minLength: 1, maxLength: 8 }).map((t) => concatBytes(v, t))),
    );
  const TOPICS: Record<string, { topic: string; frames: () => Uint8Array[] }> = {
    txs: {
      topic: ids.txsTopic,
      frames: () => fc.sample(gossip(validTx, 142), { numRuns: FRAMES, seed: SEED }),
    },
    blocks: {
      topic: ids.blocksTopic,
      frames: () => {
        const tip = a.services.chain.tip;
        const block = encodeBlock(
          builder.next({ parent: { header: tip.header, txs: [] }, miner: testKey(7).address }),
        );
        return fc.sample(gossip(fc.constant(block), block.length), { numRuns: FRAMES, seed: SEED });
      },
    },
  };

  test.each(Object.keys(TOPICS))('%s: random and mutated messages', async (name) => {
    const { topic, frames } = TOPICS[name]!;
    const h = await hostile();
    const heapBefore = process.memoryUsage().heapUsed;
    const stall = await maxStall(async () => {
      for (const frame of frames()) {
        if (h.getConnections().length === 0) break; // banned and cut off
        await h.services.pubsub.publish(topic, frame).catch(() => undefined);
      }
    });
    await afterTheAttack(h, stall, heapBefore);
  });
});
