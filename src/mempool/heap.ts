// A binary heap (a priority queue): push and pop in O(log n), peek in O(1). The pool uses one to find its
// cheapest tx when it must evict, and one per block template to merge the senders' queues by fee.
// (Core keeps the mempool in a boost::multi_index with several sorted indexes for the same purpose.)

export class Heap<T> {
  private readonly items: T[] = [];

  /** `before(a, b)` is true when `a` must come out before `b`. */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    // Sift up: swap with the parent while the new item must come out first.
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    // Sift down: swap with the child that must come out first, while it must come out before us.
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < items.length && this.before(items[left]!, items[first]!)) first = left;
      if (right < items.length && this.before(items[right]!, items[first]!)) first = right;
      if (first === i) break;
      [items[i], items[first]] = [items[first]!, items[i]!];
      i = first;
    }
    return top;
  }

  /** Replace the contents with `items` (used to drop stale entries in one sweep). */
  rebuild(items: Iterable<T>): void {
    const all = [...items];
    this.items.length = 0;
    for (const item of all) this.push(item);
  }
}
