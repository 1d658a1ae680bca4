// The memory benchmark's child process: imports MEMORY_BLOCKS blocks into a fresh chain, wired like a
// node (LevelDB store, TxVerifier with its SignatureCache, a VerifierPool on every core), and samples the
// resident set size every 100 blocks. It runs in its own process so that the parent's heap (fixtures,
// other benchmarks) is not in the numbers, and it streams the blocks from the fixture file one at a time
// so that the input does not grow with the chain either.
//
//   node --expose-gc --import tsx scripts/bench/chain/memory-child.ts <blocks file>
//
// Prints one JSON line: { samples: [[height, rssBytes], …], early, late, maxRssBytes, seconds }.
// `early` and `late` are the RSS right after a forced full GC at heights MEMORY_EARLY and MEMORY_BLOCKS.
import '../../../src/polyfill.js';
import { VerifierPool } from '../../../src/crypto/verifier-pool.js';
import {
  benchWorld,
  MEMORY_BLOCKS,
  MEMORY_EARLY,
  MEMORY_SAMPLE_EVERY,
  type MemoryReport,
  openFreshChain,
  streamBlocks,
} from './fixtures.js';

async function main(file: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run me with node --expose-gc');
  const { params } = benchWorld();
  const pool = new VerifierPool();
  const open = await openFreshChain(params, pool);
  const samples: [number, number][] = [];
  let early = Number.NaN;
  let late = Number.NaN;
  const start = performance.now();
  try {
    for (const block of streamBlocks(file)) {
      const r = await open.chain.processBlock(block);
      if (r.status !== 'connected') throw new Error(`block ${block.header.height} was ${r.status}`);
      const height = open.chain.height;
      if (height % MEMORY_SAMPLE_EVERY !== 0) continue;
      const settled = height === MEMORY_EARLY || height === MEMORY_BLOCKS;
      if (settled) {
        // Twice: the first full GC can leave garbage only its finalizers released.
        gc();
        gc();
      }
      const rss = process.memoryUsage.rss();
      samples.push([height, rss]);
      if (height === MEMORY_EARLY) early = rss;
      if (height === MEMORY_BLOCKS) late = rss;
    }
    if (open.chain.height !== MEMORY_BLOCKS) {
      throw new Error(`imported ${open.chain.height} blocks, expected ${MEMORY_BLOCKS}`);
    }
  } finally {
    await open.close();
    await pool.close();
  }
  const report: MemoryReport = {
    samples,
    early,
    late,
    // resourceUsage reports kilobytes: the kernel's high-water mark, so no peak between samples is missed.
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    seconds: (performance.now() - start) / 1000,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

const file = process.argv[2];
if (file === undefined) throw new Error('usage: memory-child.ts <blocks file>');
main(file).catch((e) => {
  console.error(e);
  process.exit(1);
});
