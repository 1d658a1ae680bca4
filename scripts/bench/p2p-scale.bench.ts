// Propagation at scale (issue 15): real P2PNodes (libp2p over TCP on 127.0.0.1, Noise, Yamux, Gossipsub)
// on real chains, in random 8-regular networks of 10, 25 and 50 nodes in this process
// (scripts/bench/p2p/scale.ts). For each size: the time until every node has connected a block, p50 and
// p99 over 60 blocks, against the single-hop status round trip measured between the blocks; and next to
// it log(N)/log(8), the hops a flood needs on such a graph. docs/BENCHMARKS.md has the figures.
//
// The goal is about growth, measured against a baseline in the same run: going from 10 to N nodes must
// not multiply the p50 ratio by more than N/10, i.e. propagation must stay sub-linear in N on one machine
// where every node's validation shares the same cores.
import { loadavg } from 'node:os';
import { benchWorld } from './chain/fixtures.js';
import { type BenchResult, result } from './harness.js';
import { DEGREE, SCALE_BLOCKS, SCALE_SIZES, type ScaleRun, scaleRun } from './p2p/scale.js';

const ms = (x: number) => x.toFixed(1);

function describe(r: ScaleRun): string {
  const model = Math.log(r.nodes) / Math.log(DEGREE);
  const perHop = r.byHops.map((h) => `${h.hops} hop${h.hops > 1 ? 's' : ''} (${h.nodes} nodes) ${ms(h.p50)}`);
  return (
    `${r.nodes} nodes, ${DEGREE} peers each (random regular graph; mean distance from the origin ` +
    `${r.meanHops.toFixed(2)} hops, max ${r.maxHops}; log(N)/log(${DEGREE}) = ${model.toFixed(2)}): a block ` +
    `reaches all nodes in p50 ${ms(r.all.p50)} ms, p99 ${ms(r.all.p99)} ms over ${SCALE_BLOCKS} blocks; ` +
    `single-hop status round trip p50 ${ms(r.hop.p50)} ms, p99 ${ms(r.hop.p99)} ms; p50 ratio ` +
    `${(r.all.p50 / r.hop.p50).toFixed(1)}×, p99 ratio ${(r.all.p99 / r.hop.p99).toFixed(1)}×; median ` +
    `arrival by distance: ${perHop.join(', ')} ms; the origin's processBlock p50 ${ms(r.connectP50)} ms; ` +
    `${r.seconds.toFixed(1)} s at ${r.cores.toFixed(2)} cores, load average ${loadavg()[0]!.toFixed(1)}`
  );
}

export async function run(): Promise<BenchResult[]> {
  const world = benchWorld();
  const runs: ScaleRun[] = [];
  for (const n of SCALE_SIZES) {
    const r = await scaleRun(world, n);
    console.error(`  ${describe(r)}`);
    runs.push(r);
  }
  // Each larger network against the smallest, measured in the same run: the ratio (time to all nodes over
  // a single hop, at the median) may grow at most as fast as the node count.
  const small = runs[0]!;
  const ratio = (r: ScaleRun) => r.all.p50 / r.hop.p50;
  const out: BenchResult[] = runs.slice(1).map((r) =>
    result({
      name: `p2p.propagation_rrg${r.nodes}`,
      description:
        `${describe(r)}. Against ${small.nodes} nodes in the same run: ${describe(small)}. The p50 ratio ` +
        `grew ${(ratio(r) / ratio(small)).toFixed(2)}× for ${r.nodes / small.nodes}× the nodes; the hop ` +
        `model log(N)/log(${DEGREE}) grew ${(Math.log(r.nodes) / Math.log(small.nodes)).toFixed(2)}×`,
      baseline: { label: `${small.nodes}-node p50 ratio`, value: ratio(small), unit: '×' },
      subject: { label: `${r.nodes}-node p50 ratio`, value: ratio(r), unit: '×' },
      goal: r.nodes / small.nodes,
      higherIsBetter: false,
    }),
  );
  return out;
}
