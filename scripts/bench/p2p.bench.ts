// P2P benchmarks (issue 5): real P2PNodes (libp2p over TCP on 127.0.0.1, Noise, Yamux, Gossipsub) on
// real chains and mempools.
//
//  1. p2p.block_propagation / p2p.tx_propagation: 10 nodes in a sparse ladder (3 peers each, at most
//     3 hops apart). A block handed to one node's chain (or a tx to its mempool) is timed until every
//     node has connected it (or accepted it); p99 over 200 blocks (400 txs), against the p99 of the
//     single-hop status round trip between the origin and its neighbours, measured between the items.
//     Goal ≤ 5×.
//  2. p2p.sync_vs_import: a fresh node syncing a 2,000-block chain (50 txs a block) from 3 peers (in a
//     child process), in blocks/s and tx/s, against processBlock of the same decoded blocks into a fresh
//     chain with the same verifier setup. Goal ≥ 0.70.
//
// Helpers are in scripts/bench/p2p/; docs/BENCHMARKS.md explains the choices and records figures.
import { loadavg } from 'node:os';
import { benchWorld } from './chain/fixtures.js';
import { type BenchResult, result } from './harness.js';
import { SYNC_BLOCKS, SYNC_TXS, syncBlocks } from './p2p/fixtures.js';
import { initialSync, SERVING_PEERS } from './p2p/initial-sync.js';
import { BLOCKS, type Latencies, NODES, propagation, TXS } from './p2p/propagation.js';

const ms = (x: number) => x.toFixed(1);

function propagationResult(
  name: string,
  what: string,
  items: number,
  subject: Latencies,
  hop: Latencies,
  context: string,
): BenchResult {
  return result({
    name,
    description:
      `time until all ${NODES} nodes (Möbius ladder: 3 peers each, ≤ 3 hops) have ${what}, over ${items} ` +
      `items: p50 ${ms(subject.p50)} ms, p99 ${ms(subject.p99)} ms, max ${ms(Math.max(...subject.samples))} ` +
      `ms; vs the single-hop status round trip over ${hop.samples.length} requests between the same ` +
      `items: p50 ${ms(hop.p50)} ms, p99 ${ms(hop.p99)} ms; ${context}`,
    baseline: { label: 'single-hop RTT p99', value: hop.p99, unit: 'ms' },
    subject: { label: `all ${NODES} nodes p99`, value: subject.p99, unit: 'ms' },
    goal: 5,
    higherIsBetter: false,
  });
}

export async function run(): Promise<BenchResult[]> {
  const world = benchWorld();
  const out: BenchResult[] = [];

  const prop = await propagation(world);
  const context =
    `in-process, ${prop.seconds.toFixed(1)} s at ${prop.cores.toFixed(2)} cores of CPU, load average ` +
    `${loadavg()[0]!.toFixed(1)}`;
  out.push(
    propagationResult('p2p.block_propagation', 'connected a block', BLOCKS, prop.blocks, prop.hop, context),
  );
  out.push(propagationResult('p2p.tx_propagation', 'a tx in the mempool', TXS, prop.txs, prop.hop, context));

  const t0 = performance.now();
  const fx = syncBlocks(world);
  console.error(
    `  sync fixture (${SYNC_BLOCKS} blocks × ${SYNC_TXS} txs, ${(fx.bytes / 1e6).toFixed(1)} MB) ` +
      `${fx.built ? 'built and cached' : 'loaded from the cache'} in ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const s = await initialSync(world.params, fx.blocks);
  const rate = (n: number, t: number) => (n * 1000) / t;
  const cpuRatio = s.imported.cpuMs / s.synced.cpuMs;
  out.push(
    result({
      name: 'p2p.sync_vs_import',
      description:
        `a fresh node syncing ${s.blocks} blocks (${s.txs} txs) from ${SERVING_PEERS} peers in a child ` +
        `process: ${(s.synced.ms / 1000).toFixed(1)} s, ${rate(s.blocks, s.synced.ms).toFixed(0)} blocks/s, ` +
        `${rate(s.txs, s.synced.ms).toFixed(0)} tx/s (all headers after ${(s.headersMs / 1000).toFixed(2)} s; ` +
        `blocks served per peer ${s.served.join(' / ')}, serving cost ${(s.servingCpuMs / 1000).toFixed(1)} ` +
        `CPU-s in the child); vs processBlock of the same blocks from a local ` +
        `file: ${(s.imported.ms / 1000).toFixed(1)} s, ${rate(s.txs, s.imported.ms).toFixed(0)} tx/s. CPU time ` +
        `(all threads of this process): ${(s.synced.cpuMs / 1000).toFixed(1)} s syncing ` +
        `(${(s.synced.cpuMs / s.synced.ms).toFixed(2)} cores) vs ${(s.imported.cpuMs / 1000).toFixed(1)} s ` +
        `importing (${(s.imported.cpuMs / s.imported.ms).toFixed(2)} cores): blocks per CPU-second ratio ` +
        `${cpuRatio.toFixed(2)}; load average ${loadavg()[0]!.toFixed(1)}`,
      baseline: { label: 'local import', value: rate(s.blocks, s.imported.ms), unit: 'blocks/s' },
      subject: { label: 'sync', value: rate(s.blocks, s.synced.ms), unit: 'blocks/s' },
      goal: 0.7,
      higherIsBetter: true,
    }),
  );
  return out;
}
