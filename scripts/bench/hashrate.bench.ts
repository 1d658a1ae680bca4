// Proof-of-work hashrate (docs/PROTOCOL.md §13).
//  1. One core: the midstate search (searchNonces) against the naive way, a full double SHA-256 of the
//     112-byte header with @noble/hashes per nonce. Goal ≥ 5×.
//  2. PowSearch with 2 worker threads against 1, read from the threads' shared hash counters while they
//     chase an impossible target. Goal ≥ 1.8× (on a 2-core machine; other load on it lowers this).
import { sha256 } from '@noble/hashes/sha2.js';
import { PowSearch } from '../../src/mining/pow-search.js';
import { searchNonces } from '../../src/mining/sha256-midstate.js';
import { type BenchResult, rate, result } from './harness.js';

// The machine is shared and noisy: each rate is the best of ROUNDS short windows, with the two sides of
// a comparison alternating, so a burst of someone else's load does not land on one side only.
const ROUNDS = 4;
const WINDOW_MS = 800;
const IMPOSSIBLE = 1n; // no nonce is ever found: every measured hash is a miss, as in real mining

function header(): Uint8Array {
  const h = new Uint8Array(112);
  for (let i = 0; i < h.length; i++) h[i] = (i * 151 + 17) & 0xff;
  return h;
}

/** Naive: rewrite the nonce bytes, hash the whole header twice. */
function naiveRate(): Promise<number> {
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
    WINDOW_MS,
  );
}

function midstateRate(): Promise<number> {
  const h = header();
  const chunk = 16_384;
  let nonce = 0n;
  return rate(
    () => {
      searchNonces(h, IMPOSSIBLE, nonce, chunk);
      nonce += BigInt(chunk);
    },
    chunk,
    WINDOW_MS,
  );
}

/** Hashes per second of `search` over one window, from its shared counters. */
async function poolRate(search: PowSearch): Promise<number> {
  const controller = new AbortController();
  const solving = search.solve({ header: header(), target: IMPOSSIBLE, minTime: 0 }, controller.signal);
  try {
    // Warm up: thread start-up (module loading, the first time) and the JIT, then measure.
    const start = search.hashes();
    const deadline = Date.now() + 20_000;
    while (search.hashes() < start + search.threads * 100_000) {
      if (Date.now() > deadline) throw new Error('the PoW threads did not start hashing within 20 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    const h0 = search.hashes();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    return ((search.hashes() - h0) * 1000) / (performance.now() - t0);
  } finally {
    controller.abort();
    await solving;
  }
}

export async function run(): Promise<BenchResult[]> {
  let naive = 0;
  let midstate = 0;
  for (let i = 0; i < ROUNDS; i++) {
    naive = Math.max(naive, await naiveRate());
    midstate = Math.max(midstate, await midstateRate());
  }
  const pools = [new PowSearch({ threads: 1 }), new PowSearch({ threads: 2 })] as const;
  let one = 0;
  let two = 0;
  try {
    // One unmeasured window each first: until every thread of both pools has loaded, a loading thread
    // competes for the CPU with the one being measured.
    for (const pool of pools) await poolRate(pool);
    for (let i = 0; i < ROUNDS; i++) {
      one = Math.max(one, await poolRate(pools[0]));
      two = Math.max(two, await poolRate(pools[1]));
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return [
    result({
      name: 'pow.midstate_vs_naive',
      description: 'double SHA-256 per nonce on one core (best of 4 windows): midstate search vs naive noble',
      baseline: { label: 'noble naive', value: naive / 1e6, unit: 'MH/s' },
      subject: { label: 'midstate searchNonces', value: midstate / 1e6, unit: 'MH/s' },
      goal: 5,
      higherIsBetter: true,
    }),
    result({
      name: 'pow.two_threads_vs_one',
      description: 'PowSearch hashrate from its shared counters (best of 4 windows): 2 worker threads vs 1',
      baseline: { label: '1 thread', value: one / 1e6, unit: 'MH/s' },
      subject: { label: '2 threads', value: two / 1e6, unit: 'MH/s' },
      goal: 1.8,
      higherIsBetter: true,
    }),
  ];
}
