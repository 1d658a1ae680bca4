// The block tree as the dashboard draws it: every block it has heard of, keyed by hash, with a lane each.
// Pure data and functions (no DOM), so the layout rules are unit-tested (test/web/tree.test.ts):
//
//   - the centre lane (0) is the ancestry of the max-work tip: the most cumulative work by BigInt
//     comparison, never the height and never what most nodes follow (Nakamoto's rule as Core applies
//     it: CChainState::FindMostWorkChain; on equal work the tip seen first stays);
//   - a side branch gets a lane of its own above or below (+1, -1, +2, …) when its first block arrives,
//     and keeps it: new blocks never move a drawn block. Only a change of best tip moves blocks, and
//     then only two sets swap: the new best branch comes to the centre, the old centre above the fork
//     goes to the lane the winner had.

export interface TreeBlock {
  readonly hash: string;
  readonly parent: string;
  readonly height: number;
  readonly chainWork: bigint;
  readonly miner: string;
  readonly time?: number;
  readonly bits?: string;
  readonly txCount?: number;
}

export interface TreeState {
  readonly blocks: Map<string, TreeBlock>;
  readonly children: Map<string, string[]>;
  readonly lanes: Map<string, number>;
  /** `${lane}:${height}` → hash: which cells are taken. */
  readonly cells: Map<string, string>;
  /** The max-work tip (undefined while empty). */
  best: string | undefined;
  /** Blocks that were on the centre lane and lost it in a reorg (drawn grey). */
  readonly abandoned: Set<string>;
  /**
   * The highest and lowest lanes ever used. The view sizes itself by these rather than by the lanes in
   * use now, so the centre lane stays at the same place on screen when branches come and go.
   */
  top: number;
  bottom: number;
}

export function emptyTree(): TreeState {
  return {
    blocks: new Map(),
    children: new Map(),
    lanes: new Map(),
    cells: new Map(),
    best: undefined,
    abandoned: new Set(),
    top: 0,
    bottom: 0,
  };
}

const cell = (lane: number, height: number) => `${lane}:${height}`;

/** Lanes in the order a new branch tries them: +1, -1, +2, -2, … */
function* laneOrder(): Generator<number> {
  for (let k = 1; ; k++) {
    yield k;
    yield -k;
  }
}

function place(t: TreeState, hash: string, lane: number, height: number): void {
  t.lanes.set(hash, lane);
  t.cells.set(cell(lane, height), hash);
  if (lane > t.top) t.top = lane;
  if (lane < t.bottom) t.bottom = lane;
}

/** The first side lane free at `height` and the heights just below it (so branches do not touch). */
function freeLane(t: TreeState, height: number): number {
  for (const lane of laneOrder()) {
    if (!t.cells.has(cell(lane, height)) && !t.cells.has(cell(lane, height - 1))) return lane;
  }
  throw new Error('unreachable');
}

/** Is `hash` the ancestor-or-self of `tip`? */
export function isAncestor(t: TreeState, hash: string, tip: string): boolean {
  const target = t.blocks.get(hash);
  if (!target) return false;
  let e = t.blocks.get(tip);
  while (e && e.height > target.height) e = t.blocks.get(e.parent);
  return e?.hash === hash;
}

/** The leaves of the tree: blocks with no known child. */
export function leaves(t: TreeState): TreeBlock[] {
  const out: TreeBlock[] = [];
  for (const b of t.blocks.values()) if (!t.children.get(b.hash)?.length) out.push(b);
  return out;
}

/** The last common ancestor of two known blocks (Core: LastCommonAncestor), or undefined. */
export function commonAncestor(t: TreeState, a: string, b: string): TreeBlock | undefined {
  let x = t.blocks.get(a);
  let y = t.blocks.get(b);
  while (x && y && x.hash !== y.hash) {
    if (x.height > y.height) x = t.blocks.get(x.parent);
    else if (y.height > x.height) y = t.blocks.get(y.parent);
    else {
      x = t.blocks.get(x.parent);
      y = t.blocks.get(y.parent);
    }
  }
  return x && y && x.hash === y.hash ? x : undefined;
}

/**
 * Adds a block (again is a no-op: blocks are keyed by hash). Returns true when the best tip changed.
 * The page loads the tree oldest first, so parents come before children; a block whose parent is
 * unknown (beyond the loaded window) simply starts a lane of its own.
 */
export function addBlock(t: TreeState, b: TreeBlock): boolean {
  if (t.blocks.has(b.hash)) return false;
  t.blocks.set(b.hash, b);
  const siblings = t.children.get(b.parent);
  if (siblings) siblings.push(b.hash);
  else t.children.set(b.parent, [b.hash]);

  const parentLane = t.lanes.get(b.parent);
  if (t.best === undefined) {
    place(t, b.hash, 0, b.height);
  } else if (parentLane !== undefined && !t.cells.has(cell(parentLane, b.height))) {
    place(t, b.hash, parentLane, b.height); // extends its branch on the same lane
  } else {
    place(t, b.hash, freeLane(t, b.height), b.height); // a new branch (or an orphan)
  }

  const best = t.best === undefined ? undefined : t.blocks.get(t.best);
  if (best === undefined || b.chainWork > best.chainWork) {
    const old = t.best;
    t.best = b.hash;
    if (t.lanes.get(b.hash) !== 0) recentre(t, old, b.hash);
    return true;
  }
  return false;
}

/** Brings the ancestry of `tip` to lane 0 and moves the blocks it displaces to the winner's old lane. */
function recentre(t: TreeState, oldBest: string | undefined, tip: string): void {
  // The winner's blocks off the centre, newest first, down to where its ancestry meets lane 0.
  const winners: TreeBlock[] = [];
  for (let e = t.blocks.get(tip); e && t.lanes.get(e.hash) !== 0; e = t.blocks.get(e.parent)) winners.push(e);
  if (winners.length === 0) return;
  const winnerLane = t.lanes.get(winners[winners.length - 1]!.hash)!;
  const forkHeight = winners[winners.length - 1]!.height - 1;
  // The centre blocks above the fork leave it.
  const losers: TreeBlock[] = [];
  for (const b of t.blocks.values()) {
    if (t.lanes.get(b.hash) === 0 && b.height > forkHeight) losers.push(b);
  }
  for (const b of [...winners, ...losers]) t.cells.delete(cell(t.lanes.get(b.hash)!, b.height));
  for (const b of winners) {
    place(t, b.hash, 0, b.height);
    t.abandoned.delete(b.hash);
  }
  const lane = losers.every((b) => !t.cells.has(cell(winnerLane, b.height)))
    ? winnerLane
    : freeLane(t, Math.max(...losers.map((b) => b.height)));
  for (const b of losers) {
    const free = !t.cells.has(cell(lane, b.height));
    place(t, b.hash, free ? lane : freeLane(t, b.height), b.height);
    if (oldBest !== undefined && isAncestor(t, b.hash, oldBest)) t.abandoned.add(b.hash);
  }
}

/** The centre lane: the best tip's ancestry, oldest first. */
export function mainChain(t: TreeState): TreeBlock[] {
  const out: TreeBlock[] = [];
  for (let e = t.best ? t.blocks.get(t.best) : undefined; e; e = t.blocks.get(e.parent)) out.push(e);
  return out.reverse();
}

/**
 * The side-branch blocks that some node still follows: the ancestry of each tip in `tips` down to where it
 * meets the centre lane. Every other block off the centre lane is stale: a branch nobody builds on.
 */
export function followedSide(t: TreeState, tips: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const tip of tips) {
    let e = t.blocks.get(tip);
    for (let i = 0; e && t.lanes.get(e.hash) !== 0 && !out.has(e.hash) && i < 100_000; i++) {
      out.add(e.hash);
      e = t.blocks.get(e.parent);
    }
  }
  return out;
}

/**
 * The heights the collapsed view must keep (web/src/model/collapse.ts): where each branch leaves its
 * parent's lane (and the parent's height: the fork point), and every leaf. A long fork thus folds like a
 * long chain, on every lane at once, and still shows where it starts and where it ends.
 */
export function landmarks(t: TreeState, visible: (hash: string) => boolean = () => true): number[] {
  const out: number[] = [];
  for (const b of t.blocks.values()) {
    if (!visible(b.hash)) continue;
    const lane = t.lanes.get(b.hash);
    if (lane !== 0 && t.lanes.get(b.parent) !== lane) out.push(b.height, b.height - 1);
    if (lane !== 0 && !t.children.get(b.hash)?.some(visible)) out.push(b.height);
  }
  return out;
}
