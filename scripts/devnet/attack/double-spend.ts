// The double spend, or 51 % attack (Nakamoto 2008 §11; Rosenfeld, "Analysis of Hashrate-Based Double
// Spending", 2014): the attacker pays a merchant, waits until the payment has k confirmations on the
// public chain while mining in private a branch where the same coins go back to himself, and releases
// that branch once it has more work. Every node then switches to it, by the rule that makes the chain
// agree at all (the most work wins, src/chain/process.ts), and the payment is gone.
//
// The devnet: honest0 (the merchant's node) and honest1 share 1 − q of the hash power equally; the
// attacker has q and two nodes, `private` (its miner, cut off from every other node) and `attacker` (its
// public face). A seeded lottery decides who finds each block and that node mines it for real.
//
// One trial, with the account model's double spend (two transfers with the SAME nonce: only one can ever
// be confirmed, src/consensus/validation.ts checkTxAgainstAccount):
//   1. pre-mine: the private node mines one block holding tx2 (attacker → attacker's other wallet). While
//      the honest side finds blocks first, it adopts them and tries again (Rosenfeld's pre-mining
//      attacker; without it, --no-premine).
//   2. pay: tx1 (attacker → merchant, same nonce) goes to honest0 and spreads.
//   3. race: blocks by lottery. The merchant waits for k confirmations. The attacker releases his branch
//      to the network as soon as the payment has k and his branch is longer (more work: a tie keeps the
//      branch each node saw first), and gives up when he is `giveUpBehind` blocks behind or has used
//      `maxBlocks`.
//   4. check: on every honest node, the reorg the node itself reports, whether tx1 is still confirmed,
//      whether tx2 is, and the merchant's balance.
// Why pre-mine: Nakamoto's and Rosenfeld's formulas count the attacker as successful once his branch is
// as long as the honest one. On a real node equal work does not displace the branch a node already has,
// so the attacker needs one block more; with one block mined before paying, "as long as" from the
// payment on is "longer" on the chain, and Rosenfeld's formula is exactly the odds of this scenario with
// no give-up. The odds for the scenario's own rules (give-up, budget) come from scripts/lib/odds.ts
// (doubleSpendRace), and the measured rate is printed next to all three.
import { encodeAddress } from '../../../src/consensus/address.js';
import { signTx } from '../../../src/consensus/signature.js';
import { COIN } from '../../../src/consensus/types.js';
import type { DevKey } from '../../../wallet/dev-keys.js';
import { waitUntil } from '../../lib/devnet-process.js';
import { doubleSpendRace, nakamoto, rosenfeld, wilsonInterval } from '../../lib/odds.js';
import { type CommonOptions, pct, roles, runScenario } from './common.js';
import { attackChainParams } from './genesis.js';
import { Lottery, Rng, seedFor } from './lottery.js';
import type { Narrator } from './narrator.js';
import type { AttackNet, EventWatch, NodeClient } from './net.js';

export interface DoubleSpendOptions extends CommonOptions {
  /** The attacker's shares of the hash power, one series of trials each. */
  readonly shares: readonly number[];
  /** The merchant waits for this many confirmations (Core's count: the payment's block is the first). */
  readonly confirmations: number;
  readonly trials: number;
  /** A minority attacker gives up this many blocks behind (a majority never does). */
  readonly giveUpBehind: number;
  /** Pre-mine one block before paying (default true). */
  readonly premine: boolean;
}

export const DOUBLE_SPEND_DEFAULTS = {
  shares: [0.6, 0.3],
  confirmations: 2,
  trials: 20,
  giveUpBehind: 5,
} as const;

/**
 * A race that has not ended after this many blocks means something is broken (with the give-up rule a
 * minority's race ends in a few dozen blocks; a majority's is ahead within a few k), so it stops the run.
 */
const RACE_BLOCKS_MAX = 10_000;

const PAYMENT = 1_000n * COIN;
const FEE = 10_000n;

export interface TrialResult {
  readonly trial: number;
  readonly succeeded: boolean;
  /** Why it ended: released (success) or gave up behind. */
  readonly ended: 'released' | 'gave-up';
  /** Blocks since the fork when it ended: the attacker's (the pre-mined one included) and the public chain's. */
  readonly attackerBlocks: number;
  readonly honestBlocks: number;
  /** Confirmations the payment had on the merchant's node at the end of the race. */
  readonly confirmations: number;
  /** The deepest reorg each honest node reported (0 if none). */
  readonly reorgDepth: Readonly<Record<string, number>>;
  readonly payment: string;
  readonly doubleSpend: string;
  /** The merchant's balance before the payment, and at the end of the trial (base units). */
  readonly merchantBefore: bigint;
  readonly merchantAfter: bigint;
}

export interface ShareResult {
  readonly share: number;
  readonly confirmations: number;
  readonly trials: readonly TrialResult[];
  readonly succeeded: number;
  readonly measured: { readonly rate: number; readonly low: number; readonly high: number };
  readonly nakamoto: number;
  readonly rosenfeld: number;
  /** The exact odds of this scenario's rules (pre-mining, give-up). */
  readonly exact: number;
  readonly rules: { readonly premine: boolean; readonly giveUpBehind: number | null };
  readonly exactInInterval: boolean;
  readonly seconds: number;
}

const NODES = ['honest0', 'honest1', 'attacker', 'private'] as const;

export async function doubleSpend(opts: DoubleSpendOptions, narrator: Narrator) {
  const params = attackChainParams('fixed', Math.floor(Date.now() / 1000));
  const k = opts.confirmations;
  narrator.start(
    'Double spend (the 51 % attack)',
    `The attacker pays a merchant ${PAYMENT / COIN} coins and, in private, mines a branch where the same ` +
      `coins go back to himself. The merchant ships once the payment has ${k} confirmation${k === 1 ? '' : 's'}; ` +
      'the attacker then releases his branch if it has more work than the public chain, and every node ' +
      `switches to it. ${opts.trials} trial${opts.trials === 1 ? '' : 's'} for each attacker share ` +
      `(${opts.shares.map((s) => pct(s, 0)).join(', ')}), each block's finder drawn by lottery with the ` +
      `shares as odds (seed ${opts.seed}), every block really mined by the winner's node.`,
    { shares: opts.shares, confirmations: k, trials: opts.trials, seed: opts.seed },
  );
  return runScenario(narrator, opts, { params, nodes: NODES, isolated: ['private'] }, async (net) => {
    const watch = net.events;
    const results: ShareResult[] = [];
    for (const share of opts.shares) results.push(await runShare(net, watch, share, opts, narrator));
    const lines = results.map(
      (r) =>
        ` ${pct(r.share, 0)} of the hash power, ${k} confirmations: ${r.succeeded} of ${r.trials.length} ` +
        `attacks succeeded (${pct(r.measured.rate)}, 95 % interval ${pct(r.measured.low)} … ${pct(r.measured.high)}); ` +
        `Nakamoto's formula ${pct(r.nakamoto)}, Rosenfeld's ${pct(r.rosenfeld)}, the exact odds with ` +
        `this run's give-up rule ${pct(r.exact)}.`,
    );
    const outcome = results.every((r) => r.succeeded === r.trials.length)
      ? 'succeeded'
      : results.every((r) => r.succeeded === 0)
        ? 'failed'
        : 'mixed';
    narrator.result(
      outcome,
      'Double spend: how often the payment vanished',
      `${lines.join('\n')}\n\nWith more than half of the hash power the attacker always catches up in ` +
        'the end, however many confirmations the merchant waits for: "the most work wins" is the rule ' +
        'that lets the network agree, and it is also the rule he exploits. With less than half he ' +
        'falls behind on average; his odds shrink exponentially with each confirmation (Nakamoto 2008 ' +
        '§11), so a merchant waits for more confirmations the more a payment is worth. The defence is ' +
        'not in any one node: it is that honest miners hold most of the hash power.',
      { shares: results },
    );
    return { shares: results };
  });
}

async function runShare(
  net: AttackNet,
  watch: EventWatch,
  q: number,
  opts: DoubleSpendOptions,
  narrator: Narrator,
): Promise<ShareResult> {
  const started = Date.now();
  const k = opts.confirmations;
  const who = roles();
  const addr = (key: DevKey) => encodeAddress(key.addressHash, net.params.addressPrefix);
  const honest = [net.node('honest0'), net.node('honest1')] as const;
  const merchant = honest[0];
  const gateway = net.node('attacker');
  const privateNode = net.node('private');
  const publicNodes = [...honest, gateway];
  const lottery = new Lottery([q, (1 - q) / 2, (1 - q) / 2], new Rng(seedFor(opts.seed, q)));
  const majority = q >= 0.5;
  const giveUpBehind = majority ? Number.POSITIVE_INFINITY : opts.giveUpBehind;
  const trials: TrialResult[] = [];

  const tipsAre = (nodes: readonly NodeClient[], hash: string, what: string) =>
    net.events.tipsAre(nodes, hash, what);
  /** The honest side finds a block: the lottery's honest winner mines it and every public node takes it. */
  const honestBlock = async (winner: number) => {
    const node = honest[winner - 1]!;
    const hash = await node.mine(addr(who.honestMiners[winner - 1]!));
    await tipsAre(publicNodes, hash, `every public node to take ${node.name}'s block`);
    return hash;
  };
  /** The private node takes the public chain from `from` (exclusive) to the public tip. */
  const adopt = async (fromHeight: number) => {
    const tip = await merchant.status();
    for (let h = fromHeight + 1; h <= tip.height; h++) {
      const r = await privateNode.submit((await merchant.block(h))!.raw);
      if (!r.accepted) throw new Error(`the private node refused public block ${h}: ${r.message}`);
    }
    await tipsAre([privateNode], tip.tipHash, 'the private node to adopt the public chain');
  };

  narrator.step(
    `${pct(q, 0)} of the hash power: ${opts.trials} attack${opts.trials === 1 ? '' : 's'}, ${k} confirmation${k === 1 ? '' : 's'} each`,
    `honest0 (the merchant's node) and honest1 have ${pct((1 - q) / 2)} each. ` +
      (majority
        ? 'A majority never gives up.'
        : `The attacker gives up when the public chain is ${giveUpBehind} blocks ahead of his branch.`),
  );

  for (let t = 1; t <= opts.trials; t++) {
    const spendable = (await merchant.account(addr(who.attacker))).nonce;
    const payTx = signTx(
      {
        version: 1,
        nonce: spendable,
        fee: FEE,
        amount: PAYMENT,
        to: who.victim.addressHash,
        from: who.attacker.publicKey,
      },
      who.attacker.privateKey,
      net.params.genesisHash,
    );
    const backTx = signTx(
      {
        version: 1,
        nonce: spendable,
        fee: FEE,
        amount: PAYMENT,
        to: who.attackerSpare.addressHash,
        from: who.attacker.publicKey,
      },
      who.attacker.privateKey,
      net.params.genesisHash,
    );
    const backId = await privateNode.sendTx(backTx);
    let attacker = 0; // private blocks since the fork
    let honestCount = 0; // public blocks since the fork
    const checkFirstPrivate = async (hash: string) => {
      const b = (await privateNode.block(hash))!;
      if (!b.txs.includes(backId))
        throw new Error('the private branch’s first block does not hold the double spend');
    };

    // 1. Pre-mine one block holding the double spend, adopting public blocks found meanwhile.
    if (opts.premine) {
      for (;;) {
        const winner = lottery.draw();
        if (winner === 0) {
          await checkFirstPrivate(await privateNode.mine(addr(who.attacker)));
          attacker = 1;
          break;
        }
        const before = (await privateNode.status()).height;
        await honestBlock(winner);
        await adopt(before);
      }
    }
    const fork = await merchant.status();
    const victimBefore = await merchant.balance(addr(who.victim));

    // 2. Pay the merchant; the payment spreads to every public node.
    const payId = await merchant.sendTx(payTx);
    await waitUntil('the payment to reach every honest node', async () =>
      (await Promise.all(honest.map((n) => n.tx(payId)))).every((tx) => tx?.status === 'pending'),
    );

    // 3. The race.
    let ended: TrialResult['ended'];
    let raceBlocks = 0;
    for (;;) {
      if (honestCount >= k && attacker >= honestCount + 1) {
        ended = 'released';
        break;
      }
      if (honestCount - attacker >= giveUpBehind) {
        ended = 'gave-up';
        break;
      }
      if (++raceBlocks > RACE_BLOCKS_MAX)
        throw new Error(`trial ${t}: no outcome after ${RACE_BLOCKS_MAX} blocks`);
      const winner = lottery.draw();
      if (winner === 0) {
        const hash = await privateNode.mine(addr(who.attacker));
        if (attacker === 0) await checkFirstPrivate(hash);
        attacker++;
      } else {
        const hash = await honestBlock(winner);
        if (honestCount === 0 && !(await merchant.block(hash))!.txs.includes(payId))
          throw new Error('the first honest block after the payment does not hold it');
        honestCount++;
      }
    }
    const confirmations = (await merchant.tx(payId))?.confirmations ?? 0;
    const reorgsBefore = watch.reorgs.length;

    // 4. Release, or give up; then look at what every honest node says.
    if (ended === 'released') {
      narrator.note(
        `trial ${t}: the payment has ${confirmations} confirmations and the private branch is ${attacker} ` +
          `blocks long against ${honestCount}: releasing it`,
      );
      for (let h = fork.height + 1; h <= fork.height + attacker; h++) {
        // Fetched by height from the private node, whose main chain is its branch.
        const r = await gateway.submit((await privateNode.block(h))!.raw);
        if (!r.accepted) throw new Error(`the attacker's public node refused his block ${h}: ${r.message}`);
      }
      const tip = (await privateNode.status()).tipHash;
      await tipsAre(publicNodes, tip, 'every public node to switch to the released branch');
      // Each honest node's own report of the switch (its `reorg` event, back to the fork point: the
      // switch happens at the first released block with more work, the rest then simply extend it).
      await watch.until('every honest node to report its reorg', () =>
        honest.every((n) =>
          watch.reorgs.slice(reorgsBefore).some((r) => r.node === n.name && r.fork === fork.tipHash),
        ),
      );
    } else {
      await adopt(fork.height);
    }
    const reorgDepth: Record<string, number> = {};
    for (const n of honest) {
      const seen = watch.reorgs.slice(reorgsBefore).filter((r) => r.node === n.name);
      reorgDepth[n.name] = Math.max(0, ...seen.map((r) => r.depth));
    }
    const stillPaid = await Promise.all(honest.map((n) => n.tx(payId)));
    const spentBack = await Promise.all(honest.map((n) => n.tx(backId)));
    const succeeded =
      stillPaid.every((tx) => tx === undefined) && spentBack.every((tx) => tx?.status === 'confirmed');
    const failedCleanly =
      stillPaid.every((tx) => tx?.status === 'confirmed') && spentBack.every((tx) => tx === undefined);
    if (succeeded !== (ended === 'released') || (!succeeded && !failedCleanly)) {
      throw new Error(
        `trial ${t}: the chain does not show what the race predicts (${ended}; payment ` +
          `${JSON.stringify(stillPaid.map((x) => x?.status ?? 'gone'))}, double spend ` +
          `${JSON.stringify(spentBack.map((x) => x?.status ?? 'gone'))})`,
      );
    }
    const victimAfter = await merchant.balance(addr(who.victim));
    const trial: TrialResult = {
      trial: t,
      succeeded,
      ended,
      attackerBlocks: attacker,
      honestBlocks: honestCount,
      confirmations,
      reorgDepth,
      payment: payId,
      doubleSpend: backId,
      merchantBefore: victimBefore,
      merchantAfter: victimAfter,
    };
    trials.push(trial);
    if (t === 1 || trials.length <= 3) {
      narrator.step(
        succeeded
          ? `Trial ${t}: the payment vanished after ${confirmations} confirmations`
          : `Trial ${t}: the attack failed; the payment stands`,
        succeeded
          ? `The merchant's node (honest0) had the payment with ${confirmations} confirmations, then ` +
              `received the attacker's branch: ${attacker} blocks against the public ${honestCount}, more ` +
              `work, so it disconnected ${reorgDepth.honest0} blocks (its own reorg report) and connected ` +
              "the attacker's. The payment's block is gone; the payment cannot be mined again, because " +
              'the double spend with the same nonce is confirmed in its place. The merchant had ' +
              `${victimBefore + PAYMENT} base units with the payment and has ${victimAfter} now.`
          : `The public chain got ${honestCount - attacker} blocks ahead of the attacker's ` +
              `${attacker}-block branch; he gave up and his private node took the public chain. The ` +
              'double spend was never published; the payment stays confirmed.',
        { ...trial },
      );
    } else {
      narrator.note(
        `trial ${t}: ${succeeded ? 'succeeded' : `failed (${ended})`}, ${attacker} vs ${honestCount} blocks`,
      );
    }
  }

  const succeeded = trials.filter((t) => t.succeeded).length;
  const measured = wilsonInterval(succeeded, trials.length);
  const rules = { premine: opts.premine, giveUpBehind: Number.isFinite(giveUpBehind) ? giveUpBehind : null };
  // In the race's own terms (odds.ts counts the attacker's blocks from the payment on): with a pre-mined
  // block, "longer" is "as long as" from the payment on, and "giveUpBehind behind" one block further.
  const exact = doubleSpendRace(q, k, {
    lead: opts.premine ? 0 : 1,
    ...(Number.isFinite(giveUpBehind) ? { giveUpBehind: giveUpBehind + (opts.premine ? 1 : 0) } : {}),
  });
  const result: ShareResult = {
    share: q,
    confirmations: k,
    trials,
    succeeded,
    measured: { rate: measured.rate, low: measured.low, high: measured.high },
    nakamoto: nakamoto(q, k),
    rosenfeld: rosenfeld(q, k),
    exact,
    rules,
    exactInInterval: measured.low <= exact && exact <= measured.high,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  narrator.step(
    `${pct(q, 0)}: ${succeeded} of ${trials.length} double spends succeeded`,
    `Measured ${pct(measured.rate)} (95 % interval ${pct(measured.low)} … ${pct(measured.high)}). ` +
      `The papers' odds for ${pct(q, 0)} and ${k} confirmations: Nakamoto ${pct(result.nakamoto)}, ` +
      `Rosenfeld ${pct(result.rosenfeld)}${opts.premine ? ' (exact for an attacker who pre-mines one block and never gives up)' : ''}; ` +
      `the exact odds with this run's rules (${rules.giveUpBehind === null ? 'never giving up' : `giving up ${rules.giveUpBehind} blocks behind`}) ${pct(exact)}.`,
    { ...result, trials: undefined },
  );
  return result;
}
