// `npm run experiment -- NAME`: measurements that reproduce a published result on a real devnet, too long
// for the test suite (they run for minutes to hours; each stops by itself at its caps).
//
//   npm run experiment -- stale-rate [--points 2000:0,1000:25,1000:75,1000:200] [--nodes 5] [--seed 1]
//                                    [--min-blocks 100] [--max-blocks 3000] [--max-minutes 60] [--batch 50]
//                                    [--quick] [--no-write] [--json FILE]
//
// stale-rate (scripts/experiments/stale-rate.ts) needs host mode (Linux, root). It prints the table and,
// unless --no-write (or --quick), writes it with a plot into docs/EXPERIMENTS.md and docs/stale-rate.svg.
import '../src/polyfill.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ROOT } from './devnet/state.js';
import { runStaleRate } from './experiments/stale-rate.js';
import {
  fitLine,
  LITERATURE,
  literatureTable,
  markdownTable,
  type PointResult,
  type PointSpec,
  parsePoints,
  replaceSection,
  summarise,
  svgPlot,
} from './experiments/stale-report.js';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max)
    throw new InvalidArgumentError(`--${name} must be ${min}..${max}`);
  return n;
};

const program = new Command('experiment').description('reproduce published measurements on a real devnet');
program
  .command('stale-rate')
  .description(
    'stale blocks against block interval T and propagation delay Δ (Gervais et al., CCS 2016), beside 1 − e^(−Δ/T)',
  )
  .option(
    '--points <list>',
    'T:DELAY pairs in ms (mean block interval : one-way link delay)',
    '2000:0,1000:25,1000:75,1000:200',
  )
  .option('--nodes <n>', 'miners (each a host with an equal share of the hash power)', int('nodes', 2, 20), 5)
  .option('--seed <n>', 'seed of the block arrivals and the miner lottery', int('seed', 0, 2 ** 32 - 1), 1)
  .option('--min-blocks <n>', 'blocks per point at least', int('min-blocks', 10, 100_000), 100)
  .option('--max-blocks <n>', 'blocks per point at most', int('max-blocks', 10, 100_000), 3000)
  .option('--max-minutes <n>', 'minutes per point at most', int('max-minutes', 1, 600), 60)
  .option('--batch <n>', 'blocks between two settlements', int('batch', 5, 1000), 50)
  .option(
    '--quick',
    'one short point (T 0.5 s, link 100 ms, 20 blocks): a check that it all works, not a result',
  )
  .option('--no-write', 'print only; do not write docs/EXPERIMENTS.md')
  .option('--json <file>', 'also write the measured points as JSON to this file')
  .action(async (flags) => {
    let points: PointSpec[];
    try {
      points = parsePoints(flags.quick ? '500:100' : flags.points);
    } catch (e) {
      console.error(`experiment: ${(e as Error).message}`);
      process.exit(2);
    }
    const started = new Date();
    const load0 = loadavg()[0]!;
    let results: PointResult[];
    try {
      results = await runStaleRate({
        points,
        nodes: flags.nodes,
        seed: flags.seed,
        minBlocks: flags.quick ? 20 : flags.minBlocks,
        maxBlocks: flags.quick ? 20 : flags.maxBlocks,
        maxMinutes: flags.quick ? 3 : flags.maxMinutes,
        batch: flags.quick ? 10 : flags.batch,
        log: (line) => console.log(line),
      });
    } catch (e) {
      console.error(`experiment: ${(e as Error).message}`);
      process.exit(1);
    }
    const table = markdownTable(results);
    const fit = fitLine(results);
    console.log(`\n${table}\n\n${fit}\n`);
    if (flags.json) writeFileSync(flags.json, `${JSON.stringify(results, null, 2)}\n`);
    for (const [i, r] of results.entries()) {
      const s = summarise(r);
      if (!s.narrowEnough)
        console.log(
          `note: point ${i + 1}'s interval is not narrower than its rate (${r.stale} stale of ${r.blocks})`,
        );
    }
    if (flags.quick || !flags.write) return;
    const minutes = (Date.now() - started.getTime()) / 60_000;
    const command =
      `npm run experiment -- stale-rate --points ${flags.points} --nodes ${flags.nodes} --seed ${flags.seed} ` +
      `--min-blocks ${flags.minBlocks} --max-blocks ${flags.maxBlocks} --max-minutes ${flags.maxMinutes} --batch ${flags.batch}`;
    const body = [
      `Run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${minutes.toFixed(0)} minutes, load average ` +
        `${load0.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end (the machine is shared), with:`,
      '',
      '```sh',
      command,
      '```',
      '',
      table,
      '',
      `${fit[0]!.toUpperCase()}${fit.slice(1)}.`,
      '',
      '![Measured stale rate with 95 % intervals against Δ/T, the two model curves, the fitted curve and the published points](stale-rate.svg)',
      '',
      "The published points, for comparison (their Δ is the median propagation to the network's peers):",
      '',
      literatureTable(),
    ].join('\n');
    const docFile = join(ROOT, 'docs', 'EXPERIMENTS.md');
    let doc = '# Experiments\n';
    try {
      doc = readFileSync(docFile, 'utf8');
    } catch {
      // first run: the file is created
    }
    writeFileSync(docFile, replaceSection(doc, body));
    writeFileSync(join(ROOT, 'docs', 'stale-rate.svg'), svgPlot(results, LITERATURE));
    console.log('wrote docs/EXPERIMENTS.md (the table) and docs/stale-rate.svg (the plot)');
  });

await program.parseAsync(process.argv);
