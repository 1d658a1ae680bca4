// Which txs leave when the pool is full (Core: CTxMemPool::TrimToSize, which evicts by lowest descendant
// score and raises the minimum fee). The pool is bounded in count and bytes (policy.ts); a newcomer that
// needs room must pay more than every tx it pushes out, and it may not push out its own ancestor.
import { ENTRY_MEMORY_BYTES, type Entry, evictsBefore, SENDER_MEMORY_BYTES } from './entries.js';
import { Heap } from './heap.js';
import { MempoolError } from './policy.js';

/** The pool as eviction sees it: which entries still live, and each one's descendants. */
export interface EvictionView {
  /** True while the entry is still in the pool. */
  isLive(e: Entry): boolean;
  /** The entry and the same sender's txs with higher nonces (they could never be mined without it). */
  descendantsOf(e: Entry): Entry[];
  /** How many txs the sender has pending (when all of them leave, so does its SENDER_MEMORY_BYTES). */
  pendingOf(senderKey: string): number;
}

/**
 * Every entry in eviction order: the lowest fee first (newest first among equal fees). Removing from the
 * middle of a heap is costly, so removed entries stay in it and are skipped when they surface ("lazy
 * deletion"); `sweep` rebuilds it once the dead outnumber the living.
 */
export class EvictionQueue {
  private readonly heap = new Heap<Entry>(evictsBefore);

  constructor(private readonly pool: EvictionView) {}

  add(e: Entry): void {
    this.heap.push(e);
  }

  /** After a removal: rebuilds the heap from `living` (`count` of them) once the dead outnumber them. */
  sweep(living: Iterable<Entry>, count: number): void {
    if (this.heap.size > 2 * count + 1024) this.heap.rebuild(living);
  }

  /**
   * Which txs must leave so that one more tx (from `senderKey`, with `nonce` and `fee`) fits, when the
   * pool is over its limits by `excessCount` txs or `excessBytes` bytes of memory (each tx that leaves
   * frees ENTRY_MEMORY_BYTES, and a sender whose txs all leave SENDER_MEMORY_BYTES): the cheapest, each
   * with its
   * descendants. Throws MEMPOOL_FULL if the newcomer does not pay more than every tx it would push out,
   * or if the cheapest is its own ancestor. Changes nothing: a dry run leaves the heap as it was.
   */
  plan(
    excessCount: number,
    excessBytes: number,
    maxBytes: number,
    newcomer: { readonly senderKey: string; readonly nonce: bigint; readonly fee: bigint },
  ): Entry[] {
    if (excessCount <= 0 && excessBytes <= 0) return [];
    const { senderKey, nonce, fee } = newcomer;
    const chosen = new Set<Entry>();
    const bySender = new Map<string, number>();
    const looked: Entry[] = [];
    let freed = 0;
    let freedBytes = 0;
    try {
      while (freed < excessCount || freedBytes < excessBytes) {
        const lowest = this.popLive();
        if (!lowest) {
          throw new MempoolError(
            'MEMPOOL_FULL',
            `a tx needs ${ENTRY_MEMORY_BYTES} bytes of memory in the pool, more than its ${maxBytes}`,
          );
        }
        looked.push(lowest);
        if (chosen.has(lowest)) continue;
        if (fee <= lowest.fee) {
          throw new MempoolError(
            'MEMPOOL_FULL',
            `the mempool is full and fee ${fee} does not beat the cheapest pending fee ${lowest.fee}`,
          );
        }
        if (lowest.senderKey === senderKey && lowest.nonce < nonce) {
          throw new MempoolError(
            'MEMPOOL_FULL',
            `the mempool is full and its cheapest tx is this sender's nonce ${lowest.nonce}, which this ` +
              'tx depends on; replace that one with a higher fee first',
          );
        }
        for (const e of this.pool.descendantsOf(lowest)) {
          if (!chosen.has(e)) {
            chosen.add(e);
            freed++;
            freedBytes += ENTRY_MEMORY_BYTES;
            const leaving = (bySender.get(e.senderKey) ?? 0) + 1;
            bySender.set(e.senderKey, leaving);
            if (leaving === this.pool.pendingOf(e.senderKey)) freedBytes += SENDER_MEMORY_BYTES;
          }
        }
      }
    } finally {
      // Put back what the scan took out. Entries about to be evicted go back too: once removed, the
      // heap skips them (a dry run, or a rejection, must leave the heap as it was).
      for (const e of looked) this.heap.push(e);
    }
    return [...chosen];
  }

  /** The pending tx that pays least (taken out of the heap), skipping entries already gone. */
  private popLive(): Entry | undefined {
    for (let e = this.heap.pop(); e; e = this.heap.pop()) {
      if (this.pool.isLive(e)) return e;
    }
    return undefined;
  }
}
