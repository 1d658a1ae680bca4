// Crash soak (docs/HARDENING.md "Crash soak"): `--rounds` rounds (default 200) of SIGKILL at a random moment
// of mining, tx intake, a reorg in progress or sync, in a network of three real `cairn start --regtest`
// processes; after each, the victim's datadir must open at or above the height it had acknowledged, with
// the state equal to a clean replay (test/e2e/crash-network.ts). Prints one line per round and a summary:
// rounds, failures, memory. Exits 1 at the first failure, naming the round and the seed to replay it.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/polyfill.js';
import { runCrashRounds } from '../../test/e2e/crash-network.js';
import { freshBuiltCairn } from '../../test/e2e/helpers.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const rounds = option('rounds', 200);
const seed = option('seed', Date.now() % 2 ** 31);
// The built `cairn` starts several times faster than the sources under tsx: build it if it is stale.
let cairn = await freshBuiltCairn();
if (!cairn) {
  console.log('crash soak: dist/ is older than src/: npm run build');
  const { spawnSync } = await import('node:child_process');
  if (spawnSync('npm', ['run', 'build'], { stdio: 'inherit' }).status !== 0) process.exit(1);
  cairn = await freshBuiltCairn();
}
const dir = await mkdtemp(join(tmpdir(), `cairn-crash-soak-${process.pid}-`));
console.log(`crash soak: ${rounds} rounds, seed ${seed}, datadirs in ${dir}`);
try {
  const r = await runCrashRounds({
    dir,
    rounds,
    seed,
    convergeEvery: option('converge-every', 10),
    cairn,
    log: (line) => console.log(line),
  });
  const kinds = Object.entries(r.byScenario)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  console.log(
    `crash soak: ${r.rounds} rounds (${kinds}), 0 failures, ${r.convergences} convergence checks, ` +
      `${r.healedAtOpen} reorgs cut in two and finished at open, final height ${r.finalHeight}, node RSS peak ${r.maxNodeRssMb.toFixed(0)} MB, ` +
      `driver RSS peak ${r.maxDriverRssMb.toFixed(0)} MB, ${(r.seconds / 60).toFixed(1)} min, seed ${seed}`,
  );
} catch (e) {
  console.error(`crash soak FAILED (seed ${seed}): ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
}
