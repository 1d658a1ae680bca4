// `npm run soak`: the long runs of the standing attack suite (docs/HARDENING.md), one after another, each in
// a process of its own. `npm run soak` runs them all with their defaults; `npm run soak -- crash --rounds
// 50` runs the named ones, passing the options after the names on to each.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOAKS = {
  decoders: 'every decoder on random and mutated bytes (≥ 1,000,000 inputs)',
  crash: 'SIGKILL rounds in a 3-node network of real processes (≥ 200 rounds)',
} as const;
type Soak = keyof typeof SOAKS;

const args = process.argv.slice(2);
const named = args.filter((a): a is Soak => a in SOAKS);
const unknown = args.filter((a, i) => !a.startsWith('--') && !(a in SOAKS) && !args[i - 1]?.startsWith('--'));
if (unknown.length > 0 || args.includes('--help')) {
  console.error(`usage: npm run soak [-- [${Object.keys(SOAKS).join('|')}]... [--option value]...]`);
  for (const [name, what] of Object.entries(SOAKS)) console.error(`  ${name.padEnd(9)} ${what}`);
  process.exit(unknown.length > 0 ? 2 : 0);
}
const options = args.filter((a) => !(a in SOAKS));
const here = dirname(fileURLToPath(import.meta.url));
let failed = 0;
for (const soak of named.length > 0 ? named : (Object.keys(SOAKS) as Soak[])) {
  console.log(`== soak: ${soak}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${soak}.ts`), ...options], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    failed++;
    console.log(`== soak: ${soak} FAILED (${r.status ?? r.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
