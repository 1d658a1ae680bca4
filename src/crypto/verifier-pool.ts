// Verify a block's worth of signatures on every core at once. ECDSA checks are independent, so a batch
// splits cleanly into chunks, each packed into one transferred ArrayBuffer (batch.ts) and answered with
// one byte per item. Core does the same with its script-check queue (CCheckQueue: ConnectBlock hands
// input checks to -par worker threads, which pull work until the queue is empty, and waits for them all).
//
// Like CCheckQueue, workers PULL: a batch becomes a few chunks per worker in one shared queue, and each
// worker holds at most two at a time (the second hides the round trip). A worker whose core is busy with
// something else simply takes fewer chunks, instead of the whole batch waiting for its fixed share.
//
// Failure model: a worker that dies (crash, out of memory, terminated) takes only its in-flight chunks
// with it. Their batches reject (the caller can retry or give up) and drop their queued chunks; the pool
// starts a replacement, so the next batch runs at full width again. A worker that keeps dying before it
// has even loaded (a broken install) is not respawned forever: the pool marks itself broken and every
// later batch says why.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../util/spawn-worker.js';
import { isPackable, packItems, type VerifyItem } from './batch.js';
import { type BackendName, resolveBackend, type SignatureVerifier, verifierByName } from './verifier.js';
import type { WorkerRequest, WorkerResponse } from './verify-worker.js';

export type { VerifyItem } from './batch.js';

export interface VerifierPoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  readonly size?: number;
  /**
   * Backend used by the workers and for inline batches; default resolveBackend(): $CAIRN_VERIFIER if set,
   * else native libsecp256k1 when it loads, else its WASM build. Every worker runs this same backend.
   */
  readonly backend?: BackendName;
  /**
   * Batches smaller than this are verified on the calling thread: a round trip to a worker costs about
   * as much as a dozen WASM verifications, so a lone mempool tx is faster inline. Also the smallest
   * chunk sent to a worker. Default 16.
   */
  readonly inlineBelow?: number;
}

/** One batch's shared fate: once any of its chunks fails, its other chunks are not worth verifying. */
interface BatchState {
  failed: boolean;
}

interface Job {
  readonly id: number;
  readonly batch: BatchState;
  readonly packed: ArrayBuffer;
  readonly resolve: (results: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  readonly inFlight: Map<number, Job>;
  lastError: Error | null;
}

/** Chunks per worker per batch: enough to rebalance when one core is slower, few enough to stay cheap. */
const CHUNKS_PER_WORKER = 4;
/** Chunks a worker holds at once: one being verified, one waiting so the worker never idles. */
const MAX_IN_FLIGHT = 2;
/** How many workers in a row may die before loading before the pool gives up on them. */
const MAX_BOOT_FAILURES = 3;
/** How long close() lets a worker finish its current chunk (or its loading) before terminating it. */
const STOP_GRACE_MS = 10_000;

/**
 * Ask a worker to exit and wait until it has. terminate() alone is not safe: a worker stopped while it
 * loads or runs a node-addon-api module (the native libsecp256k1 backend) can abort the whole process
 * ("terminate called after throwing an instance of 'Napi::Error'"). The stop message is handled only
 * between chunks, after the module has loaded; terminate() remains the fallback for a worker that hangs.
 */
export async function stopWorker(worker: Worker): Promise<void> {
  if (worker.threadId === -1) return; // already gone
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.ref(); // keep the process alive until the worker is gone: exiting first would tear it down mid-call
  const request: WorkerRequest = { stop: true };
  worker.postMessage(request);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), STOP_GRACE_MS);
  });
  try {
    if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
  } finally {
    clearTimeout(timer);
  }
}

export class VerifierPool {
  readonly size: number;
  /** The backend every worker (and every inline batch) runs, e.g. "secp256k1-native". */
  readonly backend: BackendName;
  private readonly inlineBelow: number;
  private readonly inline: SignatureVerifier;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextJobId = 0;
  private closed = false;
  private broken: Error | null = null;
  private bootFailures = 0;

  constructor(opts: VerifierPoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? availableParallelism());
    this.backend = opts.backend ?? resolveBackend();
    this.inlineBelow = Math.max(1, opts.inlineBelow ?? 16);
    // Fails fast on a backend that cannot load (VerifierError), here rather than inside every worker.
    this.inline = verifierByName(this.backend);
    for (let i = 0; i < this.size; i++) {
      const slot: Slot = { worker: this.spawn(), inFlight: new Map(), lastError: null };
      this.slots.push(slot);
      this.watch(slot);
    }
  }

  /** Verify every item; result i is true iff item i is a valid signature (see SignatureVerifier). */
  async verifyBatch(items: readonly VerifyItem[]): Promise<boolean[]> {
    if (this.closed) throw new Error('VerifierPool is closed');
    if (this.broken !== null) throw this.broken;
    if (items.length < this.inlineBelow) {
      const v = this.inline;
      return items.map((it) => v.verify(it.msgHash, it.publicKey, it.signature));
    }
    const chunkSize = Math.max(this.inlineBelow, Math.ceil(items.length / (this.size * CHUNKS_PER_WORKER)));
    const batch: BatchState = { failed: false };
    const parts: Promise<Uint8Array>[] = [];
    for (let start = 0; start < items.length; start += chunkSize) {
      const packed = packItems(items, start, Math.min(items.length, start + chunkSize));
      parts.push(
        new Promise<Uint8Array>((resolve, reject) => {
          this.queue.push({ id: this.nextJobId++, batch, packed, resolve, reject });
        }),
      );
    }
    this.pump();
    let done: Uint8Array[];
    try {
      done = await Promise.all(parts);
    } catch (e) {
      batch.failed = true; // its chunks still queued are dropped by pump()
      throw e;
    }
    const out: boolean[] = new Array(items.length);
    let i = 0;
    for (const part of done) for (const byte of part) out[i++] = byte === 1;
    // Wrong-size items were packed as zeros; make their `false` independent of what a backend did.
    for (let j = 0; j < items.length; j++) if (!isPackable(items[j]!)) out[j] = false;
    return out;
  }

  /** Stop every worker; batches still queued or in flight reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new Error('VerifierPool closed while verifying');
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const slot of this.slots) this.failInFlight(slot, error);
    await Promise.all(this.slots.map((s) => stopWorker(s.worker)));
  }

  /**
   * Fault injection for tests and drills: terminate worker `index` as if it had crashed, and resolve once
   * the pool has noticed (its in-flight chunks rejected, a replacement started).
   */
  async killWorker(index: number): Promise<void> {
    const slot = this.slots[index];
    if (slot === undefined) throw new RangeError(`no worker ${index} in a pool of ${this.size}`);
    const { worker } = slot;
    // Registered after the pool's own 'exit' listener, so it runs after the replacement is in place.
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    await worker.terminate();
    await exited;
  }

  /** Hand queued chunks to workers with room, least busy first. */
  private pump(): void {
    while (this.queue.length > 0) {
      const job = this.queue[0]!;
      if (job.batch.failed) {
        this.queue.shift();
        continue;
      }
      let slot: Slot | undefined;
      for (const s of this.slots) {
        if (s.inFlight.size < MAX_IN_FLIGHT && (slot === undefined || s.inFlight.size < slot.inFlight.size)) {
          slot = s;
        }
      }
      if (slot === undefined) return; // every worker is full; the next answer pumps again
      this.queue.shift();
      slot.inFlight.set(job.id, job);
      slot.worker.ref(); // busy: keep the process alive until the answer is back
      const req: WorkerRequest = { id: job.id, packed: job.packed };
      slot.worker.postMessage(req, [job.packed]);
    }
  }

  private spawn(): Worker {
    const worker = spawnWorker(import.meta.url, './verify-worker', { workerData: { backend: this.backend } });
    worker.unref(); // an idle pool must not keep the process alive
    return worker;
  }

  private watch(slot: Slot): void {
    const worker = slot.worker;
    let ready = false;
    worker.on('message', (res: WorkerResponse) => {
      if (res.type === 'ready') {
        if (res.backend !== this.backend) {
          // Cannot happen through verifierByName; checked because a verdict from the wrong library would.
          slot.lastError = new Error(`worker runs backend ${res.backend}, not ${this.backend}`);
          void worker.terminate();
          return;
        }
        ready = true;
        this.bootFailures = 0;
        return;
      }
      const job = slot.inFlight.get(res.id);
      if (job === undefined) return;
      slot.inFlight.delete(res.id);
      if (slot.inFlight.size === 0) worker.unref();
      job.resolve(new Uint8Array(res.results));
      this.pump();
    });
    // Without an 'error' listener an exception in the worker would crash the whole node.
    worker.on('error', (e) => {
      slot.lastError = e;
    });
    worker.on('exit', (code) => {
      if (slot.worker !== worker || this.closed) return;
      const why = slot.lastError ? `: ${slot.lastError.message}` : '';
      const error = new Error(`signature worker exited with code ${code}${why}`);
      this.failInFlight(slot, error);
      if (!ready && ++this.bootFailures >= MAX_BOOT_FAILURES) {
        this.broken = new Error(`signature workers keep failing to start (last: ${error.message})`);
        for (const job of this.queue.splice(0)) job.reject(this.broken);
        return;
      }
      slot.worker = this.spawn();
      slot.lastError = null;
      this.watch(slot);
      this.pump();
    });
  }

  private failInFlight(slot: Slot, error: Error): void {
    for (const job of slot.inFlight.values()) {
      job.batch.failed = true;
      job.reject(error);
    }
    slot.inFlight.clear();
  }
}
