// The proof-of-work search service (docs/PROTOCOL.md §13): worker threads that hunt for a nonce making a
// header's double SHA-256 ≤ its target.
//
//  - The nonce space is split: with T threads, thread i searches [i·2^64/T, (i+1)·2^64/T), so no two
//    threads ever try the same header.
//  - The header's time is refreshed about once a second to max(now, minTime); a new time is a new
//    header, so every thread restarts its range from the beginning (no nonce is repeated for a header).
//  - Work is abandoned at once when the caller's AbortSignal fires (the tip changed): the parent bumps an
//    epoch in shared memory that the threads read every few thousand nonces (see pow-worker.ts).
//  - The threads count their hashes in shared memory too; `hashrate()` reads those counters.
// (Core: the internal miner removed in 0.13, BitcoinMiner + GenerateBitcoins; today generatetoaddress.)
import type { Worker } from 'node:worker_threads';
import { bytesToBigInt } from '../consensus/bytes.js';
import { spawnWorker } from '../util/spawn-worker.js';
import type { PowWorkerData, PowWorkerJob, PowWorkerMessage } from './pow-worker.js';
import { hashHeaderMidstate } from './sha256-midstate.js';

/** Header layout (src/consensus/encoding.ts): time u64 at bytes 92..99, nonce u64 at 104..111. */
const HEADER_BYTES = 112;
const TIME_OFFSET = 92;
const NONCE_OFFSET = 104;
const NONCE_SPACE = 1n << 64n;
/** How often the header's time is refreshed while a solve runs. */
const TIME_REFRESH_MS = 1000;
/** `hashrate()` averages over about this much recent time. */
const RATE_WINDOW_MS = 5000;

export interface PowJob {
  /** The 112-byte header to solve; its time and nonce fields are overwritten. */
  readonly header: Uint8Array;
  /** Valid iff double SHA-256 of the header, read big-endian, is ≤ target. */
  readonly target: bigint;
  /** Lowest acceptable time (unix seconds), e.g. median-time-past + 1. */
  readonly minTime: number;
}

export interface PowSolution {
  readonly nonce: bigint;
  readonly time: number;
  /** The solved header: the job's header with this time and nonce. */
  readonly header: Uint8Array;
}

/** The running solve. `previous` keeps the last header so a solution that crosses a refresh still counts. */
interface Pending {
  readonly job: PowJob;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (solution: PowSolution | null) => void;
  readonly reject: (error: Error) => void;
  current: { epoch: number; time: number; header: Uint8Array };
  previous: { epoch: number; time: number; header: Uint8Array } | null;
}

interface Slot {
  worker: Worker;
  /** Set once the thread has loaded: a thread that dies before that is broken, not unlucky. */
  ready: boolean;
  lastError: Error | null;
}

export class PowSearch {
  readonly threads: number;
  /** control[0] = current epoch (see pow-worker.ts). */
  private readonly control: Int32Array;
  /** One hash counter per thread. */
  private readonly counters: BigUint64Array;
  private readonly slots: Slot[] = [];
  private epoch = 0;
  private pending: Pending | null = null;
  private closed = false;
  /** A thread that could not even start: solving is impossible, so solve() rejects with this. */
  private broken: Error | null = null;
  private readonly samples: { t: number; n: number }[] = [];

  constructor({ threads }: { threads: number }) {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`threads must be ≥ 1, got ${threads}`);
    this.threads = threads;
    this.control = new Int32Array(new SharedArrayBuffer(4));
    this.counters = new BigUint64Array(new SharedArrayBuffer(8 * threads));
    for (let i = 0; i < threads; i++) this.slots.push(this.spawn(i));
    this.sample();
  }

  /**
   * Search for a nonce that makes the job's header meet its target. Resolves with the first solution
   * found by any thread; with null when `signal` aborts, when a newer solve() replaces this one, or on
   * close(). Rejects if a thread crashes (the thread is restarted for the next solve).
   */
  solve(job: PowJob, signal?: AbortSignal): Promise<PowSolution | null> {
    if (this.closed) return Promise.reject(new Error('PowSearch is closed'));
    if (this.broken) return Promise.reject(this.broken);
    if (job.header.length !== HEADER_BYTES) {
      return Promise.reject(new RangeError(`a header is ${HEADER_BYTES} bytes, got ${job.header.length}`));
    }
    if (!Number.isSafeInteger(job.minTime) || job.minTime < 0) {
      return Promise.reject(new RangeError(`minTime must be a non-negative integer, got ${job.minTime}`));
    }
    this.finish(null); // one search at a time: a new job replaces the old one
    if (signal?.aborted) return Promise.resolve(null);
    return new Promise<PowSolution | null>((resolve, reject) => {
      const onAbort = (): void => this.finish(null);
      const timer = setInterval(() => this.refreshTime(), TIME_REFRESH_MS);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      const time = this.timeFor(job);
      this.pending = {
        job,
        signal,
        onAbort,
        timer,
        resolve,
        reject,
        current: { epoch: 0, time, header: withTime(job.header, time) },
        previous: null,
      };
      this.sample();
      this.dispatch();
    });
  }

  /** Hashes tried by all threads since start. */
  hashes(): number {
    let total = 0n;
    for (let i = 0; i < this.threads; i++) total += Atomics.load(this.counters, i);
    return Number(total);
  }

  /** Recent hashes per second over all threads (about the last RATE_WINDOW_MS). */
  hashrate(): number {
    const t = performance.now();
    const n = this.hashes();
    // Samples are taken every second while solving: the base is the oldest one inside the window, or,
    // when idle for longer than the window, the last one taken.
    const base =
      this.samples.find((s) => s.t >= t - RATE_WINDOW_MS) ?? this.samples[this.samples.length - 1]!;
    const dt = t - base.t;
    return dt > 0 ? ((n - base.n) * 1000) / dt : 0;
  }

  /** Stop any search (it resolves null) and terminate the threads. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.finish(null);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(index: number): Slot {
    const workerData: PowWorkerData = {
      control: this.control.buffer as SharedArrayBuffer,
      counters: this.counters.buffer as SharedArrayBuffer,
      index,
    };
    const worker = spawnWorker(import.meta.url, './pow-worker', { workerData });
    const slot: Slot = { worker, ready: false, lastError: null };
    worker.on('message', (msg: PowWorkerMessage) => {
      if (msg.type === 'ready') slot.ready = true;
      else this.onFound(msg.epoch, msg.nonce);
    });
    worker.on('error', (err) => {
      slot.lastError = err;
    });
    worker.on('exit', (code) => this.onExit(index, slot, code));
    return slot;
  }

  private onExit(index: number, slot: Slot, code: number): void {
    if (this.closed || this.slots[index] !== slot) return;
    const cause = slot.lastError ? slot.lastError.message : `exit code ${code}`;
    const error = new Error(`proof-of-work thread ${index} crashed (${cause}); the search was abandoned`, {
      cause: slot.lastError ?? undefined,
    });
    // The caller learns that the search failed, not merely that it was cancelled.
    this.stop()?.reject(error);
    if (!slot.ready) {
      // It died while loading (a missing module, a syntax error): restarting would only loop.
      this.broken = new Error(`proof-of-work thread ${index} failed to start (${cause})`, {
        cause: slot.lastError,
      });
      return;
    }
    this.slots[index] = this.spawn(index);
  }

  /** Send every thread its range of the current header under a fresh epoch; the old epoch stops. */
  private dispatch(): void {
    const pending = this.pending;
    if (!pending) return;
    this.epoch = (this.epoch + 1) | 0;
    pending.current.epoch = this.epoch;
    Atomics.store(this.control, 0, this.epoch);
    const size = NONCE_SPACE / BigInt(this.threads);
    this.slots.forEach((slot, i) => {
      const start = BigInt(i) * size;
      const end = i === this.threads - 1 ? NONCE_SPACE : start + size;
      const job: PowWorkerJob = {
        epoch: this.epoch,
        header: pending.current.header,
        target: pending.job.target,
        start,
        end,
      };
      slot.worker.postMessage(job);
    });
  }

  private timeFor(job: PowJob): number {
    return Math.max(Math.floor(Date.now() / 1000), job.minTime);
  }

  /** Called every second: a new time means a new header to search. */
  private refreshTime(): void {
    const pending = this.pending;
    if (!pending) return;
    this.sample();
    const time = this.timeFor(pending.job);
    if (time === pending.current.time) return;
    pending.previous = pending.current;
    pending.current = { epoch: 0, time, header: withTime(pending.job.header, time) };
    this.dispatch();
  }

  private onFound(epoch: number, nonce: bigint): void {
    const pending = this.pending;
    if (!pending) return;
    // A solution for the header before the last time refresh is just as valid (its time was ≥ minTime).
    const work = [pending.current, pending.previous].find((w) => w !== null && w.epoch === epoch);
    if (!work) return; // from an abandoned job
    const header = work.header.slice();
    new DataView(header.buffer).setBigUint64(NONCE_OFFSET, nonce);
    // Check the thread's claim once with the reference hash: a bug must never publish an invalid block.
    if (bytesToBigInt(hashHeaderMidstate(header)) > pending.job.target) {
      this.stop()?.reject(new Error(`proof-of-work thread returned nonce ${nonce}, which misses the target`));
      return;
    }
    this.finish({ nonce, time: work.time, header });
  }

  /** Resolve the pending solve (if any) with `result`. */
  private finish(result: PowSolution | null): void {
    this.stop()?.resolve(result);
  }

  /** Stop every thread's work and detach the pending solve; the caller settles its promise. */
  private stop(): Pending | null {
    const pending = this.pending;
    if (!pending) return null;
    this.pending = null;
    this.epoch = (this.epoch + 1) | 0;
    Atomics.store(this.control, 0, this.epoch);
    clearInterval(pending.timer);
    pending.signal?.removeEventListener('abort', pending.onAbort);
    this.sample();
    return pending;
  }

  /** Record (time, total hashes) for hashrate(), forgetting samples older than its window. */
  private sample(): void {
    const t = performance.now();
    this.samples.push({ t, n: this.hashes() });
    // Keep the newest sample even when it is old: it is the base while idle (rate ≈ 0).
    while (this.samples.length > 1 && (this.samples[0]!.t < t - RATE_WINDOW_MS || this.samples.length > 64)) {
      this.samples.shift();
    }
  }
}

/** A copy of `header` with its time field set. */
function withTime(header: Uint8Array, time: number): Uint8Array {
  const out = header.slice();
  new DataView(out.buffer).setBigUint64(TIME_OFFSET, BigInt(time));
  return out;
}
