// Selfish mining (Eyal and Sirer, "Majority is not Enough: Bitcoin Mining is Vulnerable", FC 2014): a
// pool that withholds the blocks it finds and releases them by the paper's Algorithm 1 earns a larger
// share of the main chain than its share of the hash power once that share is above (1 − γ)/(3 − 2γ).
//
// The devnet: two honest nodes (honest0, honest1) share 1 − α of the hash power equally; the pool has α
// and two nodes, `private` (its miner, cut off from every other node) and `attacker` (its public face,
// an ordinary connected node). A seeded lottery (lottery.ts) decides who finds each block; the winner's
// node mines it with POST /mine. The pool's strategy runs here, in the driver, reading nothing but what
// the real nodes report, and "publishing" a withheld block means handing it to `attacker` with POST
// /blocks, from where the real network relays it and every node's own fork choice decides.
//
// Algorithm 1 (the paper's), with Δ = length of the private branch − length of the public one before
// the new block:
//   pool finds a block:    append it to the private branch; if Δ = 0 and the branch is 2 long (the pool
//                          won a tie race), publish it all.
//   others find a block:   Δ = 0: adopt the public chain.  Δ = 1: publish the private block, a tie race.
//                          Δ = 2: publish all, the pool's branch is one longer and wins.
//                          Δ > 2: publish the first unpublished block (the honest chain still loses later).
//
// γ, the share of honest hash power that mines on the pool's block during a tie race, is whatever the
// network makes of it: the driver waits for each block to reach every node before drawing the next (the
// paper's model of a block interval much longer than propagation), so the honest block of a race has
// always reached every honest node before the pool's, and every Cairn node keeps the block it saw first on
// equal work (src/chain/process.ts, as Core). γ is measured (how many honest blocks found during a race
// built on the pool's block) and should come out 0.
import { encodeAddress } from '../../../src/consensus/address.js';
import { waitUntil } from '../../lib/devnet-process.js';
import { ratioInterval, selfishRevenue, selfishThreshold, wilsonInterval } from '../../lib/odds.js';
import { type CommonOptions, pct, roles, runScenario } from './common.js';
import { attackChainParams } from './genesis.js';
import { Lottery, Rng, seedFor } from './lottery.js';
import type { Narrator } from './narrator.js';
import type { AttackNet, NodeClient } from './net.js';
import { predictionInterval } from './selfish-model.js';

export interface SelfishOptions extends CommonOptions {
  /** The pool's shares of the hash power, one run each. */
  readonly alphas: readonly number[];
  /** Blocks found (by anyone) per share, before the run ends at the next moment with nothing withheld. */
  readonly blocks: number;
}

export const DEFAULT_SELFISH_ALPHAS = [0.25, 0.4] as const;
/**
 * Enough for the model's 95 % prediction interval to exclude α at both default shares with room to spare
 * (selfish-model.ts: at 3,000 blocks, 17.1 … 22.0 % for α = 25 % and 43.7 … 53.6 % for α = 40 %).
 */
export const DEFAULT_SELFISH_BLOCKS = 3000;

/** The measured outcome for one share. */
export interface SelfishShareResult {
  readonly alpha: number;
  /** Blocks found by anyone (the lottery's draws), including those that ended off the main chain. */
  readonly found: number;
  readonly foundByPool: number;
  /** Main-chain blocks of the run, from the real chain. */
  readonly mainChain: { readonly pool: number; readonly honest: number };
  /** The pool's share of the main chain, with its 95 % interval (regenerative method, over `cycles`). */
  readonly share: {
    readonly rate: number;
    readonly low: number;
    readonly high: number;
    readonly cycles: number;
  };
  /** Tie races, and how many of the honest blocks found in one built on the pool's block. */
  readonly gamma: {
    readonly races: number;
    readonly honestInRace: number;
    readonly onPoolBlock: number;
    readonly value: number;
    readonly high: number;
  };
  /** Eyal and Sirer's eq. (8) for α and the measured γ, and the threshold (1 − γ)/(3 − 2γ). */
  readonly formula: number;
  readonly threshold: number;
  /**
   * Where the pool's share of a run this long falls 95 % of the time if the network behaves as the
   * paper's model (selfish-model.ts, predictionInterval): the interval of the formula at this length.
   */
  readonly prediction: {
    readonly low: number;
    readonly high: number;
    readonly median: number;
    readonly runs: number;
  };
  /** The measured share is inside the prediction interval. */
  readonly measuredInPrediction: boolean;
  /** α (honest mining's share) is inside it too: the run is too short to tell them apart. */
  readonly alphaInPrediction: boolean;
  readonly seconds: number;
}

const NODES = ['honest0', 'honest1', 'attacker', 'private'] as const;

export async function selfishMining(opts: SelfishOptions, narrator: Narrator) {
  const now = Math.floor(Date.now() / 1000);
  const params = attackChainParams('fixed', now);
  narrator.start(
    'Selfish mining (Eyal and Sirer 2014)',
    `A pool withholds the blocks it finds and releases them by the paper's Algorithm 1, to waste the ` +
      `honest miners' work. For each pool share α (${opts.alphas.map((a) => pct(a, 0)).join(', ')}) the ` +
      `devnet finds ${opts.blocks} blocks; each block's finder is drawn by lottery with the hash shares as ` +
      `odds (seed ${opts.seed}) and that node really mines it. At the end we count whose blocks are on the ` +
      `main chain and compare the pool's share with the paper's formula and with α, what it would earn ` +
      'by mining honestly.',
    { alphas: opts.alphas, blocks: opts.blocks, seed: opts.seed },
  );
  return runScenario(narrator, opts, { params, nodes: NODES, isolated: ['private'] }, async (net) => {
    const results: SelfishShareResult[] = [];
    for (const alpha of opts.alphas)
      results.push(await runShare(net, alpha, opts.blocks, opts.seed, narrator));
    const lines = results.map(
      (r) =>
        ` α = ${pct(r.alpha, 0)}: the pool has ${pct(r.share.rate)} of the main chain ` +
        `(${r.mainChain.pool} of ${r.mainChain.pool + r.mainChain.honest} main-chain blocks, ${r.found} found). ` +
        `Eyal and Sirer's formula for γ = ${r.gamma.value}: ${pct(r.formula)}, and a run this long lands in ` +
        `${pct(r.prediction.low)} … ${pct(r.prediction.high)} 95 % of the time` +
        `${r.measuredInPrediction ? ' (this one did)' : ' (this one did NOT)'}; honest mining would earn ` +
        `${pct(r.alpha, 0)}${r.alphaInPrediction ? ', inside that interval too: too few blocks to tell them apart' : ', outside it'}.`,
    );
    const threshold = results[0]?.threshold ?? selfishThreshold(0);
    narrator.result(
      'measured',
      'Selfish mining: what the pool earned',
      `${lines.join('\n')}\n\nWith γ = 0 (every honest node had the honest block of a tie race first, and ` +
        `every node keeps the block it saw first), selfish mining pays only above α = ` +
        `${pct(threshold)}: below it the pool loses more of its own blocks in lost races than it makes ` +
        'the honest miners waste; above it, it earns more than its share, which is why the paper says ' +
        '"majority is not enough": a pool of a third of the hash power can steadily gain, and grow. ' +
        'The defence is not a rule of the node but the network: the smaller γ (the faster honest ' +
        'blocks spread, and the rule that a tie keeps the first-seen block), the higher the threshold.',
      { shares: results },
    );
    return { shares: results };
  });
}

/** One share's run on the running devnet, from wherever its chain is now. */
async function runShare(
  net: AttackNet,
  alpha: number,
  blocks: number,
  seed: number,
  narrator: Narrator,
): Promise<SelfishShareResult> {
  const started = Date.now();
  const who = roles();
  const address = (k: { addressHash: Uint8Array }) => encodeAddress(k.addressHash, net.params.addressPrefix);
  const poolAddress = address(who.attacker);
  const honest = [net.node('honest0'), net.node('honest1')];
  const honestAddresses = who.honestMiners.map(address);
  const gateway = net.node('attacker');
  const privateNode = net.node('private');
  const publicNodes = [...honest, gateway];
  const lottery = new Lottery([alpha, (1 - alpha) / 2, (1 - alpha) / 2], new Rng(seedFor(seed, alpha)));
  const startHeight = (await honest[0]!.status()).height;
  narrator.step(
    `α = ${pct(alpha, 0)}: the pool starts withholding at height ${startHeight}`,
    `The pool has ${pct(alpha, 0)} of the hash power, honest0 and honest1 ${pct((1 - alpha) / 2)} each.`,
    { alpha, startHeight },
  );

  // The pool's view, as Algorithm 1 keeps it.
  let privateBranch: string[] = []; // the pool's blocks since the last common block
  let published = 0; // how many of them are public
  let publicBranch: string[] = []; // the public chain's blocks since the last common block
  let race = false;
  const cycles: { x: number; y: number }[] = [];
  let races = 0;
  let honestInRace = 0;
  let onPoolBlock = 0;
  let found = 0;
  let foundByPool = 0;
  let longestLead = 0;

  const tipsAre = (nodes: NodeClient[], hash: string, what: string) => net.events.tipsAre(nodes, hash, what);
  const allHave = (nodes: NodeClient[], hash: string, what: string) =>
    waitUntil(what, async () =>
      (await Promise.all(nodes.map((n) => n.block(hash)))).every((b) => b !== undefined),
    );
  const publishUpTo = async (count: number) => {
    for (; published < count; published++) {
      const raw = (await privateNode.block(privateBranch[published]!))!.raw;
      const r = await gateway.submit(raw);
      if (!r.accepted) throw new Error(`the pool's public node refused its own block: ${r.message}`);
    }
  };
  // The pool gives up its branch and takes the public chain. Its private miner needs those blocks only
  // when it next mines, so they are handed over then (a run of honest blocks costs one hand-over).
  let toAdopt: string[] = [];
  const adopt = () => {
    toAdopt.push(...publicBranch);
    reset();
  };
  const handOver = async () => {
    for (const hash of toAdopt) {
      const raw = (await honest[0]!.block(hash))!.raw;
      const r = await privateNode.submit(raw);
      if (!r.accepted) throw new Error(`the pool's private node refused a public block: ${r.message}`);
    }
    if (toAdopt.length > 0)
      await tipsAre([privateNode], toAdopt.at(-1)!, "the pool's private node to adopt the public chain");
    toAdopt = [];
  };
  const reset = () => {
    privateBranch = [];
    published = 0;
    publicBranch = [];
    race = false;
  };

  while (found < blocks || privateBranch.length > 0 || race) {
    const winner = lottery.draw();
    found++;
    const lead = privateBranch.length - publicBranch.length; // Δprev
    if (winner === 0) {
      foundByPool++;
      await handOver();
      const hash = await privateNode.mine(poolAddress);
      privateBranch.push(hash);
      longestLead = Math.max(longestLead, privateBranch.length - publicBranch.length);
      if (race) {
        // The pool extends its side of a tie race: publish, and its branch is the longer one everywhere.
        await publishUpTo(privateBranch.length);
        await tipsAre(publicNodes, hash, 'every public node to take the pool’s branch after it won a race');
        cycles.push({ x: 2, y: 2 });
        reset();
      }
      continue;
    }
    const node = honest[winner - 1]!;
    const hash = await node.mine(honestAddresses[winner - 1]!);
    await tipsAre(publicNodes, hash, `every public node to take ${node.name}'s block`);
    if (race) {
      // An honest block ends the race: on the pool's block (counts towards γ) or on the honest one.
      honestInRace++;
      const parent = (await node.block(hash))!.prevHash;
      if (parent === privateBranch[0]) {
        onPoolBlock++;
        cycles.push({ x: 1, y: 2 });
        publicBranch = [privateBranch[0]!, hash];
      } else {
        cycles.push({ x: 0, y: 2 });
        publicBranch.push(hash);
      }
      adopt();
      continue;
    }
    publicBranch.push(hash);
    if (lead === 0) {
      cycles.push({ x: 0, y: 1 });
      adopt();
    } else if (lead === 1) {
      // Same length now: publish the withheld block and race.
      await publishUpTo(1);
      await allHave(publicNodes, privateBranch[0]!, 'every public node to have the pool’s racing block');
      race = true;
      races++;
    } else if (lead === 2) {
      // One ahead: publish everything, the public chain's newest blocks are orphaned.
      await publishUpTo(privateBranch.length);
      await tipsAre(publicNodes, privateBranch.at(-1)!, 'every public node to reorg to the pool’s branch');
      cycles.push({ x: privateBranch.length, y: privateBranch.length });
      reset();
    } else {
      // Far ahead: reveal one block to match, keeping the honest miners busy on a chain that will lose.
      await publishUpTo(published + 1);
      await allHave(
        publicNodes,
        privateBranch[published - 1]!,
        'every public node to have the revealed block',
      );
    }
    if (found % 250 === 0) narrator.note(`α = ${pct(alpha, 0)}: ${found} blocks found …`);
  }

  await handOver();
  // The real chain, counted: whose blocks are on the main chain every node now shares.
  const tip = await honest[0]!.status();
  for (const n of [...publicNodes, privateNode]) {
    const s = await n.status();
    if (s.tipHash !== tip.tipHash)
      throw new Error(`${n.name} is on ${s.tipHash}, not the common tip ${tip.tipHash}`);
  }
  let pool = 0;
  let honestBlocks = 0;
  for (let from = startHeight + 1; from <= tip.height; from += 1000) {
    const limit = Math.min(1000, tip.height - from + 1);
    for (const h of await honest[0]!.headers(from, limit)) {
      if (h.miner === poolAddress) pool++;
      else honestBlocks++;
    }
  }
  const expectedPool = cycles.reduce((a, c) => a + c.x, 0);
  const expectedTotal = cycles.reduce((a, c) => a + c.y, 0);
  if (pool !== expectedPool || pool + honestBlocks !== expectedTotal) {
    throw new Error(
      `the main chain has ${pool} pool and ${honestBlocks} honest blocks, but Algorithm 1's bookkeeping ` +
        `says ${expectedPool} of ${expectedTotal}: the network did not behave as the model assumes`,
    );
  }
  const share = ratioInterval(cycles);
  const gammaValue = honestInRace === 0 ? 0 : onPoolBlock / honestInRace;
  const gammaHigh = honestInRace === 0 ? 1 : wilsonInterval(onPoolBlock, honestInRace).high;
  const formula = selfishRevenue(alpha, gammaValue);
  const threshold = selfishThreshold(gammaValue);
  const prediction = predictionInterval(alpha, gammaValue, blocks);
  const inPrediction = (x: number) => prediction.low <= x && x <= prediction.high;
  const result: SelfishShareResult = {
    alpha,
    found,
    foundByPool,
    mainChain: { pool, honest: honestBlocks },
    share: { rate: share.rate, low: share.low, high: share.high, cycles: share.cycles },
    gamma: { races, honestInRace, onPoolBlock, value: gammaValue, high: gammaHigh },
    formula,
    threshold,
    prediction,
    measuredInPrediction: inPrediction(share.rate),
    alphaInPrediction: inPrediction(alpha),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  narrator.step(
    `α = ${pct(alpha, 0)}: the pool has ${pct(share.rate)} of the main chain (formula ${pct(formula)})`,
    `${found} blocks were found, ${foundByPool} of them by the pool; ${pool + honestBlocks} are on the ` +
      `main chain, ${pool} of them the pool's: ${pct(share.rate)} (its own 95 % interval, over ` +
      `${share.cycles} independent cycles between moments with nothing withheld: ${pct(share.low)} … ` +
      `${pct(share.high)}). Eyal and Sirer's eq. (8) for α = ${alpha} and γ = ${gammaValue} gives ` +
      `${pct(formula)}; in ${prediction.runs} runs of their model of this length the pool's share fell in ` +
      `${pct(prediction.low)} … ${pct(prediction.high)} 95 % of the time: the measurement is ` +
      `${result.measuredInPrediction ? 'inside' : 'OUTSIDE'}, and honest mining's ${pct(alpha, 0)} is ` +
      `${result.alphaInPrediction ? 'inside too (more blocks would tell them apart)' : 'outside'}. ` +
      `γ: ${races} tie races, in which the honest nodes found ${honestInRace} blocks, ${onPoolBlock} of them ` +
      `on the pool's block. The pool's longest private lead was ${longestLead} blocks.`,
    { ...result },
  );
  return result;
}
