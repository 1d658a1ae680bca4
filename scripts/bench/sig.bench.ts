// Signature verification throughput: is ECDSA still the node's bottleneck?
//
// Baseline: the reference @noble/secp256k1 verifier on one core, every signature distinct (distinct keys,
// distinct digests: no cached key tables help). Subjects: the WASM build of libsecp256k1 (the portable
// default) on one core, the native addon on one core (against WASM: what the optional dependency buys),
// and the VerifierPool on every core with each, fed block-sized batches of 1,000 signatures it has not
// seen in that batch. All verify the same precomputed (digest, key, signature) triples, so only
// verification is timed. Where the native module does not load, its two results are left out (and the
// run says why on stderr).
import { availableParallelism } from 'node:os';
import * as tiny from 'tiny-secp256k1';
import { sha256 } from '../../src/consensus/hash.js';
import { loadNativeSecp256k1 } from '../../src/crypto/native-secp256k1.js';
import {
  defaultVerifier,
  nativeVerifier,
  nobleVerifier,
  type SignatureVerifier,
} from '../../src/crypto/verifier.js';
import { VerifierPool, type VerifyItem } from '../../src/crypto/verifier-pool.js';
import { type BenchResult, rate, result } from './harness.js';

const BLOCK = 1_000;
const BATCHES = 6;
const KEYS = 500;
const ROUNDS = 5;

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** BATCHES × BLOCK distinct signed digests by KEYS distinct keys (signed with libsecp256k1: fast). */
function fixtures(): VerifyItem[][] {
  const keys = Array.from({ length: KEYS }, (_, k) => {
    const d = sha256(new TextEncoder().encode(`sig bench key ${k}`));
    return { d, q: tiny.pointFromScalar(d, true)! };
  });
  const batches: VerifyItem[][] = [];
  for (let b = 0; b < BATCHES; b++) {
    const items: VerifyItem[] = [];
    for (let i = 0; i < BLOCK; i++) {
      const n = b * BLOCK + i;
      const key = keys[n % KEYS]!;
      const msgHash = sha256(new TextEncoder().encode(`sig bench tx ${n}`));
      items.push({ msgHash, publicKey: key.q, signature: tiny.sign(msgHash, key.d) });
    }
    batches.push(items);
  }
  return batches;
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

export async function run(): Promise<BenchResult[]> {
  const batches = fixtures();
  const all = batches.flat();
  const native = nativeVerifier();
  if (native === null) {
    const load = loadNativeSecp256k1();
    process.stderr.write(`sig: native backend skipped: ${load.ok ? '?' : load.reason}\n`);
  }
  // The WASM pool is the one the existing result has always measured; the native pool is the new default.
  const pools = {
    wasm: new VerifierPool({ backend: 'tiny-secp256k1' }),
    native: native ? new VerifierPool({ backend: 'secp256k1-native' }) : undefined,
  };

  try {
    let next = 0;
    const oneAt = (verifier: SignatureVerifier) => () => {
      const it = all[next++ % all.length]!;
      if (!verifier.verify(it.msgHash, it.publicKey, it.signature)) throw new Error('fixture did not verify');
    };
    let b = 0;
    const oneBlock = (pool: VerifierPool) => async () => {
      const out = await pool.verifyBatch(batches[b++ % batches.length]!);
      if (out.includes(false)) throw new Error('bench fixture did not verify in the pool');
    };
    // Warm the workers (thread start, module load, WASM compile) outside the timed loops.
    await pools.wasm.verifyBatch(batches[0]!);
    await pools.native?.verifyBatch(batches[0]!);

    /** The pool's rate, and the CPU time (all threads) the process got meanwhile, in cores. */
    const pooledRate = async (pool: VerifierPool) => {
      const cpu0 = process.cpuUsage();
      const wall0 = performance.now();
      const r = await rate(oneBlock(pool), BLOCK, 2_500);
      const cpu = process.cpuUsage(cpu0);
      return { rate: r, cores: (cpu.user + cpu.system) / 1000 / (performance.now() - wall0) };
    };

    // The machine is shared, so its load drifts: interleave short rounds of all of them and take each
    // one's median, so that baselines and subjects see the same conditions.
    const rates = {
      noble: [] as number[],
      wasm: [] as number[],
      native: [] as number[],
      poolWasm: [] as number[],
      poolNative: [] as number[],
    };
    // CPU time the process (all threads) actually got while a pool ran: on a machine shared with other
    // jobs, fewer cores than workers explains a low pool ratio better than any guess.
    const cores = { wasm: [] as number[], native: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      rates.noble.push(await rate(oneAt(nobleVerifier), 1, 1_500));
      rates.wasm.push(await rate(oneAt(defaultVerifier), 1, 1_500));
      if (native) rates.native.push(await rate(oneAt(native), 1, 1_500));
      const w = await pooledRate(pools.wasm);
      rates.poolWasm.push(w.rate);
      cores.wasm.push(w.cores);
      if (pools.native) {
        const n = await pooledRate(pools.native);
        rates.poolNative.push(n.rate);
        cores.native.push(n.cores);
      }
    }
    const noble = median(rates.noble);
    const wasm = median(rates.wasm);

    const baseline = { label: 'noble, 1 core', value: noble, unit: 'sig/s' };
    const wasmLabel = `${defaultVerifier.name}, 1 core`;
    const out: BenchResult[] = [
      result({
        name: 'sig.backend_vs_noble',
        description: `${defaultVerifier.name} on one core vs @noble/secp256k1 on one core, distinct signatures`,
        baseline,
        subject: { label: wasmLabel, value: wasm, unit: 'sig/s' },
        goal: 8,
        higherIsBetter: true,
      }),
      result({
        name: 'sig.pool_vs_noble',
        description:
          `VerifierPool (${pools.wasm.size} workers, ${pools.wasm.backend}) on ${BLOCK}-signature batches vs ` +
          `noble on one core; the process got ${median(cores.wasm).toFixed(2)} cores of CPU time while the pool ran`,
        baseline,
        subject: { label: `pool ×${pools.wasm.size}`, value: median(rates.poolWasm), unit: 'sig/s' },
        goal: 15,
        higherIsBetter: true,
      }),
    ];
    if (native && pools.native) {
      const nativeRate = median(rates.native);
      const cpus = availableParallelism();
      out.push(
        result({
          name: 'sig.native_vs_wasm',
          description:
            `${native.name} (N-API addon) vs ${defaultVerifier.name} (WASM), each on one core, distinct ` +
            `signatures; ceiling ≈ ${fmt(nativeRate)} sig/s × ${cpus} cores = ${fmt(nativeRate * cpus)} sig/s`,
          baseline: { label: wasmLabel, value: wasm, unit: 'sig/s' },
          subject: { label: `${native.name}, 1 core`, value: nativeRate, unit: 'sig/s' },
          goal: 4,
          higherIsBetter: true,
        }),
        result({
          name: 'sig.pool_native_vs_noble',
          description:
            `VerifierPool (${pools.native.size} workers, ${pools.native.backend}) on ${BLOCK}-signature ` +
            `batches vs noble on one core; the process got ${median(cores.native).toFixed(2)} cores of CPU ` +
            'time while the pool ran',
          baseline,
          subject: {
            label: `native pool ×${pools.native.size}`,
            value: median(rates.poolNative),
            unit: 'sig/s',
          },
          goal: 60,
          higherIsBetter: true,
        }),
      );
    }
    return out;
  } finally {
    await Promise.all([pools.wasm.close(), pools.native?.close()]);
  }
}
