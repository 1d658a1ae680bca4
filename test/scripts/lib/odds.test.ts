// The formulas against the numbers their papers print.
import { describe, expect, it } from 'vitest';
import {
  nakamoto,
  rosenfeld,
  selfishRevenue,
  selfishThreshold,
  staleRateModel,
  wilsonInterval,
} from '../../../scripts/lib/odds.js';

describe('double-spend odds', () => {
  it('nakamoto reproduces the Bitcoin paper’s table (section 11)', () => {
    const q10 = [1.0, 0.2045873, 0.0509779, 0.0131722, 0.0034552, 0.0009137, 0.0002428, 0.0000647];
    for (const [z, expected] of q10.entries()) expect(nakamoto(0.1, z)).toBeCloseTo(expected, 7);
    expect(nakamoto(0.3, 5)).toBeCloseTo(0.1773523, 7);
    expect(nakamoto(0.3, 10)).toBeCloseTo(0.0416605, 7);
    expect(nakamoto(0.3, 50)).toBeCloseTo(0.0000006, 7);
  });

  it('rosenfeld reproduces his paper’s values and, for small attackers, is above Nakamoto’s', () => {
    expect(rosenfeld(0.1, 6)).toBeCloseTo(0.0005914, 7);
    expect(rosenfeld(0.1, 1)).toBeCloseTo(0.2, 10); // one confirmation: 2q, exactly
    // Nakamoto's Poisson approximation underestimates the risk (Rosenfeld's point) for q ≤ 20 % at
    // every depth, and for larger q from three confirmations on.
    for (const q of [0.05, 0.1, 0.2]) {
      for (let z = 2; z <= 12; z++) expect(rosenfeld(q, z)).toBeGreaterThan(nakamoto(q, z));
    }
    for (let z = 3; z <= 12; z++) expect(rosenfeld(0.3, z)).toBeGreaterThan(nakamoto(0.3, z));
  });

  it('a majority always wins, and no confirmation protects against anyone', () => {
    expect(nakamoto(0.5, 10)).toBe(1);
    expect(rosenfeld(0.6, 10)).toBe(1);
    expect(rosenfeld(0.01, 0)).toBe(1);
    expect(() => nakamoto(1.5, 1)).toThrow(/hash share/);
  });
});

describe('selfish mining (Eyal and Sirer 2014)', () => {
  it('pays exactly α at the threshold and more above it', () => {
    for (const gamma of [0, 0.25, 0.5, 1]) {
      const t = selfishThreshold(gamma);
      expect(selfishRevenue(t, gamma)).toBeCloseTo(t, 12);
      expect(selfishRevenue(t + 0.05, gamma)).toBeGreaterThan(t + 0.05);
      if (t > 0.05) expect(selfishRevenue(t - 0.05, gamma)).toBeLessThan(t - 0.05);
    }
    expect(selfishThreshold(0)).toBeCloseTo(1 / 3, 12);
    expect(selfishThreshold(0.5)).toBeCloseTo(1 / 4, 12);
  });

  it('matches values computed by hand from eq. (8)', () => {
    expect(selfishRevenue(0.25, 0)).toBeCloseTo(0.1951219512, 9); // 8/41: below the honest 25 %
    expect(selfishRevenue(0.4, 0)).toBeCloseTo(0.4837209302, 9);
  });
});

describe('stale blocks and intervals', () => {
  it('the stale model is 1 − e^(−Δ/T)', () => {
    expect(staleRateModel(0, 1000)).toBe(0);
    expect(staleRateModel(1000, 1000)).toBeCloseTo(1 - Math.exp(-1), 12);
    expect(staleRateModel(2_000, 600_000)).toBeCloseTo(0.003328, 6); // Bitcoin-like: ~0.3 %
  });

  it('the Wilson interval covers the rate and narrows with n', () => {
    const small = wilsonInterval(5, 50);
    const large = wilsonInterval(500, 5000);
    expect(small.low).toBeLessThan(0.1);
    expect(small.high).toBeGreaterThan(0.1);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
    expect(wilsonInterval(0, 20).low).toBe(0);
    expect(wilsonInterval(0, 20).high).toBeCloseTo(0.1611, 4);
    expect(() => wilsonInterval(3, 2)).toThrow(/k ≤ n/);
  });
});
