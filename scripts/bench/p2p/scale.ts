// Propagation at scale: how long a block takes to reach every node of a network of N = 10, 25 and 50
// nodes, each with exactly 8 peers (a random 8-regular graph, graph.ts), against the single-hop status
// round trip between the origin and its neighbours, measured between the blocks. All nodes run in this
// process, as in propagation.ts.
//
// The graph is built by bootstrapping each node from its lower-numbered neighbours only, with
// targetPeers 1, so peer exchange adds no links; every degree is checked before timing. A flooding
// protocol on such a graph needs about log(N)/log(d) hops to reach everyone (the graph's average
// distance; Bollobás, "Random Graphs", ch. 10), so if a hop cost the same at every size, the time to all
// nodes would grow like that. Each block's arrival at each node is recorded with the node's distance from
// the origin, so the report can show what one more hop costs at each size.
import type { ConnectedBlock } from '../../../src/chain/chain.js';
import type { Block } from '../../../src/consensus/types.js';
import { seededRandom } from '../../devnet/link-shape.js';
import type { BenchWorld } from '../chain/fixtures.js';
import { BranchBuilder } from '../chain/fixtures.js';
import { recipient } from './fixtures.js';
import { type Graph, hopsFrom, randomRegularGraph } from './graph.js';
import { type BenchNode, connected, meshPeers, openBenchNode, statusRoundTrip, waitFor } from './network.js';
import { type Latencies, latencies } from './propagation.js';

export const SCALE_SIZES = [10, 25, 50] as const;
export const DEGREE = 8;
export const SCALE_BLOCKS = 60;
const WARMUP = 5;
const SPACING_MS = 20;
const PROBES_PER_BLOCK = 2;
/** Gossipsub's D_lo: a mesh below this is still forming. */
const MESH_MIN = 4;

export interface ScaleRun {
  readonly nodes: number;
  readonly degree: number;
  /** ms from handing the block to the origin's chain until the last node connected it. */
  readonly all: Latencies;
  /** Single-hop status round trips between the origin and its neighbours. */
  readonly hop: Latencies;
  /** Median arrival (ms after the origin) at the nodes h hops away, for h = 1, 2, … */
  readonly byHops: readonly { hops: number; nodes: number; p50: number }[];
  /** The origin's processBlock time, median (what one node's validation costs). */
  readonly connectP50: number;
  /** Average and largest distance from the origin, in hops. */
  readonly meanHops: number;
  readonly maxHops: number;
  readonly cores: number;
  readonly seconds: number;
}

async function startGraph(world: BenchWorld, graph: Graph, tag: string): Promise<BenchNode[]> {
  const nodes: BenchNode[] = [];
  try {
    for (let j = 0; j < graph.length; j++) {
      const lower = graph[j]!.filter((i) => i < j);
      const node = await openBenchNode(`${tag}-${j}`, world.params, {
        bootstrap: lower.map((i) => nodes[i]!.p2p.multiaddrs()[0]!),
        targetPeers: 1,
        verifyThreads: 1,
        // The probes make a status request every few tens of ms, over the default 10/s per peer.
        limits: { requestsPerSecond: 10_000, maxConnections: 4 * DEGREE },
      });
      nodes.push(node);
      await node.p2p.start();
    }
    for (let j = 0; j < graph.length; j++) {
      for (const i of graph[j]!) {
        await waitFor(`${tag}: n${j} connected to n${i}`, () => connected(nodes[j]!, nodes[i]!), 60_000);
      }
    }
    const degrees = nodes.map((n) => n.p2p.peers().filter((p) => !p.banned && p.direction !== null).length);
    if (degrees.some((d, j) => d !== graph[j]!.length))
      throw new Error(`${tag}: the graph has extra links: degrees ${degrees.join(',')}`);
    const topic = nodes[0]!.p2p.ids.blocksTopic;
    await waitFor(
      `${tag}: every gossip mesh formed`,
      () => nodes.every((n, j) => meshPeers(n, topic).length >= Math.min(MESH_MIN, graph[j]!.length)),
      60_000,
    );
    return nodes;
  } catch (e) {
    await Promise.all(nodes.map((n) => n.close()));
    throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function scaleRun(world: BenchWorld, n: number): Promise<ScaleRun> {
  const graph = randomRegularGraph(n, DEGREE, seededRandom(n));
  const hops = hopsFrom(graph, 0);
  const builder = new BranchBuilder(world.params, recipient('scale-miner', n));
  const blocks: Block[] = Array.from({ length: WARMUP + SCALE_BLOCKS }, () => builder.next([]));
  const nodes = await startGraph(world, graph, `rrg${n}`);
  const origin = nodes[0]!;
  // Per block: each node's arrival time, in node order.
  const arrivals = new Map<string, number[]>();
  let waiter: { key: string; resolve: () => void } | undefined;
  for (const [j, node] of nodes.entries()) {
    node.services.chain.on('block:connected', ({ entry }: ConnectedBlock) => {
      const times = arrivals.get(entry.hex) ?? new Array<number>(n).fill(Number.NaN);
      arrivals.set(entry.hex, times);
      times[j] = performance.now();
      if (waiter?.key === entry.hex && times.every((t) => !Number.isNaN(t))) waiter.resolve();
    });
  }
  const everywhere = (key: string) =>
    new Promise<void>((resolve, reject) => {
      const times = arrivals.get(key);
      if (times?.every((t) => !Number.isNaN(t))) return resolve();
      const timer = setTimeout(
        () => reject(new Error(`rrg${n}: block ${key} did not reach all nodes`)),
        30_000,
      );
      waiter = {
        key,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });

  const all: number[] = [];
  const connect: number[] = [];
  const hop: number[] = [];
  const byHops = new Map<number, number[]>();
  let probes = 0;
  try {
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    for (const [b, block] of blocks.entries()) {
      const t0 = performance.now();
      const result = await origin.services.chain.processBlock(block);
      if (result.status !== 'connected') throw new Error(`rrg${n}: block ${b + 1}: ${result.status}`);
      const t1 = performance.now();
      const key = Buffer.from(result.hash).toString('hex');
      await everywhere(key);
      const times = arrivals.get(key)!;
      arrivals.delete(key);
      if (b >= WARMUP) {
        all.push(Math.max(...times) - t0);
        connect.push(t1 - t0);
        for (let j = 1; j < n; j++) {
          const list = byHops.get(hops[j]!) ?? [];
          list.push(times[j]! - t0);
          byHops.set(hops[j]!, list);
        }
        for (let k = 0; k < PROBES_PER_BLOCK; k++) {
          const peer = nodes[graph[0]![probes++ % DEGREE]!]!;
          hop.push(await statusRoundTrip(origin, peer));
        }
      }
      await sleep(SPACING_MS);
    }
    const cpu = process.cpuUsage(cpu0);
    const ms = performance.now() - wall0;
    if (new Set(nodes.map((x) => x.services.chain.tip.hex)).size !== 1)
      throw new Error(`rrg${n}: the nodes ended on different tips`);
    const others = hops.slice(1);
    return {
      nodes: n,
      degree: DEGREE,
      all: latencies(all),
      hop: latencies(hop),
      byHops: [...byHops.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([h, list]) => ({
          hops: h,
          nodes: others.filter((x) => x === h).length,
          p50: latencies(list).p50,
        })),
      connectP50: latencies(connect).p50,
      meanHops: others.reduce((a, x) => a + x, 0) / others.length,
      maxHops: Math.max(...others),
      cores: (cpu.user + cpu.system) / 1000 / ms,
      seconds: ms / 1000,
    };
  } finally {
    await Promise.all(nodes.map((x) => x.close()));
  }
}
