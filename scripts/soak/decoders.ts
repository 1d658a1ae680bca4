// Decoder soak (docs/HARDENING.md): the properties of test/fuzz/decoder-properties.ts, run until at least
// `--inputs` inputs (default 1,000,000) have been tried in total. Prints the total and the seed.
import { decoderProperties, runDecoderFuzz } from '../../test/fuzz/decoder-properties.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const target = option('inputs', 1_000_000);
const seed = option('seed', Date.now() % 2 ** 31);
const runs = Math.ceil(target / decoderProperties().length);
const started = Date.now();
console.log(`decoder soak: ${decoderProperties().length} properties × ${runs} runs, seed ${seed}`);
const total = runDecoderFuzz(runs, seed, (name, n) => console.log(`  ok  ${name} (${n})`));
console.log(
  `decoder soak: ${total} inputs tried, 0 failures, ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
