import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Heap } from '../../src/mempool/heap.js';

describe('Heap', () => {
  it('pops in priority order whatever the push order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), (values) => {
        const heap = new Heap<number>((a, b) => a < b);
        for (const v of values) heap.push(v);
        expect(heap.size).toBe(values.length);
        const out: number[] = [];
        for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v);
        expect(out).toEqual([...values].sort((a, b) => a - b));
        expect(heap.peek()).toBeUndefined();
      }),
    );
  });

  it('interleaved pushes and pops always yield the current minimum; rebuild keeps the order', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: -100, max: 100 }), { nil: undefined })), (ops) => {
        const heap = new Heap<number>((a, b) => a < b);
        const model: number[] = [];
        for (const op of ops) {
          if (op === undefined) {
            model.sort((a, b) => a - b);
            expect(heap.pop()).toBe(model.shift());
          } else {
            heap.push(op);
            model.push(op);
          }
        }
        heap.rebuild([...model]);
        expect(heap.peek()).toBe(model.length ? Math.min(...model) : undefined);
      }),
    );
  });
});
