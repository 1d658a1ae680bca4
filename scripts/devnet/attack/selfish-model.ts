// Eyal and Sirer's model of selfish mining, as a pure function of the draws: the state machine of their
// Figure 1 driven by a stream of uniform numbers, the same numbers the devnet's lottery turns into
// "the pool found the next block" (u < α). Used three ways:
//   - to replay a devnet run without any node (the real main chain must match it block for block);
//   - to compute, by running the model many times, how far a run of N blocks can stray from the
//     formula: the prediction interval the measured share is checked against;
//   - to say how many blocks a run needs before that interval excludes α (honest mining's share).
import { Rng } from './lottery.js';

export interface SelfishTally {
  /** The pool's and the honest miners' blocks on the final main chain. */
  readonly pool: number;
  readonly honest: number;
  /** Blocks found by anyone. */
  readonly found: number;
  /** Per cycle (from "nothing withheld" back to it): the pool's main-chain blocks and all of them. */
  readonly cycles: readonly { readonly x: number; readonly y: number }[];
}

/**
 * Runs Algorithm 1 until at least `draws` blocks are found and the pool withholds nothing (so the main
 * chain is final). `next()` gives uniform numbers in [0, 1): one per block (the pool's if < α) and, only
 * when γ > 0, one more per honest block of a tie race (on the pool's block if < γ).
 */
export function selfishModel(alpha: number, gamma: number, draws: number, next: () => number): SelfishTally {
  let lead = 0; // private blocks − public blocks since the last common block, while no race is on
  let priv = 0;
  let race = false;
  let pool = 0;
  let honest = 0;
  let found = 0;
  const cycles: { x: number; y: number }[] = [];
  const close = (x: number, y: number) => {
    pool += x;
    honest += y - x;
    cycles.push({ x, y });
    lead = 0;
    priv = 0;
    race = false;
  };
  while (found < draws || priv > 0 || race) {
    found++;
    const poolWins = next() < alpha;
    if (race) {
      if (poolWins) close(2, 2);
      else if (gamma > 0 && next() < gamma)
        close(1, 2); // honest block on the pool's: one each
      else close(0, 2);
    } else if (poolWins) {
      lead++;
      priv++;
    } else if (lead === 0) close(0, 1);
    else if (lead === 1) {
      race = true; // the pool publishes its block: a tie
      lead = 0;
    } else if (lead === 2)
      close(priv, priv); // the pool publishes all and is one ahead
    else lead--; // the pool reveals one block and stays ahead
  }
  return { pool, honest, found, cycles };
}

export interface PredictionInterval {
  /** The central 95 % of the pool's share over `runs` runs of the model. */
  readonly low: number;
  readonly high: number;
  readonly median: number;
  readonly runs: number;
}

/**
 * The spread of the pool's share of the main chain over runs of `draws` blocks, if the network behaves as
 * the paper's model: the central 95 % of `runs` runs of it (seeded, so the same every time). A measured
 * share outside it means the network did not behave like the model, or a 1-in-20 run; α outside it means
 * `draws` blocks are enough to tell selfish mining's share from honest mining's.
 */
export function predictionInterval(
  alpha: number,
  gamma: number,
  draws: number,
  runs = 4000,
): PredictionInterval {
  const rng = new Rng(0x5e1f_15b0);
  const next = () => rng.next();
  const shares: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = selfishModel(alpha, gamma, draws, next);
    shares.push(t.pool / (t.pool + t.honest));
  }
  shares.sort((a, b) => a - b);
  const at = (q: number) => shares[Math.min(runs - 1, Math.max(0, Math.round(q * (runs - 1))))]!;
  return { low: at(0.025), high: at(0.975), median: at(0.5), runs };
}
