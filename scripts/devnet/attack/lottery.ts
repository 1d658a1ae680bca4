// Hash-power shares, realised by a seeded lottery (docs/ATTACKS.md, "How hash power is shared").
//
// Proof of work makes block discovery a Poisson process per miner: a miner with share s of the total hash
// rate finds the next block with probability exactly s, whatever happened before (the process is
// memoryless; Nakamoto 2008 §11 and every model after it, Eyal and Sirer's included, rest on this). So
// "who finds the next block" is a lottery with the shares as odds. The devnet draws that lottery here
// from a seeded generator and has the winner's node really mine the block (POST /mine: its own miner,
// real proof of work at the chain's easy difficulty), so that
//   - the shares are exact and repeatable on any machine, however loaded (two miners racing on the two
//     cores of a laptop that is also running a browser would get whatever share the scheduler gives them);
//   - the same seed replays the same sequence of winners, so a run can be repeated and compared;
//   - every block is still a real block, found by a real node, checked and relayed by the real network.
// What the lottery leaves out is the time a block takes to spread: the scenarios wait until every node
// has a block before drawing the next, which is the papers' own assumption (their propagation is
// instantaneous, or folded into γ).

/**
 * xoshiro128** (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2018): small,
 * fast, statistically strong, and the same sequence in every JavaScript engine. Seeded from one 32-bit
 * number through SplitMix32, as its authors recommend, so no seed gives the all-zero state.
 */
export class Rng {
  private readonly s = new Uint32Array(4);

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
      throw new RangeError(`a seed is an integer from 0 to 4294967295, got ${seed}`);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // SplitMix32
      x = (x + 0x9e37_79b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85eb_ca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2_ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** A generator in a given state (four 32-bit words, not all zero): for checking against the reference. */
  static fromState(state: readonly [number, number, number, number]): Rng {
    if (state.every((w) => w === 0)) throw new RangeError('the all-zero state is not allowed');
    const rng = new Rng(0);
    rng.s.set(state.map((w) => w >>> 0));
    return rng;
  }

  /** The next 32 random bits. */
  nextU32(): number {
    const s = this.s;
    const [s0, s1, s2, s3] = [s[0]!, s[1]!, s[2]!, s[3]!];
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    const n2 = (s2 ^ s0) >>> 0;
    const n3 = (s3 ^ s1) >>> 0;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = rotl(n3, 11);
    return result;
  }

  /** A uniform number in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / 2 ** 32;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * The seed of one share's series, from the run's seed and the share: a series replays the same draws
 * whatever other shares the run has, so `--shares 30` repeats the 30 % trials of `--shares 60,30`.
 */
export function seedFor(seed: number, share: number): number {
  return (Math.imul(seed >>> 0, 0x9e37_79b1) ^ Math.round(share * 1_000_000)) >>> 0;
}

/** One draw per block: which miner finds it, with the shares as odds. */
export class Lottery {
  private readonly cumulative: number[];
  readonly wins: number[];

  constructor(
    readonly shares: readonly number[],
    private readonly rng: Rng,
  ) {
    const total = shares.reduce((a, b) => a + b, 0);
    if (shares.length === 0 || shares.some((s) => !(s >= 0)) || Math.abs(total - 1) > 1e-9)
      throw new RangeError(`shares must be ≥ 0 and add up to 1, got ${shares.join(', ')}`);
    let sum = 0;
    this.cumulative = shares.map((s) => (sum += s));
    this.wins = shares.map(() => 0);
  }

  /** The index of the miner that finds the next block. */
  draw(): number {
    const u = this.rng.next();
    let i = this.cumulative.findIndex((c) => u < c);
    if (i < 0) i = this.shares.length - 1; // rounding: the cumulative sum may end a hair below 1
    this.wins[i]!++;
    return i;
  }

  get draws(): number {
    return this.wins.reduce((a, b) => a + b, 0);
  }
}

/** A share written as a percentage ("40", "40%") or a fraction ("0.4"), as a fraction in [0, 1]. */
export function parseShare(text: string): number {
  const t = text.trim().replace(/%$/, '');
  if (!/^\d+(\.\d+)?$/.test(t)) throw new Error(`"${text}" is not a share: write 40 (percent) or 0.4`);
  const v = Number(t);
  const share = v > 1 || text.trim().endsWith('%') ? v / 100 : v;
  if (!(share >= 0 && share <= 1)) throw new Error(`a share must be between 0 and 100 %, got "${text}"`);
  return share;
}

export interface MinerShare {
  /** The node's index in the devnet. */
  readonly node: number;
  /** Its share of the hash power, a fraction. */
  readonly share: number;
}

/**
 * `--miners 0:60,1:40`: node 0 has 60 % of the hash power, node 1 40 %. Shares are percentages and must
 * add up to 100; each node appears once.
 */
export function parseMinerShares(text: string, nodes: number): MinerShare[] {
  const out: MinerShare[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*:\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(part);
    if (!m) throw new Error(`"${part}" is not NODE:PERCENT (e.g. 0:60,1:40)`);
    const node = Number(m[1]);
    const share = Number(m[2]) / 100;
    if (node >= nodes) throw new Error(`node ${node} does not exist: the devnet has nodes 0 … ${nodes - 1}`);
    if (out.some((o) => o.node === node)) throw new Error(`node ${node} is given a share twice`);
    if (!(share > 0)) throw new Error(`node ${node}'s share must be more than 0 %`);
    out.push({ node, share });
  }
  const total = out.reduce((a, s) => a + s.share, 0);
  if (Math.abs(total - 1) > 1e-9)
    throw new Error(`the shares add up to ${+(total * 100).toFixed(6)} %, not 100 %`);
  return out;
}
