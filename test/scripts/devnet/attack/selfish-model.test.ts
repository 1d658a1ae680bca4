// Eyal and Sirer's state machine, driven by uniform draws: its long-run share is their eq. (8), and the
// prediction interval of a run of N blocks holds the formula and narrows as N grows.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../scripts/devnet/attack/lottery.js';
import { predictionInterval, selfishModel } from '../../../../scripts/devnet/attack/selfish-model.js';
import { selfishRevenue } from '../../../../scripts/lib/odds.js';

describe('selfishModel', () => {
  it('earns the formula’s share in the long run, for several α and γ', () => {
    for (const [alpha, gamma] of [
      [0.25, 0],
      [0.4, 0],
      [0.3, 0.5],
      [0.35, 1],
    ] as const) {
      const rng = new Rng(11);
      const t = selfishModel(alpha, gamma, 400_000, () => rng.next());
      expect(t.pool / (t.pool + t.honest)).toBeCloseTo(selfishRevenue(alpha, gamma), 2);
    }
  });

  it('ends with nothing withheld, and its cycles add up to the main chain', () => {
    const rng = new Rng(3);
    const t = selfishModel(0.45, 0, 1000, () => rng.next());
    expect(t.found).toBeGreaterThanOrEqual(1000);
    expect(t.cycles.reduce((a, c) => a + c.x, 0)).toBe(t.pool);
    expect(t.cycles.reduce((a, c) => a + c.y, 0)).toBe(t.pool + t.honest);
    expect(t.pool + t.honest).toBeLessThan(t.found); // some blocks were orphaned
  });

  it('an honest pool (α = 0) never withholds: every block is honest and on the chain', () => {
    const rng = new Rng(1);
    const t = selfishModel(0, 0, 500, () => rng.next());
    expect(t).toMatchObject({ pool: 0, honest: 500, found: 500 });
  });
});

describe('predictionInterval', () => {
  it('holds the formula, narrows with the run’s length, and excludes α at 1,000 blocks for 25 % and 40 %', () => {
    for (const alpha of [0.25, 0.4]) {
      const short = predictionInterval(alpha, 0, 200, 1000);
      const long = predictionInterval(alpha, 0, 1000, 1000);
      for (const pi of [short, long]) {
        expect(pi.low).toBeLessThan(selfishRevenue(alpha, 0));
        expect(pi.high).toBeGreaterThan(selfishRevenue(alpha, 0));
      }
      expect(long.high - long.low).toBeLessThan(short.high - short.low);
      expect(short.low <= alpha && alpha <= short.high).toBe(true);
    }
    expect(predictionInterval(0.25, 0, 1000).high).toBeLessThan(0.25);
    expect(predictionInterval(0.4, 0, 1000).low).toBeGreaterThan(0.4);
  });
});
