// Coalesce single requests that arrive close together into one batch call. The mempool checks each tx
// that POST /txs or gossip brings on its own; under load, dozens arrive within a millisecond, and sending
// each to a worker thread alone would pay one round trip per signature (or keep the API's event loop busy
// verifying inline). Coalesced, they share one VerifierPool batch instead. Core has no such step (its
// script checks are per block); this is Nagle's algorithm (RFC 896) applied to signature checks:
//   - nothing in flight: what arrived during this turn of the event loop is sent at its end (no waiting
//     on an idle pool: a lone tx costs no added latency beyond the turn);
//   - a batch in flight: newcomers wait for it to come back, or `maxDelayMs`, whichever is first, and
//     then go together; so the busier the pool, the fuller the batches;
//   - `maxBatch` waiting: sent at once.
//
// Bounded: at most `maxPending` items queued or in flight. Past that, an item is answered by `fallback`
// at once, on the calling thread: the caller does the work itself, which slows its producer (the API's
// event loop) instead of growing a queue without limit. `fallback` also answers every item of a batch
// whose call failed (a crashed or closed worker pool), so a failure costs time, never a verdict.

export interface MicroBatcherOptions<I, R> {
  /** Verifies a whole batch; result i belongs to item i. */
  readonly run: (items: readonly I[]) => Promise<readonly R[]>;
  /** Answers one item on the calling thread: when the queue is full, or its batch call failed. */
  readonly fallback: (item: I) => R;
  /** A batch is sent as soon as this many items wait. Default 64. */
  readonly maxBatch?: number;
  /** While a batch is in flight, newcomers wait at most this long for it. Default 1 (ms). */
  readonly maxDelayMs?: number;
  /** Items queued or in flight at most; more are answered by `fallback` at once. Default 4,096. */
  readonly maxPending?: number;
}

/** Counters since construction, for tests, benchmarks and metrics. */
export interface MicroBatcherStats {
  /** Items submitted, however they were answered. */
  readonly items: number;
  /** Batch calls made. items − overflowed over batches is the mean batch size. */
  readonly batches: number;
  readonly largestBatch: number;
  /** Items answered by `fallback` because `maxPending` were already waiting. */
  readonly overflowed: number;
  /** Batch calls that failed; their items were answered by `fallback`. */
  readonly failedBatches: number;
}

interface Waiting<I, R> {
  readonly item: I;
  readonly resolve: (r: R) => void;
  readonly reject: (e: unknown) => void;
}

export class MicroBatcher<I, R> {
  readonly maxBatch: number;
  readonly maxDelayMs: number;
  readonly maxPending: number;
  private readonly run: (items: readonly I[]) => Promise<readonly R[]>;
  private readonly fallback: (item: I) => R;
  private queue: Waiting<I, R>[] = [];
  private inFlight = 0;
  /** Cancels the pending delayed flush, if one is scheduled. */
  private cancelTimer: (() => void) | undefined;
  private counts = { items: 0, batches: 0, largestBatch: 0, overflowed: 0, failedBatches: 0 };

  constructor(opts: MicroBatcherOptions<I, R>) {
    this.run = opts.run;
    this.fallback = opts.fallback;
    this.maxBatch = positive('maxBatch', opts.maxBatch ?? 64);
    this.maxDelayMs = Math.max(0, opts.maxDelayMs ?? 1);
    this.maxPending = positive('maxPending', opts.maxPending ?? 4_096);
  }

  /** Items queued or in flight now (never more than maxPending). */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  get stats(): MicroBatcherStats {
    return { ...this.counts };
  }

  /** This item's result, from the batch it joins (or from `fallback`, see above). */
  submit(item: I): Promise<R> {
    this.counts.items++;
    if (this.pending >= this.maxPending) {
      this.counts.overflowed++;
      try {
        return Promise.resolve(this.fallback(item));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else if (this.cancelTimer === undefined) this.schedule();
    });
  }

  /** Send what is queued now, without waiting for the delay (e.g. before closing the pool). */
  flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      void this.send(batch);
    }
  }

  private schedule(): void {
    if (this.inFlight === 0 || this.maxDelayMs === 0) {
      const t = setImmediate(() => this.flush());
      this.cancelTimer = () => clearImmediate(t);
    } else {
      const t = setTimeout(() => this.flush(), this.maxDelayMs);
      this.cancelTimer = () => clearTimeout(t);
    }
  }

  private async send(batch: Waiting<I, R>[]): Promise<void> {
    this.counts.batches++;
    this.counts.largestBatch = Math.max(this.counts.largestBatch, batch.length);
    this.inFlight += batch.length;
    let results: readonly R[] | undefined;
    try {
      results = await this.run(batch.map((w) => w.item));
      if (results.length !== batch.length) {
        throw new Error(`batch of ${batch.length} answered with ${results.length} results`);
      }
    } catch {
      this.counts.failedBatches++;
      results = undefined;
    } finally {
      this.inFlight -= batch.length;
    }
    // The pool is free again: what queued up behind this batch goes now rather than at its deadline.
    if (this.inFlight === 0 && this.queue.length > 0) this.flush();
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i]!;
      if (results !== undefined) {
        w.resolve(results[i]!);
        continue;
      }
      try {
        w.resolve(this.fallback(w.item));
      } catch (e) {
        w.reject(e);
      }
    }
  }
}

function positive(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}`);
  return n;
}
