// Timestamps: a block's time is whatever its miner writes, and ASERT sets the next block's difficulty from
// it (a chain whose blocks claim to be late gets easier). So the time is bounded on both sides
// (src/consensus/time.ts, checkBlockTime; Core: ContextualCheckBlockHeader's "time-too-old" and
// "time-too-new"):
//   - after the median time of the last 11 blocks (MTP): otherwise TIME_TOO_OLD, invalid forever;
//   - at most maxFutureBlockTime ahead of the checking node's clock: otherwise TIME_TOO_NEW, which is
//     TRANSIENT (docs/ARCHITECTURE.md §4): the node refuses the block now but neither marks it invalid
//     nor punishes whoever relayed it, because the same block becomes acceptable once its clock catches up.
//
// The devnet: honest0 and honest1 on the 'asert' test genesis (1 s blocks, a 20 s half-life, a 10 s
// future limit), an honest chain of a dozen blocks, then blocks made by the attacker outside any node
// (craft.ts: real proof of work, only the time chosen) handed to the honest nodes with POST /blocks:
//   1. stamped AT the median time past             → TIME_TOO_OLD; offered again: still refused;
//   2. stamped one second after it (before its parent!) → accepted: MTP, not the parent, is the bound;
//   3. stamped 5 s beyond the future limit          → TIME_TOO_NEW; not remembered; offered again each
//                                                    second, accepted once the clock has caught up;
//   4. stamped a day ahead                          → TIME_TOO_NEW, and never acceptable in this run.
// For each, what ASERT would have required of the next block had it been accepted, computed with the
// pure consensus function (src/consensus/pow.ts, requiredBits), against what an honest time gives.
import { encodeAddress } from '../../../src/consensus/address.js';
import { toHex } from '../../../src/consensus/bytes.js';
import { blockHash } from '../../../src/consensus/hash.js';
import { compactToTarget } from '../../../src/consensus/pow.js';
import type { Block, BlockHeader, ChainParams } from '../../../src/consensus/types.js';
import { sleep } from '../http.js';
import { type CommonOptions, roles, runScenario } from './common.js';
import { type BranchContext, bitsAfter, craftBlock, mtpOf } from './craft.js';
import { attackChainParams } from './genesis.js';
import { Lottery, Rng } from './lottery.js';
import type { Narrator } from './narrator.js';
import type { NodeClient, SubmitOutcome } from './net.js';

export type TimestampOptions = CommonOptions;

const NODES = ['honest0', 'honest1'] as const;
const HONEST_FAST = 30;
const HONEST_PACED = 11;
const HONEST_PACE_MS = 400;
/** How long case 3 may wait for the clock to catch up (the lie is 5 s past a 10 s limit). */
const CATCH_UP_MS = 40_000;

const now = () => Math.floor(Date.now() / 1000);
const answer = (r: SubmitOutcome) => (r.accepted ? r.status : r.code);

export interface TimestampCase {
  readonly name: string;
  readonly time: number;
  /** The block's time relative to the median time past, to its parent and to the node's clock then. */
  readonly vsMtp: number;
  readonly vsParent: number;
  readonly vsClock: number;
  /** What each honest node answered, in order. */
  readonly answers: readonly string[];
  /** The answer when offered again (case 1: again at once; case 3: after the clock caught up). */
  readonly again?: string;
  readonly acceptedAfterMs?: number;
  /** The next block's required bits had this block been accepted, and with an honest time instead. */
  readonly nextBits: string;
  readonly honestNextBits: string;
  /** How many times easier (>1) or harder (<1) the next block's target would be than with the honest time. */
  readonly nextTargetRatio: number;
  /** ASERT's factor for the lie before any clamping is 2 to this: (time − honest time) / half-life. */
  readonly asertDoublings: number;
}

export async function timestampAttack(opts: TimestampOptions, narrator: Narrator) {
  const params = attackChainParams('asert', now());
  narrator.start(
    'Timestamps: too old, too new, and what ASERT would have made of them',
    `A block's time is chosen by its miner, and ASERT makes the next block easier the later the chain ` +
      'claims to be. An attacker stamps blocks before the median of the last 11 block times, and beyond ' +
      `the ${params.maxFutureBlockTime} s future limit. Which are refused for good, which only for now, ` +
      'and what would the lie have bought?',
    {
      maxFutureBlockTime: params.maxFutureBlockTime,
      halfLife: params.asertHalfLife,
      spacing: params.targetSpacing,
    },
  );
  return runScenario(narrator, opts, { params, nodes: NODES }, async (net) => {
    const who = roles();
    const honest = [net.node('honest0'), net.node('honest1')] as const;
    const lottery = new Lottery([0.5, 0.5], new Rng(opts.seed));
    const tipsAre = (hash: string, what: string) => net.events.tipsAre(honest, hash, what);
    const mineHonest = async () => {
      const i = lottery.draw();
      const hash = await honest[i]!.mine(
        encodeAddress(who.honestMiners[i]!.addressHash, params.addressPrefix),
      );
      await tipsAre(hash, 'both honest nodes to take the new block');
      return hash;
    };
    // First as fast as the nodes can, ahead of the 1 s schedule, so ASERT raises the difficulty well above
    // the limit (or a lie that makes blocks easier would have nowhere to go); then paced, so that the last
    // 11 times spread over a few seconds and their median lies behind the tip.
    for (let i = 0; i < HONEST_FAST; i++) await mineHonest();
    for (let i = 0; i < HONEST_PACED; i++) {
      const started = Date.now();
      await mineHonest();
      await sleep(HONEST_PACE_MS - (Date.now() - started));
    }
    const start = await honest[0].status();
    const startBits = (await honest[0].block(start.tipHash))!.bits;
    narrator.step(
      `${HONEST_FAST + HONEST_PACED} honest blocks; the tip needed bits ${startBits}`,
      `Mined ahead of the one-block-a-second schedule, so ASERT made blocks ${fmt(
        Number(
          (compactToTarget(params.powLimitBits) * 1000n) / compactToTarget(Number.parseInt(startBits, 16)),
        ) / 1000,
      )}× harder than the easy limit. This is the chain the attacker builds on.`,
      { height: start.height, bits: startBits },
    );

    const cases: TimestampCase[] = [];
    const offer = (block: Block) => Promise.all(honest.map((n) => n.submit(block)));

    // 1. At the median time past: invalid.
    let ctx = await branchOf(honest[0]);
    const mtp = mtpOf(ctx);
    const old = craft(params, ctx, mtp, who.attacker.addressHash);
    const oldAnswers = await offer(old);
    const oldAgain = await honest[0].submit(old);
    cases.push(
      describe(params, ctx, 'at the median time past', old, oldAnswers.map(answer), answer(oldAgain)),
    );
    narrator.step(
      `Stamped at the median time past (${mtp}): ${answer(oldAnswers[0]!)}, for good`,
      `The median of the last 11 block times is ${mtp}; a block must be later than that. Both nodes ` +
        `refused it (${oldAnswers.map(answer).join(', ')}) and remembered it as invalid: offered again, ` +
        `honest0 answers ${answer(oldAgain)}. Had it been accepted, the next block would need bits ` +
        `${cases[0]!.nextBits} instead of ${cases[0]!.honestNextBits} (a target ${fmt(cases[0]!.nextTargetRatio)}× ` +
        'the honest one: a chain claiming to be earlier looks ahead of schedule, so it gets harder). The ' +
        'median, not the parent, is the bound because miners’ clocks disagree: one wrong clock cannot ' +
        'move it, and it only moves forward when most recent blocks agree that time has passed.',
      { ...cases[0] },
    );

    // 2. One second after the median: valid, though earlier than its parent.
    ctx = await branchOf(honest[0]);
    const early = craft(params, ctx, mtpOf(ctx) + 1, who.attacker.addressHash);
    const earlyAnswers = await offer(early);
    cases.push(
      describe(params, ctx, 'one second after the median time past', early, earlyAnswers.map(answer)),
    );
    await tipsAre(toHex(blockHash(early.header)), 'both honest nodes to take the early block');
    const behindParent = ctx.parent.time - early.header.time;
    narrator.step(
      `One second after the median (${early.header.time}, ${behindParent > 0 ? `${behindParent} s before its parent` : 'not before its parent'}): accepted`,
      `honest0 and honest1: ${earlyAnswers.map(answer).join(', ')}. A block may be stamped earlier than ` +
        'its parent; what matters is the median. ASERT reads the earlier time as the chain being ahead of ' +
        `schedule: the next block needs bits ${cases[1]!.nextBits} instead of ${cases[1]!.honestNextBits}.`,
      { ...cases[1] },
    );

    // 3. Beyond the future limit by 5 s: refused for now, accepted once the clock catches up.
    ctx = await branchOf(honest[0]);
    const offeredAt = Date.now();
    const future = craft(params, ctx, now() + params.maxFutureBlockTime + 5, who.attacker.addressHash);
    const futureAnswers = await offer(future);
    const futureHash = toHex(blockHash(future.header));
    const known = (await honest[0].block(futureHash)) !== undefined;
    let again: SubmitOutcome | undefined;
    const deadline = Date.now() + CATCH_UP_MS;
    for (;;) {
      again = await honest[0].submit(future);
      if (again.accepted || Date.now() > deadline) break;
      await sleep(1000);
    }
    const acceptedAfterMs = Date.now() - offeredAt;
    if (again.accepted) await tipsAre(futureHash, 'honest1 to take the once-future block from honest0');
    const futureCase = describe(
      params,
      ctx,
      'beyond the future limit',
      future,
      futureAnswers.map(answer),
      answer(again),
      Math.floor(offeredAt / 1000),
    );
    cases.push({ ...futureCase, acceptedAfterMs });
    // What the accepted lie did, as the nodes themselves now require it: mine the next block honestly.
    const next = again.accepted ? await honest[0].block(await mineHonest()) : undefined;
    narrator.step(
      `Stamped ${params.maxFutureBlockTime + 5} s ahead: ${answer(futureAnswers[0]!)} now, ${answer(again)} ${(acceptedAfterMs / 1000).toFixed(0)} s later`,
      `The future limit is ${params.maxFutureBlockTime} s past the node's own clock. TIME_TOO_NEW is ` +
        'transient: the node did not mark the block invalid (asked for it, it has ' +
        `${known ? 'a record' : 'no record'} of it) and would not punish a peer for relaying it, because ` +
        'the same block becomes valid once the clock catches up. Offered again every second, the very ' +
        `same bytes were accepted after ${(acceptedAfterMs / 1000).toFixed(0)} s. The lie bought a little: ` +
        `the next block needed bits ${next?.bits ?? futureCase.nextBits} (the node's own requirement) instead of ` +
        `${futureCase.honestNextBits}, a target ${fmt(futureCase.nextTargetRatio)}× easier. That is why the limit ` +
        `is a few spacings (Bitcoin: 2 h at 10-minute blocks; here ${params.maxFutureBlockTime} blocks' worth), not hours.`,
      { ...cases[2], nextBlockBits: next?.bits },
    );

    // 4. A day ahead: what ASERT would have done.
    ctx = await branchOf(honest[0]);
    const far = craft(params, ctx, now() + 86_400, who.attacker.addressHash);
    const farAnswers = await offer(far);
    cases.push(describe(params, ctx, 'a day ahead', far, farAnswers.map(answer)));
    narrator.step(
      `Stamped a day ahead: ${answer(farAnswers[0]!)}`,
      `Refused for now (and for a day). Had it been accepted, the chain would look about ` +
        `${86_400 / params.targetSpacing} blocks behind its schedule, and ASERT would multiply the next ` +
        `target by 2^${Math.round(cases[3]!.asertDoublings)} (a doubling per ${params.asertHalfLife} s), clamped at the chain's ` +
        `easiest target: bits ${cases[3]!.nextBits} instead of ${cases[3]!.honestNextBits}, ` +
        `${fmt(cases[3]!.nextTargetRatio)}× easier here, all the way down to the minimum (on a chain ` +
        'mined at a thousand times its limit, a thousand times easier). One lying miner could then mine ' +
        'the following blocks almost for free, and every honest miner would have to climb back.',
      { ...cases[3] },
    );

    const final = await Promise.all(honest.map((n) => n.status()));
    if (final[0]!.tipHash !== final[1]!.tipHash) throw new Error('the honest nodes disagree at the end');
    const result = { cases, finalHeight: final[0]!.height, maxFutureBlockTime: params.maxFutureBlockTime };
    narrator.result(
      'mixed',
      'Timestamps: both bounds hold, and one of them only for now',
      cases
        .map((c) => ` ${c.name.padEnd(40)} ${c.answers[0]!.padEnd(12)}${c.again ? ` then ${c.again}` : ''}`)
        .join('\n') +
        '\n\nA time before the median of the last 11 blocks is invalid on every node forever. A time beyond ' +
        'the future limit is refused only until the clock catches up (transient). Together they keep the ' +
        "chain's clock close to real time, and with it ASERT's schedule: a miner can shift the next " +
        `target by at most 2^(${params.maxFutureBlockTime}/${params.asertHalfLife}) = ` +
        `${fmt(2 ** (params.maxFutureBlockTime / params.asertHalfLife))}× by lying about the time.`,
      result,
    );
    return result;
  });
}

/** The honest tip's branch: parent, anchor and the last 11 times, from the node. */
async function branchOf(node: NodeClient): Promise<BranchContext> {
  const s = await node.status();
  const headers = await node.headers(Math.max(0, s.height - 10), 11);
  const parent = (await node.decoded(s.tipHash)).header;
  const anchor = s.height >= 1 ? (await node.decoded((await node.block(1))!.hash)).header : undefined;
  if (headers.at(-1)?.hash !== s.tipHash) throw new Error(`${node.name}'s tip moved while reading it`);
  return { parent, anchor, recentTimes: headers.map((h) => h.time) };
}

function craft(params: ChainParams, ctx: BranchContext, time: number, miner: Uint8Array): Block {
  return craftBlock(params, ctx, { miner, time });
}

function describe(
  params: ChainParams,
  ctx: BranchContext,
  name: string,
  block: Block,
  answers: readonly string[],
  again?: string,
  /** When it was first offered (unix seconds): what its time is compared with. */
  offeredAt = now(),
): TimestampCase {
  const honestTime = Math.max(offeredAt, mtpOf(ctx) + 1);
  const withLie = bitsAfter(params, { ...ctx, parent: block.header });
  const withHonest = bitsAfter(params, {
    ...ctx,
    parent: { ...block.header, time: honestTime } as BlockHeader,
  });
  return {
    name,
    time: block.header.time,
    vsMtp: block.header.time - mtpOf(ctx),
    vsParent: block.header.time - ctx.parent.time,
    vsClock: block.header.time - offeredAt,
    answers,
    ...(again !== undefined ? { again } : {}),
    nextBits: withLie.toString(16).padStart(8, '0'),
    honestNextBits: withHonest.toString(16).padStart(8, '0'),
    nextTargetRatio:
      Number((compactToTarget(withLie) * 1_000_000n) / compactToTarget(withHonest)) / 1_000_000,
    asertDoublings: (block.header.time - honestTime) / params.asertHalfLife,
  };
}

const fmt = (x: number) => (x >= 100 ? x.toExponential(2) : x.toFixed(x < 1 ? 3 : 2));
