// The tree layout rules of the dashboard (web/src/model/tree.ts): the centre lane is the ancestry of the
// max-work tip, side lanes never move when blocks arrive, and a reorg swaps exactly the two branches.
import { describe, expect, it } from 'vitest';
import { collapse } from '../../web/src/model/collapse.js';
import {
  addBlock,
  commonAncestor,
  emptyTree,
  followedSide,
  landmarks,
  mainChain,
  type TreeBlock,
  type TreeState,
} from '../../web/src/model/tree.js';

/** A block on `parent` whose own work is `work` (cumulative work = parent's + work). */
function child(t: TreeState, parent: string, name: string, work: bigint): TreeBlock {
  const p = t.blocks.get(parent)!;
  return { hash: name, parent, height: p.height + 1, chainWork: p.chainWork + work, miner: 'm' };
}

function grow(t: TreeState, from: string, names: string[], work = 10n): void {
  let parent = from;
  for (const n of names) {
    addBlock(t, child(t, parent, n, work));
    parent = n;
  }
}

function start(): TreeState {
  const t = emptyTree();
  addBlock(t, { hash: 'g', parent: '', height: 0, chainWork: 1n, miner: 'm' });
  return t;
}

describe('tree layout', () => {
  it('puts a linear chain on the centre lane', () => {
    const t = start();
    grow(t, 'g', ['a1', 'a2', 'a3']);
    expect(mainChain(t).map((b) => b.hash)).toEqual(['g', 'a1', 'a2', 'a3']);
    expect(['g', 'a1', 'a2', 'a3'].map((h) => t.lanes.get(h))).toEqual([0, 0, 0, 0]);
  });

  it('gives a side branch its own lane, and never moves a block when more blocks come', () => {
    const t = start();
    grow(t, 'g', ['a1', 'a2', 'a3', 'a4']);
    grow(t, 'a1', ['b2']); // lighter fork
    grow(t, 'a2', ['c3']); // another lighter fork
    const before = new Map(t.lanes);
    expect(t.lanes.get('b2')).not.toBe(0);
    expect(t.lanes.get('c3')).not.toBe(0);
    expect(t.lanes.get('c3')).not.toBe(t.lanes.get('b2')); // c3 would touch b2's lane
    grow(t, 'a4', ['a5', 'a6']);
    grow(t, 'b2', ['b3']); // the fork grows (still lighter)
    for (const [hash, lane] of before) expect(t.lanes.get(hash)).toBe(lane);
    expect(t.lanes.get('b3')).toBe(t.lanes.get('b2'));
    expect(t.best).toBe('a6');
  });

  it('centres the ancestry of the max-work tip, even when that branch is shorter', () => {
    const t = start();
    grow(t, 'g', ['a1', 'a2', 'a3'], 10n); // 3 blocks of work 10: 31
    grow(t, 'g', ['h1', 'h2'], 20n); // 2 blocks of work 20: 41, shorter but heavier
    expect(t.best).toBe('h2');
    expect(mainChain(t).map((b) => b.hash)).toEqual(['g', 'h1', 'h2']);
    expect(t.lanes.get('h1')).toBe(0);
    expect(t.lanes.get('h2')).toBe(0);
    // The longer, lighter branch moved off the centre as one piece, and is greyed as abandoned.
    const lane = t.lanes.get('a1');
    expect(lane).not.toBe(0);
    expect(['a2', 'a3'].map((h) => t.lanes.get(h))).toEqual([lane, lane]);
    expect([...t.abandoned].sort()).toEqual(['a1', 'a2', 'a3']);
  });

  it('compares chain work as BigInt above 2^53, not as a float', () => {
    const t = emptyTree();
    const base = 2n ** 60n;
    addBlock(t, { hash: 'g', parent: '', height: 0, chainWork: base, miner: 'm' });
    addBlock(t, { hash: 'x1', parent: 'g', height: 1, chainWork: base + 1n, miner: 'm' });
    // Equal as doubles (2^60 + 1 and 2^60 + 2 round to 2^60), different as integers.
    expect(Number(base + 1n)).toBe(Number(base + 2n));
    addBlock(t, { hash: 'y1', parent: 'g', height: 1, chainWork: base + 2n, miner: 'm' });
    expect(t.best).toBe('y1');
    expect(t.lanes.get('y1')).toBe(0);
    // Equal work: the tip seen first stays.
    addBlock(t, { hash: 'z1', parent: 'g', height: 1, chainWork: base + 2n, miner: 'm' });
    expect(t.best).toBe('y1');
  });

  it('is keyed by hash: the same block twice changes nothing', () => {
    const t = start();
    grow(t, 'g', ['a1']);
    const again = child(t, 'g', 'a1', 10n);
    expect(addBlock(t, again)).toBe(false);
    expect(t.blocks.size).toBe(2);
    expect(t.children.get('g')).toEqual(['a1']);
  });

  it('finds the common ancestor of two tips', () => {
    const t = start();
    grow(t, 'g', ['a1', 'a2', 'a3']);
    grow(t, 'a1', ['b2', 'b3', 'b4'], 5n);
    expect(commonAncestor(t, 'a3', 'b4')?.hash).toBe('a1');
    expect(commonAncestor(t, 'a3', 'a2')?.hash).toBe('a2');
  });

  it('keeps the lanes ever used as the view’s height, so the centre lane does not move when forks end', () => {
    const t = start();
    grow(t, 'g', ['a1', 'a2', 'a3']);
    expect([t.top, t.bottom]).toEqual([0, 0]);
    grow(t, 'a1', ['b2']);
    grow(t, 'a1', ['c2']);
    expect([t.top, t.bottom]).toEqual([1, -1]);
    grow(t, 'a3', ['a4', 'a5', 'a6']); // no fork near the tip any more: the bounds stay
    expect([t.top, t.bottom]).toEqual([1, -1]);
  });

  it('marks stale only the side blocks no node follows', () => {
    const t = start();
    grow(t, 'g', ['a1', 'a2', 'a3']);
    grow(t, 'a1', ['b2', 'b3']); // a node still mines on b3
    grow(t, 'a1', ['c2']); // abandoned
    expect([...followedSide(t, ['a3', 'b3'])].sort()).toEqual(['b2', 'b3']);
    expect([...followedSide(t, ['a3'])]).toEqual([]);
  });

  it('folds a long fork like a long chain: both lanes collapse, its start and its tips stay', () => {
    const t = start();
    const main = Array.from({ length: 60 }, (_, i) => `a${i + 1}`);
    grow(t, 'g', main);
    grow(
      t,
      'a10',
      Array.from({ length: 40 }, (_, i) => `b${i + 11}`),
      5n,
    ); // a 40-block fork from height 11, lighter
    const marks = landmarks(t);
    expect(new Set(marks)).toEqual(new Set([11, 10, 50]));
    const cols = collapse(0, 60, marks);
    // Far fewer columns than heights: the runs inside the fork fold too.
    expect(cols.length).toBeLessThan(30);
    const shown = new Set(cols.flatMap((c) => (c.kind === 'height' ? [c.height] : [])));
    for (const h of [10, 11, 50, 60]) expect(shown.has(h)).toBe(true);
  });
});
