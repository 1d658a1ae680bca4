// The block index: every header this node has accepted, linked to its parent, with its cumulative chain
// work (Core: CBlockIndex / BlockMap). It lives in memory (about 300 bytes a header) and is rebuilt from
// the header-index sublevel at startup; the chain persists every change to it.
import { toHex } from '../consensus/bytes.js';
import type { BlockHeader, Hash } from '../consensus/types.js';
import type { HeaderStatus } from '../storage/index.js';
import type { Origin } from './origin.js';

export interface IndexEntry {
  readonly header: BlockHeader;
  readonly hash: Hash;
  readonly hex: string;
  readonly chainWork: bigint;
  readonly parent: IndexEntry | undefined;
  /** The block at height 1 of this entry's chain (the ASERT anchor); undefined for genesis. */
  readonly anchor: IndexEntry | undefined;
  /** 'valid-header': header checked; 'valid': connected to a main chain once; 'invalid': never again. */
  status: HeaderStatus;
  hasBody: boolean;
  /**
   * How this node first got the body: kept in memory only, so a block connected later in a branch switch
   * reports its original peer and arrival time. Undefined for bodies loaded from the datadir at start.
   */
  arrival: Origin | undefined;
  /** The body's tx count once this process has seen it (bodies loaded from disk fill it lazily). */
  txCount: number | undefined;
}

export class BlockIndex {
  private readonly entries = new Map<string, IndexEntry>();

  get size(): number {
    return this.entries.size;
  }

  get(hash: Hash | string): IndexEntry | undefined {
    return this.entries.get(typeof hash === 'string' ? hash : toHex(hash));
  }

  /** Creates the entry for `header`, whose parent must already be indexed (or it is genesis). */
  add(
    header: BlockHeader,
    hash: Hash,
    chainWork: bigint,
    status: HeaderStatus,
    hasBody: boolean,
    parent: IndexEntry | undefined,
  ): IndexEntry {
    const entry: IndexEntry = {
      header,
      hash,
      hex: toHex(hash),
      chainWork,
      parent,
      anchor: header.height >= 2 ? parent?.anchor : undefined,
      status,
      hasBody,
      arrival: undefined,
      txCount: undefined,
    };
    // A height-1 block anchors its own chain; it can only point at itself once it exists.
    if (header.height === 1) (entry as { anchor: IndexEntry | undefined }).anchor = entry;
    this.entries.set(entry.hex, entry);
    return entry;
  }

  values(): IterableIterator<IndexEntry> {
    return this.entries.values();
  }
}

/** The ancestor of `entry` at `height` (walks parent links; the chain shortcuts main-chain lookups). */
export function ancestorAt(entry: IndexEntry, height: number): IndexEntry | undefined {
  let e: IndexEntry | undefined = entry;
  while (e && e.header.height > height) e = e.parent;
  return e && e.header.height === height ? e : undefined;
}

/** Times of `entry` and up to `count - 1` ancestors, oldest first (for median-time-past). */
export function recentTimes(entry: IndexEntry, count: number): number[] {
  const out: number[] = [];
  for (let e: IndexEntry | undefined = entry; e && out.length < count; e = e.parent) out.push(e.header.time);
  return out.reverse();
}

/** The last common ancestor of two entries (Core: LastCommonAncestor). */
export function forkPoint(a: IndexEntry, b: IndexEntry): IndexEntry {
  let x: IndexEntry | undefined = a;
  let y: IndexEntry | undefined = b;
  while (x && y && x !== y) {
    if (x.header.height > y.header.height) x = x.parent;
    else if (y.header.height > x.header.height) y = y.parent;
    else {
      x = x.parent;
      y = y.parent;
    }
  }
  if (!x || x !== y) throw new Error('entries share no ancestor: they are on different chains');
  return x;
}
