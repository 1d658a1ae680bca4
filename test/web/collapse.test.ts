// Collapsing long linear runs (web/src/model/collapse.ts): 5,000 blocks stay under a column budget, and
// forks, tips and the newest blocks stay visible.
import { describe, expect, it } from 'vitest';
import { collapse, columnIndex, DEFAULT_COLLAPSE } from '../../web/src/model/collapse.js';

describe('collapse', () => {
  it('keeps the first height, the tail and a margin around forks; folds runs into gaps', () => {
    const cols = collapse(0, 100, [50], { margin: 1, tail: 3, minRun: 4, maxColumns: 100 });
    expect(cols).toEqual([
      { kind: 'height', height: 0 },
      { kind: 'gap', from: 1, to: 48 },
      { kind: 'height', height: 49 },
      { kind: 'height', height: 50 },
      { kind: 'height', height: 51 },
      { kind: 'gap', from: 52, to: 97 },
      { kind: 'height', height: 98 },
      { kind: 'height', height: 99 },
      { kind: 'height', height: 100 },
    ]);
    const at = columnIndex(cols);
    expect(at(50)).toBe(3);
    expect(at(20)).toBe(1);
  });

  it('draws a short run in full rather than as a gap', () => {
    const cols = collapse(0, 10, [3], { margin: 0, tail: 2, minRun: 4, maxColumns: 100 });
    // 1..2 (2 heights) and 4..8 (5 heights): the first is drawn, the second folds.
    expect(cols.map((c) => (c.kind === 'gap' ? `${c.from}-${c.to}` : c.height))).toEqual([
      0,
      1,
      2,
      3,
      '4-8',
      9,
      10,
    ]);
  });

  it('keeps 5,000 blocks with 40 forks under the column budget, every fork and the tip visible', () => {
    const forks = Array.from({ length: 40 }, (_, i) => 100 + i * 120);
    const cols = collapse(0, 4_999, forks);
    expect(cols.length).toBeLessThanOrEqual(DEFAULT_COLLAPSE.maxColumns);
    const shown = new Set(
      cols.filter((c) => c.kind === 'height').map((c) => (c as { height: number }).height),
    );
    for (const f of forks) expect(shown.has(f)).toBe(true);
    expect(shown.has(4_999)).toBe(true);
    // Every height 0..4999 is covered exactly once.
    let covered = 0;
    for (const c of cols) covered += c.kind === 'gap' ? c.to - c.from + 1 : 1;
    expect(covered).toBe(5_000);
  });

  it('folds the oldest columns into one leading gap past the cap, keeping the newest', () => {
    const forks = Array.from({ length: 200 }, (_, i) => i * 10);
    const cols = collapse(0, 2_000, forks, { ...DEFAULT_COLLAPSE, maxColumns: 50 });
    expect(cols).toHaveLength(50);
    expect(cols[0]).toMatchObject({ kind: 'gap', from: 0 });
    expect(cols[cols.length - 1]).toEqual({ kind: 'height', height: 2_000 });
  });
});
