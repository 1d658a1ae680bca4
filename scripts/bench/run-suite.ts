// Runs ONE benchmark suite and prints its results as a marked JSON line for scripts/bench.ts. Each suite
// gets a fresh process, so one suite's heap, JIT state and leftover threads cannot slow the next.
import '../../src/polyfill.js';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchResult, RESULTS_MARK } from './harness.js';

const name = process.argv[2];
if (!name) throw new Error('usage: run-suite.ts SUITE');
const mod = (await import(
  pathToFileURL(join(fileURLToPath(new URL('.', import.meta.url)), `${name}.bench.ts`)).href
)) as {
  run: () => Promise<BenchResult[]>;
};
const results = await mod.run();
process.stdout.write(`${RESULTS_MARK} ${JSON.stringify(results)}\n`);
process.exit(0);
