// The formulas against the numbers their papers print.
import { describe, expect, it } from 'vitest';
import {
  doubleSpendRace,
  nakamoto,
  ratioInterval,
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

describe('the exact race the double-spend scenario runs', () => {
  it('is Rosenfeld’s formula when a tie wins and the attacker never gives up', () => {
    for (const q of [0.1, 0.2, 0.3, 0.45]) {
      for (const z of [1, 2, 3, 6])
        expect(doubleSpendRace(q, z, { lead: 0 })).toBeCloseTo(rosenfeld(q, z), 9);
    }
  });

  it('needing one block more is the same sum with the catch-up odds of one more block', () => {
    // Σ_m C(m+z−1, m) p^z q^m · (m > z ? 1 : (q/p)^(z−m+1)): the attacker has m blocks when the payment
    // has z confirmations, then must gain z − m + 1 (Nakamoto's gambler's ruin).
    const strict = (q: number, z: number) => {
      const p = 1 - q;
      let sum = 0;
      let binom = 1;
      let tail = 1;
      for (let m = 0; m <= z; m++) {
        if (m > 0) binom = (binom * (m + z - 1)) / m;
        const pm = binom * p ** z * q ** m;
        tail -= pm;
        sum += pm * (q / p) ** (z - m + 1);
      }
      return sum + tail;
    };
    for (const q of [0.1, 0.3, 0.45]) {
      for (const z of [1, 2, 4]) expect(doubleSpendRace(q, z, { lead: 1 })).toBeCloseTo(strict(q, z), 9);
    }
    expect(doubleSpendRace(0.1, 1, { lead: 1 })).toBeCloseTo(0.01 * (1 / 0.9 + 2), 12); // by hand
  });

  it('giving up and a block budget only lower the odds; a majority wins unless it gives up', () => {
    const free = doubleSpendRace(0.3, 2, { lead: 1 });
    const quitting = doubleSpendRace(0.3, 2, { lead: 1, giveUpBehind: 4 });
    expect(quitting).toBeLessThan(free);
    expect(quitting).toBeGreaterThan(free - (0.3 / 0.7) ** 4); // what is lost is the late catch-ups
    expect(doubleSpendRace(0.3, 2, { lead: 1, maxBlocks: 2 })).toBeCloseTo(0, 12); // 2 blocks cannot do it
    expect(doubleSpendRace(0.3, 2, { lead: 1, maxBlocks: 5 })).toBeLessThan(free);
    expect(doubleSpendRace(0.6, 3, { lead: 1, maxBlocks: 400 })).toBeGreaterThan(0.99999);
    expect(doubleSpendRace(0.6, 3, { lead: 1 })).toBe(1);
    expect(doubleSpendRace(0.6, 3, { lead: 1, giveUpBehind: 2 })).toBeLessThan(1);
  });
});

describe('the regenerative ratio interval', () => {
  it('is the ratio of sums with the delta-method standard error', () => {
    const cycles = [
      { x: 2, y: 2 },
      { x: 0, y: 1 },
      { x: 0, y: 2 },
      { x: 3, y: 3 },
    ];
    const r = ratioInterval(cycles);
    expect(r.rate).toBeCloseTo(5 / 8, 12);
    // residuals x − R̂y: 0.75, −0.625, −1.25, 1.125 → s² = 3.78125 / 3; ȳ = 2
    const se = Math.sqrt(3.78125 / 3 / 4) / 2;
    expect(r.se).toBeCloseTo(se, 12);
    expect(r.low).toBeCloseTo(5 / 8 - 1.96 * se, 12);
    expect(r.high).toBeCloseTo(Math.min(1, 5 / 8 + 1.96 * se), 12);
    expect(() => ratioInterval([{ x: 1, y: 1 }])).toThrow(/at least 2/);
  });

  it('covers the true ratio of a simulated selfish pool about 95 % of the time', () => {
    // Eyal and Sirer's state machine with γ = 0, driven by a fixed generator: the interval must cover
    // their formula in roughly 95 of 100 runs (a binomial interval would cover far less: the pool's
    // blocks come in runs).
    let seed = 7;
    const rnd = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 2 ** 32;
    };
    const alpha = 0.4;
    const truth = selfishRevenue(alpha, 0);
    let covered = 0;
    for (let run = 0; run < 100; run++) {
      const cycles: { x: number; y: number }[] = [];
      let lead = 0;
      let race = false;
      let priv = 0;
      for (let n = 0; n < 1000 || lead > 0 || race; n++) {
        const poolWins = rnd() < alpha;
        if (race) {
          cycles.push(poolWins ? { x: 2, y: 2 } : { x: 0, y: 2 });
          race = false;
        } else if (poolWins) {
          lead++;
          priv++;
        } else if (lead === 0) cycles.push({ x: 0, y: 1 });
        else if (lead === 1) {
          race = true;
          lead = 0;
          priv = 0;
        } else if (lead === 2) {
          cycles.push({ x: priv, y: priv });
          lead = 0;
          priv = 0;
        } else lead--;
      }
      const r = ratioInterval(cycles);
      if (r.low <= truth && truth <= r.high) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(88);
    expect(covered).toBeLessThanOrEqual(100);
  });
});
