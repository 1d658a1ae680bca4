// Blocks that arrive before their parent wait here until it comes (Core: mapOrphanBlocks in older
// versions; today Core fetches headers first, as Cairn's sync does too, but gossip can still deliver a
// child before its parent). The pool is bounded by count and by bytes and entries expire, so a peer
// that floods orphans costs a fixed amount of memory; only blocks with valid proof of work get here.
import { toHex } from '../consensus/bytes.js';
import type { Block, Hash } from '../consensus/types.js';
import type { Origin } from './origin.js';

export interface OrphanLimits {
  readonly maxBlocks: number;
  readonly maxBytes: number;
  readonly expirySeconds: number;
}

export const DEFAULT_ORPHAN_LIMITS: OrphanLimits = {
  maxBlocks: 256,
  maxBytes: 64 * 1024 * 1024,
  expirySeconds: 600,
};

interface Orphan {
  readonly block: Block;
  readonly hash: Hash;
  readonly bytes: number;
  readonly parentHex: string;
  readonly addedAt: number;
  /** How the orphan arrived: it keeps its peer and arrival time when its parent lets it connect. */
  readonly origin: Origin;
}

export class OrphanPool {
  // Insertion-ordered, so the first entry is the oldest: eviction and expiry walk from the front.
  private readonly byHash = new Map<string, Orphan>();
  private readonly byParent = new Map<string, Set<string>>();
  private totalBytes = 0;

  constructor(private readonly limits: OrphanLimits = DEFAULT_ORPHAN_LIMITS) {}

  get size(): number {
    return this.byHash.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  has(hash: Hash): boolean {
    return this.byHash.has(toHex(hash));
  }

  /** Adds an orphan (evicting the oldest past the limits); returns false if it was already here. */
  add(block: Block, hash: Hash, bytes: number, now: number, origin: Origin): boolean {
    const key = toHex(hash);
    if (this.byHash.has(key)) return false;
    if (bytes > this.limits.maxBytes) return false;
    this.expire(now);
    while (this.byHash.size >= this.limits.maxBlocks || this.totalBytes + bytes > this.limits.maxBytes) {
      const oldest = this.byHash.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
    const parentHex = toHex(block.header.prevHash);
    this.byHash.set(key, { block, hash, bytes, parentHex, addedAt: now, origin });
    const children = this.byParent.get(parentHex) ?? new Set<string>();
    this.byParent.set(parentHex, children);
    children.add(key);
    this.totalBytes += bytes;
    return true;
  }

  /** Removes and returns the orphans whose parent is `parent`. */
  takeChildren(parent: Hash): { block: Block; hash: Hash; origin: Origin }[] {
    const keys = this.byParent.get(toHex(parent));
    if (!keys) return [];
    const out = [];
    for (const key of [...keys]) {
      const o = this.byHash.get(key);
      if (o) out.push({ block: o.block, hash: o.hash, origin: o.origin });
      this.remove(key);
    }
    return out;
  }

  /**
   * The oldest ancestor we are missing for an orphan: its root's parent hash. Sync asks the peer that
   * sent the orphan for that block (and the headers leading to it).
   */
  missingRoot(hash: Hash): Hash | undefined {
    let o = this.byHash.get(toHex(hash));
    if (!o) return undefined;
    for (let parent = this.byHash.get(o.parentHex); parent; parent = this.byHash.get(o.parentHex)) o = parent;
    return o.block.header.prevHash;
  }

  expire(now: number): void {
    for (const [key, o] of this.byHash) {
      if (now - o.addedAt < this.limits.expirySeconds) break;
      this.remove(key);
    }
  }

  private remove(key: string): void {
    const o = this.byHash.get(key);
    if (!o) return;
    this.byHash.delete(key);
    this.totalBytes -= o.bytes;
    const siblings = this.byParent.get(o.parentHex);
    siblings?.delete(key);
    if (siblings && siblings.size === 0) this.byParent.delete(o.parentHex);
  }
}
