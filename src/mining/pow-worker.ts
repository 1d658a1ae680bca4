// One proof-of-work thread (started by PowSearch in pow-search.ts). It receives a job, a header and a
// disjoint range of nonces, and searches it in chunks with searchNonces. Between chunks it
//  - adds the chunk to its hash counter in shared memory (PowSearch derives the hashrate from it), and
//  - reads the shared epoch: when the parent bumps it (tip changed, time refreshed, solved elsewhere),
//    the job is stale and the thread drops it at once.
// Shared memory instead of messages because the search loop never yields to the event loop: a "stop"
// message would wait in the queue until the job ended. The next job's message is handled once the
// current one returns. (Core: the old internal BitcoinMiner loop, which broke out of its nonce batches
// when `pindexPrev != pindexBest`.)
import { parentPort, workerData } from 'node:worker_threads';
import { searchNonces } from './sha256-midstate.js';

/** What PowSearch passes at start-up. */
export interface PowWorkerData {
  /** Int32Array[1]: the current epoch; a job whose epoch differs is abandoned. */
  readonly control: SharedArrayBuffer;
  /** BigUint64Array[threads]: hashes tried so far, one slot per thread. */
  readonly counters: SharedArrayBuffer;
  /** This thread's slot in `counters`. */
  readonly index: number;
}

/** One job: search nonces [start, end) of `header` for a double hash ≤ target. */
export interface PowWorkerJob {
  readonly epoch: number;
  readonly header: Uint8Array;
  readonly target: bigint;
  readonly start: bigint;
  readonly end: bigint;
}

export type PowWorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'found'; readonly epoch: number; readonly nonce: bigint };

/**
 * Nonces per chunk. About 2 ms of work at ~2 MH/s: the stop flag is read often enough that abandoning
 * work is immediate to a person, and rarely enough that the check costs nothing.
 */
const CHUNK = 4096;

if (parentPort === null) throw new Error('pow-worker must run in a worker thread');
const port = parentPort;
const data = workerData as PowWorkerData;
const control = new Int32Array(data.control);
const counters = new BigUint64Array(data.counters);

function run(job: PowWorkerJob): void {
  let nonce = job.start;
  while (nonce < job.end) {
    if (Atomics.load(control, 0) !== job.epoch) return; // abandoned: the parent moved on
    const n = job.end - nonce < BigInt(CHUNK) ? Number(job.end - nonce) : CHUNK;
    const found = searchNonces(job.header, job.target, nonce, n);
    if (found !== null) {
      Atomics.add(counters, data.index, found - nonce + 1n);
      port.postMessage({ type: 'found', epoch: job.epoch, nonce: found } satisfies PowWorkerMessage);
      return;
    }
    Atomics.add(counters, data.index, BigInt(n));
    nonce += BigInt(n);
  }
  // The range is exhausted (2^64 / threads nonces: years of work). Nothing to report: the parent's
  // time refresh hands out a new header, and with it fresh nonces, within a second.
}

port.on('message', (job: PowWorkerJob) => run(job));
port.postMessage({ type: 'ready' } satisfies PowWorkerMessage);
