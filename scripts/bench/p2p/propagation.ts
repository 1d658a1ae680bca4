// Propagation: how long until a block (or a tx) that one node has is on every node of a 10-node network,
// against the single-hop request/response round trip between two of those nodes, measured in between.
//
// The network is a Möbius ladder: node i is connected to i−1, i+1 (a ring) and i+5 (the opposite node).
// Every node has exactly 3 peers and every node is at most 3 hops from every other, so a message must be
// validated and forwarded by intermediate nodes; it cannot reach anyone by a direct line from the origin.
// Each node is bootstrapped from its lower-numbered neighbours only, with targetPeers 1, so nobody dials
// around the ladder through peer exchange (the ladder is checked before timing starts).
//
// All ten nodes run in this process, on one event loop (see docs/BENCHMARKS.md for why).
import type { ConnectedBlock } from '../../../src/chain/chain.js';
import { toHex } from '../../../src/consensus/bytes.js';
import { txId } from '../../../src/consensus/hash.js';
import type { Block, Tx } from '../../../src/consensus/types.js';
import type { TxAdded } from '../../../src/mempool/events.js';
import type { BenchWorld } from '../chain/fixtures.js';
import { BranchBuilder } from '../chain/fixtures.js';
import { percentile } from '../harness.js';
import { benchTransfer, recipient } from './fixtures.js';
import { type BenchNode, connected, meshPeers, openBenchNode, statusRoundTrip, waitFor } from './network.js';

export const NODES = 10;
export const BLOCKS = 200;
export const TXS = 400;
/** Blocks carry the txs propagated before them, as blocks on a live network do. */
const TXS_PER_BLOCK = TXS / BLOCKS;
/** Round trips measured after each block or tx has reached every node. */
const PROBES_PER_ITEM = 2;
/** Pause between one item reaching every node and the next being submitted. */
const SPACING_MS = 20;
/** Untimed items first: JIT, first streams, caches. */
const WARMUP = 10;

/** The ladder's edges from node j to lower-numbered nodes (each edge is dialled by its higher end). */
function lowerNeighbours(j: number): number[] {
  const out: number[] = [];
  if (j >= 1) out.push(j - 1);
  if (j === NODES - 1) out.push(0);
  if (j >= NODES / 2) out.push(j - NODES / 2);
  return out;
}

function neighbours(j: number): number[] {
  return [(j + NODES - 1) % NODES, (j + 1) % NODES, (j + NODES / 2) % NODES];
}

/** Arrival times of each object at each node, and a way to wait until every node has one. */
export class Arrivals {
  private readonly seen = new Map<string, number[]>();
  private waiter: { key: string; resolve: (t: number) => void } | undefined;

  constructor(private readonly nodes: number) {}

  arrived(key: string): void {
    const now = performance.now();
    let times = this.seen.get(key);
    if (!times) {
      times = [];
      this.seen.set(key, times);
    }
    times.push(now);
    if (times.length === this.nodes && this.waiter?.key === key) {
      this.waiter.resolve(now);
      this.waiter = undefined;
    }
  }

  /** Resolves with the time the last node got `key`. */
  everywhere(key: string, timeoutMs = 10_000): Promise<number> {
    const times = this.seen.get(key);
    if (times?.length === this.nodes) return Promise.resolve(times[times.length - 1]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${key} reached ${this.seen.get(key)?.length ?? 0} nodes in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiter = {
        key,
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
      };
    });
  }

  forget(key: string): void {
    this.seen.delete(key);
  }
}

export interface Latencies {
  /** Per item, ms from handing it to the origin until the last of the 10 nodes had it. */
  readonly samples: readonly number[];
  readonly p50: number;
  readonly p99: number;
}

export interface PropagationRun {
  readonly blocks: Latencies;
  readonly txs: Latencies;
  /** Single-hop status round trips, taken between the items. */
  readonly hop: Latencies;
  /** Cores' worth of CPU this process used while timing (all threads), and the wall time. */
  readonly cores: number;
  readonly seconds: number;
}

export function latencies(samples: readonly number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  return { samples, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function startLadder(world: BenchWorld): Promise<BenchNode[]> {
  const nodes: BenchNode[] = [];
  try {
    for (let j = 0; j < NODES; j++) {
      const node = await openBenchNode(`n${j}`, world.params, {
        bootstrap: lowerNeighbours(j).map((i) => nodes[i]!.p2p.multiaddrs()[0]!),
        targetPeers: 1,
        verifyThreads: 1,
        // The probes make a status request every few tens of ms, over the default 10/s per peer.
        limits: { requestsPerSecond: 10_000 },
      });
      nodes.push(node);
      await node.p2p.start();
    }
    for (let j = 0; j < NODES; j++) {
      for (const i of neighbours(j)) {
        await waitFor(`n${j} connected to n${i}`, () => connected(nodes[j]!, nodes[i]!));
      }
    }
    const degrees = nodes.map((n) => n.p2p.peers().filter((p) => !p.banned && p.direction !== null).length);
    if (degrees.some((d) => d !== 3))
      throw new Error(`the ladder has extra links: degrees ${degrees.join(',')}`);
    // Forwarding follows the gossipsub mesh, which forms at heartbeats: time nothing before it has.
    const topics = [nodes[0]!.p2p.ids.blocksTopic, nodes[0]!.p2p.ids.txsTopic];
    await waitFor('every link in both gossip meshes', () =>
      nodes.every((n, j) =>
        topics.every((t) => {
          const mesh = new Set(meshPeers(n, t));
          return neighbours(j).every((i) => mesh.has(nodes[i]!.p2p.peerId));
        }),
      ),
    );
    return nodes;
  } catch (e) {
    await Promise.all(nodes.map((n) => n.close()));
    throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function propagation(world: BenchWorld): Promise<PropagationRun> {
  // Tx k is bench key k's first transfer (nonce 0); after the warm-up, the blocks carry them in order.
  const txs: Tx[] = Array.from({ length: WARMUP + TXS }, (_, k) => benchTransfer(world, 'prop', k, 0, k));
  const builder = new BranchBuilder(world.params, recipient('miner', 0));
  const blocks: Block[] = [];
  for (let b = 0; b < WARMUP + BLOCKS; b++) {
    const mined = b < WARMUP ? [] : txs.slice(WARMUP + (b - WARMUP) * TXS_PER_BLOCK).slice(0, TXS_PER_BLOCK);
    blocks.push(builder.next(mined));
  }

  const nodes = await startLadder(world);
  const origin = nodes[0]!;
  const blockArrivals = new Arrivals(NODES);
  const txArrivals = new Arrivals(NODES);
  for (const n of nodes) {
    n.services.chain.on('block:connected', ({ entry }: ConnectedBlock) => blockArrivals.arrived(entry.hex));
    n.services.mempool.on('tx:added', ({ id }: TxAdded) => txArrivals.arrived(toHex(id)));
  }

  const hop: number[] = [];
  let probes = 0;
  const probe = async () => {
    for (let k = 0; k < PROBES_PER_ITEM; k++) {
      const peer = nodes[neighbours(0)[probes++ % 3]!]!;
      hop.push(await statusRoundTrip(origin, peer));
    }
  };

  try {
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();

    const txTimes: number[] = [];
    for (const [k, tx] of txs.entries()) {
      const key = toHex(txId(tx));
      const t0 = performance.now();
      const done = txArrivals.everywhere(key);
      await origin.services.mempool.add(tx);
      const t1 = await done;
      txArrivals.forget(key);
      if (k >= WARMUP) {
        txTimes.push(t1 - t0);
        await probe();
      }
      await sleep(SPACING_MS);
    }

    const blockTimes: number[] = [];
    for (const [b, block] of blocks.entries()) {
      const t0 = performance.now();
      const result = await origin.services.chain.processBlock(block);
      if (result.status !== 'connected') throw new Error(`block ${b + 1}: ${result.status}`);
      const key = toHex(result.hash);
      const t1 = await blockArrivals.everywhere(key);
      blockArrivals.forget(key);
      if (b >= WARMUP) {
        blockTimes.push(t1 - t0);
        await probe();
      }
      await sleep(SPACING_MS);
    }

    const cpu = process.cpuUsage(cpu0);
    const ms = performance.now() - wall0;
    const tipHex = nodes.map((n) => n.services.chain.tip.hex);
    if (new Set(tipHex).size !== 1) throw new Error('the nodes ended on different tips');
    return {
      blocks: latencies(blockTimes),
      txs: latencies(txTimes),
      hop: latencies(hop),
      cores: (cpu.user + cpu.system) / 1000 / ms,
      seconds: ms / 1000,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}
