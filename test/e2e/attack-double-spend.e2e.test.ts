// `npm run devnet -- attack double-spend` end to end (issue 14): real node processes, real blocks, the
// nodes' unmodified rules. With 60 % of the hash power every attack succeeds and the merchant's payment
// vanishes from every honest node in a reorg at least k deep; with 30 % most fail, and the measured rate
// agrees with the exact odds of the scenario's rules. The last checks ask the nodes themselves, after the
// account: the merchant's balance holds exactly the payments of the failed attacks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShareResult } from '../../scripts/devnet/attack/double-spend.js';
import { Lottery, Rng, seedFor } from '../../scripts/devnet/attack/lottery.js';
import { doubleSpendRace, nakamoto, rosenfeld, wilsonInterval } from '../../scripts/lib/odds.js';
import { encodeAddress } from '../../src/consensus/address.js';
import { COIN } from '../../src/consensus/types.js';
import { loadParams } from '../../src/node/params.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { type AttackRun, checkEventSequence, runAttack } from './attack-run.js';
import { getJson } from './helpers.js';

const NODES = ['honest0', 'honest1', 'attacker', 'private'];
const K = 2;
const TRIALS = 8;
const SEED = 1;
const GIVE_UP = 5;
const PAYMENT = 1_000n * COIN;
const ALLOCATION = BigInt(loadParams().allocations[0]!.amount);

let run: AttackRun<{ shares: ShareResult[] }>;

beforeAll(async () => {
  run = await runAttack<{ shares: ShareResult[] }>(
    'double-spend',
    NODES,
    ['--shares', '60,30', '--confirmations', String(K), '--trials', String(TRIALS), '--seed', String(SEED)],
    { keep: true, timeoutMs: 300_000 },
  );
}, 360_000);

afterAll(async () => {
  await run?.cleanup();
});

/** The outcome of each trial as the lottery's draws decide it, replayed here without any node. */
function replay(q: number, giveUp: number): boolean[] {
  const lottery = new Lottery([q, (1 - q) / 2, (1 - q) / 2], new Rng(seedFor(SEED, q)));
  const out: boolean[] = [];
  for (let t = 0; t < TRIALS; t++) {
    while (lottery.draw() !== 0); // pre-mine: until the attacker finds a block
    let a = 1;
    let h = 0;
    for (;;) {
      if (h >= K && a >= h + 1) {
        out.push(true);
        break;
      }
      if (h - a >= giveUp) {
        out.push(false);
        break;
      }
      if (lottery.draw() === 0) a++;
      else h++;
    }
  }
  return out;
}

describe('attack double-spend (real processes)', () => {
  it('with 60 % of the hash power every payment vanishes from every honest node, at least k blocks deep', () => {
    const majority = run.report.result.shares[0]!;
    expect(majority.share).toBe(0.6);
    expect(majority.trials).toHaveLength(TRIALS);
    for (const t of majority.trials) {
      expect(t.succeeded).toBe(true);
      expect(t.ended).toBe('released');
      expect(t.confirmations).toBeGreaterThanOrEqual(K);
      // each honest node's own reorg report
      expect(t.reorgDepth.honest0).toBeGreaterThanOrEqual(K);
      expect(t.reorgDepth.honest1).toBeGreaterThanOrEqual(K);
      expect(t.attackerBlocks).toBeGreaterThan(t.honestBlocks);
      expect(BigInt(t.merchantAfter)).toBe(BigInt(t.merchantBefore));
    }
    expect(majority.rosenfeld).toBe(1);
    expect(majority.exact).toBe(1);
  });

  it('with 30 % most attacks fail, and the measured rate agrees with the exact odds of the rules played', () => {
    const minority = run.report.result.shares[1]!;
    expect(minority.share).toBe(0.3);
    const outcomes = minority.trials.map((t) => t.succeeded);
    // The real network did what the draws decide, trial for trial.
    expect(outcomes).toEqual(replay(0.3, GIVE_UP));
    for (const t of minority.trials) {
      if (t.succeeded) {
        expect(t.reorgDepth.honest0).toBeGreaterThanOrEqual(K);
        expect(t.reorgDepth.honest1).toBeGreaterThanOrEqual(K);
      } else {
        expect(t.ended).toBe('gave-up');
        expect(t.honestBlocks - t.attackerBlocks).toBe(GIVE_UP);
        expect(t.reorgDepth).toEqual({ honest0: 0, honest1: 0 }); // the branch was never shown to anyone
        expect(BigInt(t.merchantAfter)).toBe(BigInt(t.merchantBefore) + PAYMENT);
      }
    }
    const wins = outcomes.filter(Boolean).length;
    expect(wins).toBeLessThan(TRIALS / 2);
    expect(minority.nakamoto).toBeCloseTo(nakamoto(0.3, K), 12);
    expect(minority.rosenfeld).toBeCloseTo(rosenfeld(0.3, K), 12);
    // Pre-mined block: "longer" from the payment on is "as long as", and giving up 5 behind the chain is
    // 6 behind in the race's own count.
    const exact = doubleSpendRace(0.3, K, { lead: 0, giveUpBehind: GIVE_UP + 1 });
    expect(minority.exact).toBeCloseTo(exact, 12);
    const interval = wilsonInterval(wins, TRIALS);
    expect(interval.low).toBeLessThanOrEqual(exact);
    expect(interval.high).toBeGreaterThanOrEqual(exact);
    expect(minority.exactInInterval).toBe(true);
  });

  it('the nodes agree: the merchant kept exactly the payments of the failed attacks', async () => {
    const shares = run.report.result.shares;
    const all = shares.flatMap((s) => s.trials);
    const failed = BigInt(all.filter((t) => !t.succeeded).length);
    const succeeded = BigInt(all.filter((t) => t.succeeded).length);
    const prefix = loadParams().addressPrefix;
    const [attacker, victim, , spare] = devKeys(4).map((k) => encodeAddress(k.addressHash, prefix));
    for (const node of ['honest0', 'honest1', 'attacker']) {
      const merchant = await getJson<{ balance: string }>(`${run.api(node)}/accounts/${victim}`);
      expect(BigInt(merchant.balance)).toBe(ALLOCATION + failed * PAYMENT);
      const back = await getJson<{ balance: string }>(`${run.api(node)}/accounts/${spare}`);
      expect(BigInt(back.balance)).toBe(ALLOCATION + succeeded * PAYMENT);
      const payer = await getJson<{ nonce: string }>(`${run.api(node)}/accounts/${attacker}`);
      expect(BigInt(payer.nonce)).toBe(BigInt(all.length)); // each trial spent its nonce exactly once
    }
    // The last successful attack: its payment is unknown everywhere, its double spend confirmed.
    const last = all.filter((t) => t.succeeded).at(-1)!;
    for (const node of ['honest0', 'honest1']) {
      expect((await fetch(`${run.api(node)}/txs/${last.payment}`)).status).toBe(404);
      const back = await getJson<{ status: string; confirmations: number }>(
        `${run.api(node)}/txs/${last.doubleSpend}`,
      );
      expect(back.status).toBe('confirmed');
    }
  });

  it('told the dashboard each step on the merged stream, ending with the account', () => {
    checkEventSequence(run.streamed, 'double-spend');
    expect(run.streamed.map((e) => e.seq)).toEqual(run.report.events.map((e) => e.seq));
    const result = run.streamed.at(-1)!;
    expect(result.outcome).toBe('mixed');
    expect(result.text).toMatch(/Rosenfeld/);
    expect(run.output()).toMatch(/Double spend: how often the payment vanished/);
  });

  it('stops every node cleanly on Ctrl-C', async () => {
    expect(await run.stop()).toBe(0);
  });
});
