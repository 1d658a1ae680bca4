// The sync benchmark's serving peers, in a process of their own: `node --import tsx serve-child.ts DIR…`
// opens one P2P node on each datadir (a copy of the synced chain), prints one JSON line with their
// multiaddrs and tip hashes, serves until its stdin closes, then prints how many blocks each node served,
// closes the nodes and exits.
//
// A child, so that the serving (LevelDB reads, Noise encryption) runs on another event loop, as it does
// on a real peer, and so that the benchmark's CPU time is the syncing node's alone.
import '../../../src/polyfill.js';
import { benchWorld } from '../chain/fixtures.js';
import { type BenchNode, openBenchNode } from './network.js';

export interface ServeReport {
  readonly multiaddrs: string[];
  readonly tips: string[];
}

export interface ServedReport {
  readonly served: number[];
  /** CPU time of the child (all threads) from the first report to the end of serving, in ms. */
  readonly cpuMs: number;
}

const dirs = process.argv.slice(2);
const { params } = benchWorld();
const nodes: BenchNode[] = [];
const served: number[] = [];
for (const [i, datadir] of dirs.entries()) {
  // Serving verifies nothing: one idle worker each is enough. close() removes the datadir.
  const node = await openBenchNode(`peer${i}`, params, { datadir, verifyThreads: 1 });
  nodes.push(node);
  // Counts the blocks each node reads to answer requests: the download should be spread over all.
  const chain = node.services.chain;
  const read = chain.getBlockBytes.bind(chain);
  served.push(0);
  chain.getBlockBytes = (hash) => {
    served[i]!++;
    return read(hash);
  };
  await node.p2p.start();
}
const report: ServeReport = {
  multiaddrs: nodes.map((n) => n.p2p.multiaddrs()[0]!),
  tips: nodes.map((n) => n.services.chain.tip.hex),
};
const cpu0 = process.cpuUsage();
process.stdout.write(`${JSON.stringify(report)}\n`);

process.stdin.resume();
process.stdin.on('end', () => {
  const cpu = process.cpuUsage(cpu0);
  const end: ServedReport = { served, cpuMs: (cpu.user + cpu.system) / 1000 };
  process.stdout.write(`${JSON.stringify(end)}\n`);
  void Promise.all(nodes.map((n) => n.close())).then(() => process.exit(0));
});
