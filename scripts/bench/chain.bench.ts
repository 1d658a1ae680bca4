// Chain benchmarks (issue 3): what does everything around signature verification cost?
//
//  1. chain.import_vs_pool: connecting blocks of 1,000 fresh transfers into a fresh LevelDB chain through
//     Chain.processBlock (real TxVerifier on a VerifierPool over every core, new SignatureCache), in tx/s,
//     against the pool alone verifying the same signatures in the same block-sized batches. Goal ≥ 0.85
//     (issue 16): storage, state and everything else may cost at most 15% on top of ECDSA. Measured with
//     the node's default pool (native libsecp256k1 where it loads) and, as chain.import_vs_pool_wasm,
//     with the WASM fallback's pool, so that import keeps up with whichever pool a node runs.
//  2. chain.reorg_vs_connect: a 100-block reorg (disconnect 100, connect the heavier branch) against
//     connecting 100 blocks the first time. Goal ≤ 1.5×.
//  3. chain.fsync_cost: connecting the same 100 blocks of 20 transfers (the size a busy devnet makes)
//     into a fresh chain with durability 'tip' (each batch that moves the tip is fsynced: what a node
//     does) against 'none' (no fsync). Lower is better; the figure and the decision it supports are in
//     docs/STORAGE.md "Durability". Goal ≤ 3×: a node on this kind of disk still connects ~100 small
//     blocks a second while catching up, and a running devnet (a block every few seconds) never notices.
//  4. chain.memory_flat: RSS of a child process importing 5,000 small blocks, after a forced GC at block
//     5,000 against the same at block 1,000. Goal ≤ 1.25× (flat: no growth with chain length).
//
// The machine is shared, so each timed comparison runs in alternating rounds and reports the median of
// the per-round ratios (both sides of a round see the same load).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Chain } from '../../src/chain/chain.js';
import { toHex } from '../../src/consensus/bytes.js';
import { blockHash } from '../../src/consensus/hash.js';
import { signingHash } from '../../src/consensus/signature.js';
import type { Block, ChainParams } from '../../src/consensus/types.js';
import { VerifierPool, type VerifyItem } from '../../src/crypto/verifier-pool.js';
import {
  benchWorld,
  buildFixtures,
  MEMORY_BLOCKS,
  MEMORY_EARLY,
  type MemoryReport,
  openFreshChain,
  REORG_TXS,
} from './chain/fixtures.js';
import { type BenchResult, result } from './harness.js';

const IMPORT_ROUNDS = 3;
/** Issue 16: import keeps up with whichever pool runs, at ≥ 0.85 of its raw rate. */
const IMPORT_GOAL = 0.85;
const REORG_ROUNDS = 3;
const MB = 1024 * 1024;

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Wall time of `fn` and how many cores' worth of CPU the whole process (all threads) used meanwhile. */
async function timed(fn: () => Promise<void>): Promise<{ ms: number; cores: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cores: (cpu.user + cpu.system) / 1000 / ms };
}

async function connectAll(chain: Chain, blocks: readonly Block[], expected: string): Promise<void> {
  for (const b of blocks) {
    const r = await chain.processBlock(b);
    if (r.status !== expected) throw new Error(`block ${b.header.height}: ${r.status}, expected ${expected}`);
  }
}

// --- 1. Import ------------------------------------------------------------------------------------

interface ImportRound {
  readonly importMs: number;
  readonly poolMs: number;
  /** Cores' worth of CPU the process used while importing / while the pool verified alone. */
  readonly importCores: number;
  readonly poolCores: number;
}

/**
 * One round: a fresh chain imports the blocks one by one, and next to each block the pool verifies that
 * block's signatures on its own. Pairing them block by block (alternating which goes first) puts both
 * sides under the same load from the rest of the machine, within half a second of each other.
 */
async function importRound(
  params: ChainParams,
  blocks: readonly Block[],
  batches: readonly VerifyItem[][],
  pool: VerifierPool,
): Promise<ImportRound> {
  // A fresh datadir and a fresh TxVerifier + SignatureCache: every signature is new to this chain.
  // Opening it (genesis with its allocations) happens before any clock starts.
  const open = await openFreshChain(params, pool);
  const sum = { importMs: 0, poolMs: 0, importCpu: 0, poolCpu: 0 };
  try {
    const importOne = async (i: number) => {
      const t = await timed(() => connectAll(open.chain, [blocks[i]!], 'connected'));
      sum.importMs += t.ms;
      sum.importCpu += t.ms * t.cores;
    };
    const verifyOne = async (i: number) => {
      const t = await timed(async () => {
        if ((await pool.verifyBatch(batches[i]!)).includes(false)) throw new Error('a fixture failed');
      });
      sum.poolMs += t.ms;
      sum.poolCpu += t.ms * t.cores;
    };
    for (let i = 0; i < blocks.length; i++) {
      if (i % 2 === 0) {
        await importOne(i);
        await verifyOne(i);
      } else {
        await verifyOne(i);
        await importOne(i);
      }
    }
    if (open.chain.height !== blocks.length) throw new Error('import did not reach the last block');
  } finally {
    await open.close();
  }
  return {
    importMs: sum.importMs,
    poolMs: sum.poolMs,
    importCores: sum.importCpu / sum.importMs,
    poolCores: sum.poolCpu / sum.poolMs,
  };
}

async function importBench(
  params: ChainParams,
  blocks: readonly Block[],
  pool: VerifierPool,
  name: string,
  which: string,
) {
  // The baseline's jobs are ready-made (digest computed) so that it times verification only; the import
  // computes them itself, as a node does.
  const batches: VerifyItem[][] = blocks.map((b) =>
    b.txs.map((tx) => ({
      msgHash: signingHash(tx, params.genesisHash),
      publicKey: tx.from,
      signature: tx.signature,
    })),
  );
  const txs = batches.reduce((n, b) => n + b.length, 0);

  // Warm-up: worker threads and WASM, and the JIT on the chain's code paths.
  await importRound(params, blocks.slice(0, 2), batches.slice(0, 2), pool);

  const rounds: ImportRound[] = [];
  for (let i = 0; i < IMPORT_ROUNDS; i++) rounds.push(await importRound(params, blocks, batches, pool));
  const ratios = rounds.map((r) => r.poolMs / r.importMs); // = import tx/s ÷ pool sig/s
  const mid = rounds[ratios.indexOf(median(ratios))]!;
  return result({
    name,
    description:
      `${which}: processBlock of ${blocks.length} pre-built blocks × ${blocks[0]!.txs.length} fresh txs into a new ` +
      `LevelDB chain (TxVerifier + new SignatureCache on a ${pool.size}-worker ${pool.backend} pool) vs pool.verifyBatch ` +
      'of the same signatures in the same batches, paired block by block; median of ' +
      `${IMPORT_ROUNDS} rounds (ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}); median round: ` +
      `${(mid.importMs / blocks.length).toFixed(0)} vs ${(mid.poolMs / blocks.length).toFixed(0)} ms/block, ` +
      `CPU used ${mid.importCores.toFixed(2)} vs ${mid.poolCores.toFixed(2)} cores`,
    baseline: { label: `${pool.backend} pool verify`, value: (txs * 1000) / mid.poolMs, unit: 'sig/s' },
    subject: { label: 'import', value: (txs * 1000) / mid.importMs, unit: 'tx/s' },
    ratio: median(ratios),
    goal: IMPORT_GOAL,
    higherIsBetter: true,
  });
}

// --- 2. Reorg -------------------------------------------------------------------------------------

interface ReorgRound {
  /** Connecting branch A's blocks the first time (each processBlock connects at once). */
  readonly firstMs: number;
  /** From the heavier block's arrival to the last disconnect: its checks and store, 100 disconnects. */
  readonly disconnectMs: number;
  /** From the last disconnect to the new tip: connecting B's blocks. */
  readonly connectMs: number;
}

async function reorgRound(
  params: ChainParams,
  pool: VerifierPool,
  a: readonly Block[],
  b: readonly Block[],
): Promise<ReorgRound> {
  const open = await openFreshChain(params, pool);
  const { chain } = open;
  try {
    const first = await timed(() => connectAll(chain, a, 'connected'));
    // B's first 100 blocks only tie A's work at each height: stored as a side branch, not connected,
    // so their signatures are not verified (nor cached) yet.
    await connectAll(chain, b.slice(0, -1), 'stored');

    let disconnects = 0;
    let connects = 0;
    let lastDisconnectAt = Number.NaN;
    const onDisconnect = () => {
      disconnects++;
      lastDisconnectAt = performance.now();
    };
    const onConnect = () => {
      connects++;
    };
    chain.on('block:disconnected', onDisconnect);
    chain.on('block:connected', onConnect);
    const start = performance.now();
    await connectAll(chain, b.slice(-1), 'connected');
    const end = performance.now();
    chain.off('block:disconnected', onDisconnect);
    chain.off('block:connected', onConnect);

    const tip = b[b.length - 1]!;
    if (
      disconnects !== a.length ||
      connects !== b.length ||
      toHex(chain.tip.hash) !== toHex(blockHash(tip.header))
    ) {
      throw new Error(`reorg went wrong: ${disconnects} disconnects, ${connects} connects`);
    }
    return { firstMs: first.ms, disconnectMs: lastDisconnectAt - start, connectMs: end - lastDisconnectAt };
  } finally {
    await open.close();
  }
}

async function reorgBench(params: ChainParams, a: readonly Block[], b: readonly Block[], pool: VerifierPool) {
  await reorgRound(params, pool, a.slice(0, 10), b.slice(0, 11)); // warm-up
  const rounds: ReorgRound[] = [];
  for (let i = 0; i < REORG_ROUNDS; i++) rounds.push(await reorgRound(params, pool, a, b));
  // Per-block normalisation: the reorg connects b.length = a.length + 1 blocks; count a.length of them.
  const reorgMs = (r: ReorgRound) => r.disconnectMs + (r.connectMs * a.length) / b.length;
  const ratios = rounds.map((r) => reorgMs(r) / r.firstMs);
  const mid = rounds[ratios.indexOf(median(ratios))]!;
  const perBlock = (ms: number, n: number) => (ms / n).toFixed(2);
  return result({
    name: 'chain.reorg_vs_connect',
    description:
      `${a.length}-block reorg (disconnect ${a.length}, connect ${b.length} heavier blocks, time per block ` +
      `× ${a.length}) vs connecting ${a.length} blocks the first time, ${REORG_TXS} txs each. Both sides ` +
      'verify fresh signatures: branch B has its own txs (other recipients, other signatures) and its ' +
      'blocks were only stored, not verified, before the reorg, so the cache saves nothing on either ' +
      `side. Median round: disconnect ${perBlock(mid.disconnectMs, a.length)} ms/block, reconnect ` +
      `${perBlock(mid.connectMs, b.length)} ms/block, first connect ${perBlock(mid.firstMs, a.length)} ` +
      `ms/block; median of ${REORG_ROUNDS} rounds (ratios ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
    baseline: { label: `first connect ×${a.length}`, value: mid.firstMs, unit: 'ms' },
    subject: { label: `reorg ×${a.length}`, value: reorgMs(mid), unit: 'ms' },
    ratio: median(ratios),
    goal: 1.5,
    higherIsBetter: false,
  });
}

// --- 3. Memory ------------------------------------------------------------------------------------

function runChild(file: string): Promise<MemoryReport> {
  const child = fileURLToPath(new URL('./chain/memory-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', child, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => {
      out += d;
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`memory child exited with code ${code}`));
      const last = out.trim().split('\n').at(-1);
      try {
        resolve(JSON.parse(last ?? '') as MemoryReport);
      } catch {
        reject(new Error(`memory child printed no report: ${out.slice(0, 200)}`));
      }
    });
  });
}

async function memoryBench(file: string) {
  const r = await runChild(file);
  const mb = (bytes: number) => (bytes / MB).toFixed(0);
  console.error(`  chain.memory_flat: RSS (MB) every 100 blocks, ${r.seconds.toFixed(1)} s:`);
  for (let i = 0; i < r.samples.length; i += 10) {
    const row = r.samples
      .slice(i, i + 10)
      .map(([h, rss]) => `${String(h).padStart(4)}:${mb(rss).padStart(4)}`);
    console.error(`    ${row.join('  ')}`);
  }
  return result({
    name: 'chain.memory_flat',
    description:
      `RSS of a child process importing ${MEMORY_BLOCKS} blocks of 0–5 txs (LevelDB, TxVerifier + cache, ` +
      `VerifierPool), after a forced GC at block ${MEMORY_BLOCKS} vs at block ${MEMORY_EARLY}; peak RSS ` +
      `(kernel high-water mark) ${mb(r.maxRssBytes)} MB, samples min ${mb(Math.min(...r.samples.map((s) => s[1])))} ` +
      `/ max ${mb(Math.max(...r.samples.map((s) => s[1])))} MB`,
    baseline: { label: `RSS @${MEMORY_EARLY}`, value: r.early / MB, unit: 'MB' },
    subject: { label: `RSS @${MEMORY_BLOCKS}`, value: r.late / MB, unit: 'MB' },
    ratio: r.late / r.early,
    goal: 1.25,
    higherIsBetter: false,
  });
}

// --- 3. Durability -----------------------------------------------------------------------------------

const FSYNC_ROUNDS = 3;

async function fsyncBench(params: ChainParams, blocks: readonly Block[], pool: VerifierPool) {
  const connectWith = async (durability: 'none' | 'tip') => {
    const open = await openFreshChain(params, pool, durability);
    try {
      return (await timed(() => connectAll(open.chain, blocks, 'connected'))).ms;
    } finally {
      await open.close();
    }
  };
  await connectWith('none'); // warm-up: workers, JIT, the page cache
  const rounds: { none: number; tip: number }[] = [];
  for (let i = 0; i < FSYNC_ROUNDS; i++) {
    // Alternate which goes first, so both see the same load from the rest of the machine.
    if (i % 2 === 0) rounds.push({ none: await connectWith('none'), tip: await connectWith('tip') });
    else {
      const tip = await connectWith('tip');
      rounds.push({ none: await connectWith('none'), tip });
    }
  }
  const ratios = rounds.map((r) => r.tip / r.none);
  const mid = rounds[ratios.indexOf(median(ratios))]!;
  const perBlock = (ms: number) => ms / blocks.length;
  return result({
    name: 'chain.fsync_cost',
    description:
      `processBlock of ${blocks.length} blocks × ${blocks[0]!.txs.length} txs into a new LevelDB chain with ` +
      "durability 'tip' (an fdatasync per block) vs 'none'; median of " +
      `${FSYNC_ROUNDS} alternating rounds (ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}); the fsync costs ` +
      `${(perBlock(mid.tip) - perBlock(mid.none)).toFixed(1)} ms per block here`,
    baseline: { label: "'none'", value: perBlock(mid.none), unit: 'ms/block' },
    subject: { label: "'tip'", value: perBlock(mid.tip), unit: 'ms/block' },
    ratio: median(ratios),
    goal: 3,
    higherIsBetter: false,
  });
}

export async function run(): Promise<BenchResult[]> {
  const t0 = performance.now();
  const world = benchWorld();
  const fx = buildFixtures(world);
  console.error(
    `  chain fixtures ${fx.built ? 'built and cached' : 'loaded from the cache'} in ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const pool = new VerifierPool();
  const out: BenchResult[] = [];
  try {
    out.push(
      await importBench(world.params, fx.importBlocks, pool, 'chain.import_vs_pool', "the node's backend"),
    );
    out.push(await reorgBench(world.params, fx.branchA, fx.branchB, pool));
    out.push(await fsyncBench(world.params, fx.branchA, pool));
  } finally {
    await pool.close();
  }
  // The portable fallback too, so that import keeps up with whichever pool a node runs. Where native
  // does not load, the default pool above already was the WASM one.
  if (pool.backend !== 'tiny-secp256k1') {
    const wasm = new VerifierPool({ backend: 'tiny-secp256k1' });
    try {
      out.push(
        await importBench(
          world.params,
          fx.importBlocks,
          wasm,
          'chain.import_vs_pool_wasm',
          'the WASM fallback',
        ),
      );
    } finally {
      await wasm.close();
    }
  } else {
    console.error(
      '  chain.import_vs_pool_wasm: left out, the default pool already runs WASM (native not loaded)',
    );
  }
  // Last, with this process's pool closed: the child has the machine to itself.
  out.push(await memoryBench(fx.memoryFile));
  return out;
}
