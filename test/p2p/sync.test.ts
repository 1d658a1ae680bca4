// Sync against a fake network: a real chain (LevelDB in a temp dir) and peers that are plain functions,
// so a test can make one of them slow, silent or lying and watch what sync does about it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Chain } from '../../src/chain/chain.js';
import type { Origin } from '../../src/chain/origin.js';
import { toHex } from '../../src/consensus/bytes.js';
import { encodeBlock } from '../../src/consensus/encoding.js';
import { blockHash } from '../../src/consensus/hash.js';
import type { Block, Hash } from '../../src/consensus/types.js';
import { openServices, type Services } from '../../src/node/services.js';
import { ProtocolError } from '../../src/p2p/framing.js';
import { type HeadersSource, headersAfter } from '../../src/p2p/protocols/headers.js';
import type { Offence } from '../../src/p2p/scoring.js';
import { Sync, type SyncChain, type SyncNetwork } from '../../src/p2p/sync.js';
import { silentLogger } from '../../src/util/logger.js';
import { BlockBuilder, testParams } from '../helpers/chain-fixtures.js';

const params = testParams();
let dirs: string[] = [];
let opened: Services[] = [];

async function open(): Promise<Services> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-sync-'));
  dirs.push(dir);
  const s = await openServices({
    datadir: dir,
    params,
    logger: silentLogger(),
    minerThreads: 0,
    verifyThreads: 1,
  });
  opened.push(s);
  return s;
}

beforeEach(() => {
  dirs = [];
  opened = [];
});
afterEach(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What sync handed to the chain: a block, and (for prepareBlock) the last height processed by then. */
interface Handed {
  readonly height: number;
  readonly block: Block;
  readonly lastProcessed: number;
}

/**
 * A real chain as sync sees it; every block handed to it is recorded with its origin, and every block
 * it is told to prepare with the height processed last at that moment.
 */
function syncView(
  chain: Chain,
  processed: { height: number; origin: Origin; block?: Block }[],
  prepared: Handed[] = [],
): SyncChain {
  return {
    get tip() {
      return chain.tip;
    },
    get height() {
      return chain.height;
    },
    entry: (hash) => chain.index.get(hash),
    isOnMainChain: (e) => chain.isOnMainChain(e),
    locator: (from) => chain.locator(from),
    acceptHeaders: (headers) => chain.acceptHeaders(headers),
    processBlock: (block, origin, encoded) => {
      processed.push({ height: block.header.height, origin, block });
      return chain.processBlock(block, origin, encoded);
    },
    prepareBlock: (block, encoded) => {
      prepared.push({ height: block.header.height, block, lastProcessed: processed.at(-1)?.height ?? 0 });
      chain.prepareBlock(block, encoded);
    },
  };
}

/** A real chain as the headers server sees it. */
function headersView(chain: Chain): HeadersSource {
  return {
    get height() {
      return chain.height;
    },
    entry: (hash) => chain.index.get(hash),
    isOnMainChain: (e) => chain.isOnMainChain(e),
    atHeight: (h) => chain.atHeight(h),
  };
}

interface FakePeer {
  /** Answers a blocks request, or throws like a real exchange would. */
  blocks(hashes: readonly Hash[]): Promise<Block[]>;
}

/** A source chain of `n` blocks, served by every fake peer from the same source services. */
async function setup(n: number, peers: Record<string, FakePeer>) {
  const source = await open();
  const builder = new BlockBuilder(params);
  const blocks = builder.extend(n);
  for (const b of blocks) await source.chain.processBlock(b);
  const byHash = new Map(blocks.map((b) => [toHex(blockHash(b.header)), b]));
  const target = await open();
  const penalties: [string, Offence][] = [];
  const received: { height: number; origin: Origin; block?: Block }[] = [];
  const prepared: Handed[] = [];
  const inFlight = new Map<string, number>();
  let maxInFlight = 0;
  const net: SyncNetwork = {
    headers: async (_peer, locator, max) => headersAfter(headersView(source.chain), locator, max),
    blocks: async (peer, hashes) => {
      const now = (inFlight.get(peer) ?? 0) + hashes.length;
      inFlight.set(peer, now);
      maxInFlight = Math.max(maxInFlight, now);
      try {
        // As the blocks protocol answers: each block as its bytes (protocols/blocks.ts, ReceivedBlock).
        const blocks = await peers[peer]!.blocks(hashes);
        return blocks.map((b) => ({ header: b.header, hash: blockHash(b.header), bytes: encodeBlock(b) }));
      } finally {
        inFlight.set(peer, (inFlight.get(peer) ?? 0) - hashes.length);
      }
    },
    penalise: (peer, offence) => penalties.push([peer, offence]),
  };
  const sync = new Sync(syncView(target.chain, received, prepared), net, silentLogger(), {
    maxInFlightPerPeer: 8,
    window: 64,
    maxBufferedBytes: 1 << 20,
    retryAfterMs: 100,
    prepareAhead: 2,
  });
  const status = {
    genesisHash: params.genesisHash,
    tipHash: source.chain.tip.hash,
    height: n,
    chainWork: source.chain.tip.chainWork,
    stateDigest: source.chain.stateDigest,
  };
  const serve = (hashes: readonly Hash[]) => hashes.map((h) => byHash.get(toHex(h))!);
  const processed = () => received.map((r) => r.height);
  return {
    source,
    target,
    sync,
    status,
    penalties,
    processed,
    received,
    prepared,
    serve,
    maxInFlight: () => maxInFlight,
  };
}

describe('Sync', () => {
  test('downloads from every peer, within the in-flight bound, and connects in height order', async () => {
    const peers: Record<string, FakePeer> = {};
    const served: Record<string, number> = { p1: 0, p2: 0, p3: 0 };
    const t = await setup(120, peers);
    for (const p of Object.keys(served)) {
      peers[p] = {
        blocks: async (hashes) => {
          served[p]! += hashes.length;
          await new Promise((r) => setTimeout(r, 5));
          return t.serve(hashes);
        },
      };
    }
    const progress: number[] = [];
    t.sync.on('progress', (p) => progress.push(p.done));
    for (const p of Object.keys(served)) t.sync.onStatus(p, t.status);
    await waitFor('synced', () => t.target.chain.height === 120);
    expect(t.processed()).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    for (const p of Object.keys(served)) expect(served[p]).toBeGreaterThan(0);
    expect(t.maxInFlight()).toBeLessThanOrEqual(8);
    expect(t.penalties).toEqual([]);
    expect(progress.at(-1)).toBe(120);
    await waitFor('idle', () => !t.sync.syncing);
  });

  test('prepares the next downloaded blocks while one connects, each once, and connects those very blocks', async () => {
    const peers: Record<string, FakePeer> = {};
    const t = await setup(30, peers);
    peers.p1 = { blocks: async (hashes) => t.serve(hashes) }; // whole batches at once: blocks queue up
    t.sync.onStatus('p1', t.status);
    await waitFor('synced', () => t.target.chain.height === 30);
    expect(t.processed()).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(t.prepared.length).toBeGreaterThan(0);
    const heights = t.prepared.map((p) => p.height);
    expect(new Set(heights).size).toBe(heights.length); // each block prepared at most once
    for (const p of t.prepared) {
      // Prepared while the block before it (or the one before that) was the next to connect, never
      // further ahead than prepareAhead (2) past it.
      expect(p.height).toBeGreaterThanOrEqual(p.lastProcessed + 2);
      expect(p.height).toBeLessThanOrEqual(p.lastProcessed + 3);
      // processBlock got the same object, so the chain reuses what prepare started.
      expect(t.received.find((r) => r.height === p.height)?.block).toBe(p.block);
    }
  });

  test('a silent peer times out, is penalised, and its blocks go to another peer', async () => {
    const peers: Record<string, FakePeer> = {};
    const t = await setup(40, peers);
    peers.silent = {
      blocks: async () => {
        await new Promise((r) => setTimeout(r, 150));
        throw new ProtocolError('TIMEOUT', 'no answer');
      },
    };
    peers.good = { blocks: async (hashes) => t.serve(hashes) };
    t.sync.onStatus('silent', t.status);
    t.sync.onStatus('good', t.status);
    await waitFor('synced', () => t.target.chain.height === 40);
    expect(t.penalties.some(([p, o]) => p === 'silent' && o === 'timeout')).toBe(true);
    expect(t.penalties.some(([p]) => p === 'good')).toBe(false);
  });

  test('a peer that lacks a block is not asked for it again; a lying peer is penalised', async () => {
    const peers: Record<string, FakePeer> = {};
    const t = await setup(20, peers);
    peers.empty = { blocks: async () => [] };
    peers.liar = {
      blocks: async () => {
        throw new ProtocolError('UNEXPECTED', 'a block we did not ask for');
      },
    };
    t.sync.onStatus('empty', t.status);
    t.sync.onStatus('liar', t.status);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.target.chain.height).toBe(0);
    expect(t.penalties).toContainEqual(['liar', 'badResponse']);
    // An honest peer arrives: everything is fetched from it.
    peers.honest = { blocks: async (hashes) => t.serve(hashes) };
    t.sync.onStatus('honest', t.status);
    await waitFor('synced', () => t.target.chain.height === 20);
  });

  test('every downloaded block goes to the chain with a sync origin naming the peer that sent it', async () => {
    const peers: Record<string, FakePeer> = {};
    const t = await setup(12, peers);
    peers.p1 = { blocks: async (hashes) => t.serve(hashes) };
    const before = Date.now();
    t.sync.onStatus('p1', t.status);
    await waitFor('synced', () => t.target.chain.height === 12);
    expect(t.received.length).toBe(12);
    for (const { origin } of t.received) {
      expect(origin).toMatchObject({ origin: 'sync', peer: 'p1' });
      expect(origin.receivedAt).toBeGreaterThanOrEqual(before);
      expect(origin.receivedAt).toBeLessThanOrEqual(Date.now());
    }
  });
});

describe('Sync.state: synced / target and rate, for GET /status', () => {
  test('mid-sync it reports our height, the height of the peer as the target and a rate; then in sync', async () => {
    const peers: Record<string, FakePeer> = {};
    const t = await setup(60, peers);
    // The peer serves the first blocks, then holds the rest until the test lets go.
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    peers.p1 = {
      blocks: async (hashes) => {
        const h = t.serve(hashes);
        if (h.some((b) => b.header.height > 8)) await held;
        return h;
      },
    };
    expect(t.sync.state()).toEqual({ syncing: false, height: 0, target: 0, blocksPerSecond: 0 });
    t.sync.onStatus('p1', t.status);
    // Before any header arrives, the target is what the peer's status claims.
    expect(t.sync.state().target).toBe(60);
    await waitFor('the first blocks', () => t.target.chain.height >= 1);
    await new Promise((r) => setTimeout(r, 50));
    const mid = t.sync.state();
    expect(mid.syncing).toBe(true);
    expect(mid.height).toBe(t.target.chain.height);
    expect(mid.height).toBeGreaterThanOrEqual(1);
    expect(mid.height).toBeLessThanOrEqual(8);
    expect(mid.target).toBe(60);
    expect(mid.blocksPerSecond).toBeGreaterThan(0);
    release();
    await waitFor('synced', () => t.target.chain.height === 60);
    await waitFor('idle', () => !t.sync.syncing);
    expect(t.sync.state()).toEqual({ syncing: false, height: 60, target: 60, blocksPerSecond: 0 });
  });
});
