// The micro-batcher: requests that arrive together share one batch call, each caller gets its own
// result back, a failed batch costs time (the fallback answers) but no verdict, and the queue is bounded.
import { describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../src/crypto/micro-batcher.js';

/** The next turn of the event loop: lets timers and I/O callbacks run, without sleeping. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A batch function that answers each number with its square, and records the batches it saw. */
function squares() {
  const seen: number[][] = [];
  return {
    seen,
    run: async (items: readonly number[]) => {
      seen.push([...items]);
      await nextTurn(); // answered asynchronously, like a worker round trip
      return items.map((x) => x * x);
    },
  };
}

/** A promise the test settles by hand: the batch call stays in flight until then. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('MicroBatcher', () => {
  it('coalesces calls of the same turn into one batch and maps every result to its caller', async () => {
    const s = squares();
    const b = new MicroBatcher<number, number>({ run: s.run, fallback: () => -1 });
    const inputs = [7, 3, 9, 3, 12, 0, 5];
    const out = await Promise.all(inputs.map((x) => b.submit(x)));
    expect(out).toEqual(inputs.map((x) => x * x));
    expect(s.seen).toEqual([inputs]);
    expect(b.stats).toEqual({ items: 7, batches: 1, largestBatch: 7, overflowed: 0, failedBatches: 0 });
  });

  it('with nothing in flight, sends at the end of the turn: an idle pool adds no wait', async () => {
    const s = squares();
    // A delay far longer than the test: only "nothing in flight" can explain an early send.
    const b = new MicroBatcher<number, number>({ run: s.run, fallback: () => -1, maxDelayMs: 60_000 });
    const first = b.submit(2);
    const second = b.submit(3);
    expect(s.seen).toEqual([]); // not yet: the rest of this turn may bring more
    await nextTurn();
    expect(s.seen).toEqual([[2, 3]]);
    expect(await Promise.all([first, second])).toEqual([4, 9]);
  });

  it('while a batch is in flight, newcomers wait for it and then go together', async () => {
    const gate = deferred<void>();
    const seen: number[][] = [];
    const b = new MicroBatcher<number, number>({
      run: async (items) => {
        seen.push([...items]);
        if (seen.length === 1) await gate.promise; // the first batch is slow to come back
        return items.map((x) => x * x);
      },
      fallback: () => -1,
      maxDelayMs: 60_000,
    });
    const first = b.submit(1);
    await nextTurn(); // sent: in flight until the gate opens
    const later = [b.submit(2)];
    await nextTurn();
    later.push(b.submit(3)); // arrives in another turn, still while the first batch is out
    await nextTurn();
    expect(seen).toEqual([[1]]); // both still waiting: a batch is in flight, the deadline is far
    gate.resolve();
    expect(await first).toBe(1);
    expect(await Promise.all(later)).toEqual([4, 9]);
    expect(seen).toEqual([[1], [2, 3]]);
  });

  it('while a batch is in flight, sends the newcomers after maxDelayMs at the latest', async () => {
    const gate = deferred<void>();
    const seen: number[][] = [];
    const b = new MicroBatcher<number, number>({
      run: async (items) => {
        seen.push([...items]);
        if (seen.length === 1) await gate.promise; // not back before the second batch is answered
        return items.map((x) => x * x);
      },
      fallback: () => -1,
      maxDelayMs: 1,
    });
    const first = b.submit(1);
    await nextTurn();
    expect(await b.submit(5)).toBe(25); // its deadline, not the first batch, sent it
    expect(seen).toEqual([[1], [5]]);
    gate.resolve();
    expect(await first).toBe(1);
  });

  it('sends a full batch at once, whatever else is going on', async () => {
    const s = squares();
    const b = new MicroBatcher<number, number>({ run: s.run, fallback: () => -1, maxBatch: 3 });
    const out = [b.submit(2), b.submit(3), b.submit(4)];
    expect(s.seen).toEqual([[2, 3, 4]]); // synchronously, in the third submit
    expect(await Promise.all(out)).toEqual([4, 9, 16]);
  });

  it('never sends more than maxBatch items in one call', async () => {
    const s = squares();
    const b = new MicroBatcher<number, number>({ run: s.run, fallback: () => -1, maxBatch: 4 });
    const inputs = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(await Promise.all(inputs.map((x) => b.submit(x)))).toEqual(inputs.map((x) => x * x));
    expect(s.seen.map((batch) => batch.length)).toEqual([4, 4, 2]);
    expect(b.stats.largestBatch).toBe(4);
  });

  it('bounds the queue: past maxPending, the fallback answers at once on the calling thread', async () => {
    const gate = deferred<readonly number[]>();
    let calls = 0;
    const b = new MicroBatcher<number, number>({
      run: async (items) => {
        calls++;
        return calls === 1 ? gate.promise : items.map((x) => x * x);
      },
      fallback: (x) => -x,
      maxBatch: 2,
      maxPending: 3,
    });
    const inFlight = [b.submit(1), b.submit(2)]; // a full batch: sent, and held in flight by the gate
    const queued = b.submit(3);
    expect(b.pending).toBe(3);
    const overflow = [b.submit(4), b.submit(5)];
    expect(b.pending).toBe(3); // never more than maxPending
    expect(await Promise.all(overflow)).toEqual([-4, -5]);
    expect(b.stats.overflowed).toBe(2);
    gate.resolve([10, 20]);
    expect(await Promise.all(inFlight)).toEqual([10, 20]);
    expect(await queued).toBe(9); // its own batch: sent when the first came back, or at its deadline
    expect(calls).toBe(2);
    expect(b.pending).toBe(0);
  });

  it('answers every item of a failed batch from the fallback, and a failing item fails only its caller', async () => {
    const b = new MicroBatcher<number, number>({
      run: async () => {
        await nextTurn();
        throw new Error('worker died');
      },
      fallback: (x) => {
        if (x === 13) throw new Error('unlucky');
        return x + 1;
      },
    });
    const results = await Promise.allSettled([1, 13, 2].map((x) => b.submit(x)));
    expect(results[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: 'unlucky' } });
    expect(results[2]).toEqual({ status: 'fulfilled', value: 3 });
    expect(b.stats.failedBatches).toBe(1);
  });

  it('treats a result list of the wrong length as a failed batch', async () => {
    const b = new MicroBatcher<number, number>({ run: async () => [1], fallback: (x) => x * 10 });
    expect(await Promise.all([b.submit(1), b.submit(2)])).toEqual([10, 20]);
    expect(b.stats.failedBatches).toBe(1);
  });

  it('flush() sends what waits without waiting for the delay', async () => {
    const s = squares();
    const b = new MicroBatcher<number, number>({ run: s.run, fallback: () => -1, maxDelayMs: 60_000 });
    const p = b.submit(6);
    b.flush();
    expect(s.seen).toEqual([[6]]);
    expect(await p).toBe(36);
  });

  it('refuses nonsense bounds', () => {
    const run = async (xs: readonly number[]) => xs;
    expect(() => new MicroBatcher({ run, fallback: (x: number) => x, maxBatch: 0 })).toThrow(RangeError);
    expect(() => new MicroBatcher({ run, fallback: (x: number) => x, maxPending: 1.5 })).toThrow(RangeError);
  });
});
