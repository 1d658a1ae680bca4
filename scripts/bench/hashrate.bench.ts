// Proof-of-work hashrate (DESIGN.md section 5).
//  1. One core: the midstate search (searchNonces) against the naive way, a full double SHA-256 of the
//     112-byte header with @noble/hashes per nonce. Goal ≥ 5×.
//  2. PowSearch with 2 worker threads against 1, read from the threads' shared hash counters while they
//     chase an impossible target. Goal ≥ 1.8× (on a 2-core machine; other load on it lowers this).
import { sha256 } from '@noble/hashes/sha2.js';
import { PowSearch } from '../../src/mining/pow-search.js';
import { searchNonces } from '../../src/mining/sha256-midstate.js';
import { type BenchResult, rate, result } from './harness.js';

const MEASURE_MS = 3000;
const IMPOSSIBLE = 1n; // no nonce is ever found: every measured hash is a miss, as in real mining

function header(): Uint8Array {
  const h = new Uint8Array(112);
  for (let i = 0; i < h.length; i++) h[i] = (i * 151 + 17) & 0xff;
  return h;
}

/** Naive: rewrite the nonce bytes, hash the whole header twice. */
async function naiveRate(): Promise<number> {
  const h = header();
  const view = new DataView(h.buffer);
  let nonce = 0n;
  return rate(
    () => {
      for (let i = 0; i < 256; i++) {
        view.setBigUint64(104, nonce++);
        sha256(sha256(h));
      }
    },
    256,
    MEASURE_MS,
  );
}

async function midstateRate(): Promise<number> {
  const h = header();
  const chunk = 16_384;
  let nonce = 0n;
  return rate(
    () => {
      searchNonces(h, IMPOSSIBLE, nonce, chunk);
      nonce += BigInt(chunk);
    },
    chunk,
    MEASURE_MS,
  );
}

/** Hashes per second of a PowSearch with `threads` threads, from its counters over MEASURE_MS. */
async function poolRate(threads: number): Promise<number> {
  const search = new PowSearch({ threads });
  const controller = new AbortController();
  const solving = search.solve({ header: header(), target: IMPOSSIBLE, minTime: 0 }, controller.signal);
  try {
    // Warm up: thread start-up (module loading) and the JIT, then measure.
    const warm = Date.now() + 20_000;
    while (search.hashes() < threads * 300_000) {
      if (Date.now() > warm) throw new Error('the PoW threads did not start hashing within 20 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const h0 = search.hashes();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, MEASURE_MS));
    return ((search.hashes() - h0) * 1000) / (performance.now() - t0);
  } finally {
    controller.abort();
    await solving;
    await search.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const naive = await naiveRate();
  const midstate = await midstateRate();
  const one = await poolRate(1);
  const two = await poolRate(2);
  return [
    result({
      name: 'pow.midstate_vs_naive',
      description:
        'double SHA-256 per nonce on one core: midstate search vs naive noble sha256(sha256(header))',
      baseline: { label: 'noble naive', value: naive / 1e6, unit: 'MH/s' },
      subject: { label: 'midstate searchNonces', value: midstate / 1e6, unit: 'MH/s' },
      goal: 5,
      higherIsBetter: true,
    }),
    result({
      name: 'pow.two_threads_vs_one',
      description: 'PowSearch hashrate (shared counters): 2 worker threads vs 1',
      baseline: { label: '1 thread', value: one / 1e6, unit: 'MH/s' },
      subject: { label: '2 threads', value: two / 1e6, unit: 'MH/s' },
      goal: 1.8,
      higherIsBetter: true,
    }),
  ];
}
