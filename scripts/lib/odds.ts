// The formulas the attack scenarios and the stale-rate experiment print next to what they measured.
// Pure functions of their arguments, each with the paper it comes from.

/**
 * Nakamoto's probability that an attacker with hash share q ever catches up from z blocks behind, as the
 * Bitcoin paper computes it (section 11, "Calculations"): the attacker's progress while the honest chain
 * adds z blocks is Poisson with mean λ = z·q/p, and from k behind it catches up with probability (q/p)^(z−k).
 * (Nakamoto 2008. Rosenfeld 2014 shows this slightly underestimates the risk; see `rosenfeld`.)
 */
export function nakamoto(q: number, z: number): number {
  checkShare(q);
  const p = 1 - q;
  if (q >= p) return 1;
  const lambda = (z * q) / p;
  let sum = 1;
  let poisson = Math.exp(-lambda); // P(k = 0)
  for (let k = 0; k <= z; k++) {
    if (k > 0) poisson *= lambda / k;
    sum -= poisson * (1 - (q / p) ** (z - k));
  }
  return Math.max(0, sum);
}

/**
 * Rosenfeld's exact double-spend success probability after z confirmations, for an attacker with share
 * q who starts his private branch when the payment is sent. While the honest miners find z blocks the
 * attacker finds m, a negative binomial count (Nakamoto approximated it with a Poisson), and from there
 * he must catch up a deficit of z − m (Rosenfeld, "Analysis of Hashrate-Based Double Spending", 2014):
 *   r = 1 − Σ_{m=0}^{z} C(m+z−1, m) (p^z q^m − p^m q^z).
 * For z = 0 the merchant accepts at once and the attack always succeeds.
 */
export function rosenfeld(q: number, z: number): number {
  checkShare(q);
  const p = 1 - q;
  if (q >= p) return 1;
  if (z === 0) return 1;
  let sum = 0;
  let binom = 1; // C(z-1, 0)
  for (let m = 0; m <= z; m++) {
    if (m > 0) binom = (binom * (m + z - 1)) / m;
    sum += binom * (p ** z * q ** m - p ** m * q ** z);
  }
  return Math.min(1, Math.max(0, 1 - sum));
}

export interface RaceRules {
  /**
   * How far ahead the attacker's branch must be when he releases it: 0 if a tie wins (the papers'
   * formulas count reaching equal length as success), 1 if it must have strictly more work (a node keeps
   * the branch it saw first on equal work, so on Cairn, as on Bitcoin, a tie does not displace it).
   */
  readonly lead: 0 | 1;
  /** The attacker gives up when the honest chain is this many blocks ahead of his branch (default never). */
  readonly giveUpBehind?: number;
  /** …or after this many blocks in all, found by either side (default: until the odds left are negligible). */
  readonly maxBlocks?: number;
}

/**
 * The exact probability that a double spend succeeds under the given rules, by walking the race block by
 * block: each block is the attacker's with probability q (his hash share), else the honest network's;
 * he wins when the payment has z confirmations (the honest branch has z blocks since the fork, the first
 * holding the payment) and his branch leads by `rules.lead`; he loses when he gives up. With lead 0 and
 * no limits this is Rosenfeld's formula (the tests check it), so this is his model with the rules of the
 * scenario the devnet really runs, to compare its measured rate against.
 */
export function doubleSpendRace(q: number, z: number, rules: RaceRules): number {
  checkShare(q);
  if (!Number.isInteger(z) || z < 0) throw new Error(`confirmations must be a whole number ≥ 0, got ${z}`);
  const p = 1 - q;
  const giveUp = rules.giveUpBehind ?? Number.POSITIVE_INFINITY;
  // A majority that never gives up catches up eventually (the walk drifts its way, or is recurrent at ½).
  if (q >= p && rules.giveUpBehind === undefined && rules.maxBlocks === undefined) return 1;
  const maxBlocks = rules.maxBlocks ?? 1_000_000;
  // A minority that never gives up may trail forever: from `lead` it can still win with probability at
  // most (q/p)^(rules.lead − lead) (the gambler's ruin), so a state below 10⁻¹⁵ of that counts as lost.
  const hopeless =
    q < p ? rules.lead + Math.ceil(Math.log(1e-15) / Math.log(q / p)) : Number.POSITIVE_INFINITY;
  // The open states by (attacker's lead, honest blocks capped at z): nothing else matters to the outcome.
  let open = new Map<string, { lead: number; h: number; pr: number }>([['0,0', { lead: 0, h: 0, pr: 1 }]]);
  let won = 0;
  const settled = (lead: number, h: number) => h >= z && lead >= rules.lead;
  if (settled(0, 0)) return 1;
  for (let n = 0; n < maxBlocks && open.size > 0; n++) {
    const next = new Map<string, { lead: number; h: number; pr: number }>();
    let left = 0;
    const add = (lead: number, h: number, pr: number) => {
      if (settled(lead, h)) {
        won += pr;
        return;
      }
      if (-lead >= giveUp || -lead >= hopeless) return;
      left += pr;
      const key = `${lead},${h}`;
      const s = next.get(key);
      if (s) s.pr += pr;
      else next.set(key, { lead, h, pr });
    };
    for (const s of open.values()) {
      add(s.lead + 1, s.h, s.pr * q);
      add(s.lead - 1, Math.min(z, s.h + 1), s.pr * p);
    }
    open = next;
    if (left < 1e-13) break; // what is still open cannot change the answer
  }
  return Math.min(1, won);
}

/**
 * A confidence interval for a ratio of sums, Σx / Σy, measured over independent cycles (the regenerative
 * method: a Markov chain that keeps returning to one state splits into independent, identically
 * distributed cycles, so a long-run ratio is a ratio of two sample means, and the delta method gives its
 * standard error: s² = Σ(xᵢ − R̂·yᵢ)² / (n − 1), SE = s / (ȳ·√n); Crane and Iglehart 1975, Asmussen and
 * Glynn, "Stochastic Simulation", 2007, ch. IV.4). The selfish-mining scenario uses it: its blocks are not
 * independent (a private lead makes runs of the pool's blocks), so the binomial interval would be far too
 * narrow, but the runs between two returns to "no private lead" are.
 */
export function ratioInterval(
  cycles: readonly { readonly x: number; readonly y: number }[],
  z = 1.96,
): { rate: number; low: number; high: number; se: number; cycles: number } {
  const n = cycles.length;
  if (n < 2) throw new Error(`a ratio interval needs at least 2 cycles, got ${n}`);
  const sx = cycles.reduce((a, c) => a + c.x, 0);
  const sy = cycles.reduce((a, c) => a + c.y, 0);
  if (sy <= 0) throw new Error('the denominators add up to 0');
  const rate = sx / sy;
  const s2 = cycles.reduce((a, c) => a + (c.x - rate * c.y) ** 2, 0) / (n - 1);
  const se = Math.sqrt(s2 / n) / (sy / n);
  return { rate, low: Math.max(0, rate - z * se), high: Math.min(1, rate + z * se), se, cycles: n };
}

/**
 * The relative revenue of a selfish pool with hash share α when a share γ of the honest miners mines on
 * the pool's block during a tie (Eyal and Sirer, "Majority is not Enough", 2014, eq. (8)):
 *   R = [α(1−α)²(4α + γ(1−2α)) − α³] / [1 − α(1 + (2−α)α)]
 * An honest miner earns α; selfish mining pays when R > α, which happens above
 * α > (1−γ)/(3−2γ) (the paper's threshold, eq. (9)).
 */
export function selfishRevenue(alpha: number, gamma: number): number {
  checkShare(alpha);
  if (gamma < 0 || gamma > 1) throw new Error(`γ must be in [0, 1], got ${gamma}`);
  const a = alpha;
  return (a * (1 - a) ** 2 * (4 * a + gamma * (1 - 2 * a)) - a ** 3) / (1 - a * (1 + (2 - a) * a));
}

/** The smallest share at which selfish mining beats honest mining, for a tie-win share γ. */
export function selfishThreshold(gamma: number): number {
  return (1 - gamma) / (3 - 2 * gamma);
}

/**
 * The simple model of stale blocks: a block found while another is still propagating is stale. With
 * blocks as a Poisson process of mean interval T and a propagation delay Δ, the chance that another
 * block is found within Δ is 1 − e^(−Δ/T) (Decker and Wattenhofer 2013; Gervais et al. 2016 compare it
 * with measurements).
 */
export function staleRateModel(delayMs: number, intervalMs: number): number {
  if (intervalMs <= 0) throw new Error('the block interval must be positive');
  return 1 - Math.exp(-Math.max(0, delayMs) / intervalMs);
}

/**
 * The Wilson score interval for a proportion: k successes in n trials, at z standard deviations
 * (1.96 for 95 %). Better than p ± z·√(p(1−p)/n) for small n and rates near 0, which is where stale
 * rates and attack successes live. (Wilson 1927.)
 */
export function wilsonInterval(k: number, n: number, z = 1.96): { low: number; high: number; rate: number } {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 1 || k > n) {
    throw new Error(`need 0 ≤ k ≤ n and n ≥ 1, got k=${k} n=${n}`);
  }
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half), rate: p };
}

function checkShare(q: number): void {
  if (!(q >= 0 && q <= 1)) throw new Error(`a hash share must be in [0, 1], got ${q}`);
}
