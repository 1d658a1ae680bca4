import { describe, expect, it } from 'vitest';
import { diameter, hopsFrom, randomRegularGraph } from '../../../../scripts/bench/p2p/graph.js';
import { seededRandom } from '../../../../scripts/devnet/link-shape.js';

describe('random regular graphs', () => {
  it.each([
    [10, 8],
    [25, 8],
    [50, 8],
    [10, 3],
  ])(
    '%i nodes of degree %i: every node has exactly d distinct peers, no loops, symmetric, connected',
    (n, d) => {
      const g = randomRegularGraph(n, d, seededRandom(n * 100 + d));
      expect(g).toHaveLength(n);
      for (const [i, peers] of g.entries()) {
        expect(peers).toHaveLength(d);
        expect(new Set(peers).size).toBe(d);
        expect(peers).not.toContain(i);
        for (const j of peers) expect(g[j]).toContain(i);
      }
      expect(hopsFrom(g, 0).every(Number.isFinite)).toBe(true);
    },
  );

  it('different seeds give different graphs; the same seed the same one', () => {
    const a = randomRegularGraph(25, 8, seededRandom(1));
    expect(randomRegularGraph(25, 8, seededRandom(1))).toEqual(a);
    expect(randomRegularGraph(25, 8, seededRandom(2))).not.toEqual(a);
  });

  it('hops and diameter by breadth-first search', () => {
    const ring = [
      [1, 3],
      [0, 2],
      [1, 3],
      [0, 2],
    ];
    expect(hopsFrom(ring, 0)).toEqual([0, 1, 2, 1]);
    expect(diameter(ring)).toBe(2);
    // A 50-node 8-regular graph is small-world: about log(50)/log(7) ≈ 2 hops, never more than 4.
    expect(diameter(randomRegularGraph(50, 8, seededRandom(7)))).toBeLessThanOrEqual(4);
  });

  it('refuses impossible sizes', () => {
    expect(() => randomRegularGraph(5, 3, Math.random)).toThrow(/n·d even/);
    expect(() => randomRegularGraph(4, 4, Math.random)).toThrow(/d < n/);
  });
});
