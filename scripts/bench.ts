// `npm run bench`: runs every benchmark suite in scripts/bench/, prints one table of ratios (each against a
// baseline measured in the same run) and writes bench/results.json. `npm run bench -- sig encoding` runs
// only the named suites.
import '../src/polyfill.js';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchResult, RESULTS_MARK } from './bench/harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const suiteDir = join(here, 'bench');
const wanted = process.argv.slice(2);
const suites = readdirSync(suiteDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

const all: BenchResult[] = [];
for (const name of suites) {
  console.error(`running ${name} …`);
  const results = runSuite(name);
  all.push(...results);
  for (const r of results) printRow(r);
}

/** Runs one suite in a child process of its own (see run-suite.ts) and returns its results. */
function runSuite(name: string): BenchResult[] {
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(suiteDir, 'run-suite.ts'), name], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith(RESULTS_MARK));
  if (child.status !== 0 || !line) {
    process.stdout.write(child.stdout);
    throw new Error(`benchmark suite ${name} failed (exit ${child.status ?? child.signal})`);
  }
  return JSON.parse(line.slice(RESULTS_MARK.length + 1)) as BenchResult[];
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function printRow(r: BenchResult): void {
  const goal = `${r.higherIsBetter ? '≥' : '≤'} ${r.goal}×`;
  console.log(
    `${r.met ? 'MET ' : 'MISS'}  ${r.name.padEnd(32)} ${fmt(r.ratio).padStart(8)}×  (goal ${goal})  ` +
      `${r.subject.label}: ${fmt(r.subject.value)} ${r.subject.unit}  vs  ${r.baseline.label}: ${fmt(r.baseline.value)} ${r.baseline.unit}`,
  );
}

const out = join(here, '..', 'bench', 'results.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, results: all }, null, 2)}\n`,
);
console.log(`\n${all.filter((r) => r.met).length}/${all.length} goals met; wrote bench/results.json`);
process.exit(0);
