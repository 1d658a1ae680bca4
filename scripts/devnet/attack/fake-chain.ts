// The fake chain: longer is not heavier. An attacker offers a chain with MORE blocks than the honest one
// but LESS work, hoping nodes count blocks. Nakamoto's paper says "longest chain", but meant the chain
// with the most proof-of-work ("the greatest proof-of-work effort invested in it", §4), and every node
// since compares cumulative work (Core: CBlockIndex::nChainWork; Cairn: src/chain/process.ts, fork choice
// by chainWork; the work of one block is 2^256 / (target + 1), src/consensus/pow.ts, workForTarget).
//
// The devnet: honest0 and honest1 mine a chain as fast as the machine allows, so ASERT (the 'asert' test
// genesis, 20 s half-life on 1 s blocks) makes each block several times harder than the easy limit. The
// attacker's node is cut off from them, and the attacker builds, outside any node, two fake chains:
//   1. a VALID one from genesis, every block at the easy limit: its times follow its own schedule exactly
//      (one block a second from long ago), so ASERT rightly leaves its difficulty at the limit. It has
//      more blocks than the honest chain and, by construction, a little less work.
//   2. an INVALID one on the honest tip, with easier bits than ASERT requires there (BAD_DIFFBITS), and
//      a block with bits easier than the chain's limit altogether (BAD_TARGET).
// Chain 1 goes to the attacker's node, which takes it as its main chain (it knows nothing better); then
// the attacker joins the network and announces it. Finally the attacker hands chain 1 and chain 2 to the
// honest nodes directly, block by block, as a peer would.
// Watched: every node's own reports (its `reorg` events, its tips) and its answers to each block.
import { encodeAddress } from '../../../src/consensus/address.js';
import { toHex } from '../../../src/consensus/bytes.js';
import { blockHash } from '../../../src/consensus/hash.js';
import { blockWork } from '../../../src/consensus/pow.js';
import type { BlockHeader } from '../../../src/consensus/types.js';
import { waitUntil } from '../../lib/devnet-process.js';
import { heal } from '../partition.js';
import { type CommonOptions, pct, roles, runScenario } from './common.js';
import { Branch, craftBlock } from './craft.js';
import { attackChainParams } from './genesis.js';
import { Lottery, Rng } from './lottery.js';
import type { Narrator } from './narrator.js';
import type { NodeClient } from './net.js';

export interface FakeChainOptions extends CommonOptions {
  /** Honest blocks mined before the attack (more if the fake chain would not be longer). */
  readonly honestBlocks: number;
}

export const DEFAULT_FAKE_CHAIN_HONEST_BLOCKS = 40;

const NODES = ['honest0', 'honest1', 'attacker'] as const;
/** Never build a fake chain longer than this (the honest chain would have to be absurdly heavy). */
const FAKE_BLOCKS_MAX = 5_000;

const hex = (h: BlockHeader) => toHex(blockHash(h));

export async function fakeChain(opts: FakeChainOptions, narrator: Narrator) {
  const params = attackChainParams('asert', Math.floor(Date.now() / 1000));
  narrator.start(
    'Fake chain: longer, but lighter',
    'An attacker offers the network a chain with more blocks than the honest one but less work, then ' +
      'blocks whose difficulty is easier than the rules allow. Nakamoto wrote "longest chain" but meant ' +
      'the chain with the most proof of work; every node compares work, not length. Watch every honest ' +
      'node refuse to switch.',
    { honestBlocks: opts.honestBlocks, seed: opts.seed },
  );
  return runScenario(narrator, opts, { params, nodes: NODES, isolated: ['attacker'] }, async (net) => {
    const who = roles();
    const honest = [net.node('honest0'), net.node('honest1')] as const;
    const attacker = net.node('attacker');
    const lottery = new Lottery([0.5, 0.5], new Rng(opts.seed));
    const watch = net.events;
    const tipsAre = (nodes: readonly NodeClient[], hash: string, what: string) =>
      net.events.tipsAre(nodes, hash, what);
    const mineHonest = async () => {
      const i = lottery.draw();
      const hash = await honest[i]!.mine(
        encodeAddress(who.honestMiners[i]!.addressHash, params.addressPrefix),
      );
      await tipsAre(honest, hash, 'both honest nodes to take the new block');
    };
    const limitWork = blockWork(params.powLimitBits);
    const genesisWork = limitWork;
    // 1. The honest chain, mined as fast as the nodes can: ahead of its 1 s schedule, so ASERT raises
    //    the difficulty above the limit.
    for (let i = 0; i < opts.honestBlocks; i++) await mineHonest();
    let honestTip = await honest[0].status();
    // The fake chain must be longer and lighter: n blocks at the limit with n·w + genesis < honest work.
    let fakeLength = 0;
    for (;;) {
      fakeLength = Number((BigInt(honestTip.chainWork) - genesisWork - 1n) / limitWork);
      if (fakeLength > honestTip.height) break;
      await mineHonest(); // the honest chain is not yet heavy enough per block: mine on
      honestTip = await honest[0].status();
    }
    if (fakeLength > FAKE_BLOCKS_MAX) fakeLength = FAKE_BLOCKS_MAX;
    const tipBlock = (await honest[0].block(honestTip.tipHash))!;
    const honestBits = Number.parseInt(tipBlock.bits, 16);
    narrator.step(
      `The honest chain: ${honestTip.height} blocks, work ${honestTip.chainWork}`,
      `Mined faster than its schedule of one block a second, so ASERT made each block harder: the tip ` +
        `needs bits ${tipBlock.bits}, ${ratio(blockWork(honestBits), limitWork)}× the work of a block at the ` +
        'easy limit.',
      { height: honestTip.height, chainWork: honestTip.chainWork, tipBits: tipBlock.bits },
    );

    // 2. The valid fake chain, from genesis, stamped on its own schedule long ago: ASERT keeps it at the limit.
    const fake = new Branch(params, [params.genesis.header]);
    for (let i = 1; i <= fakeLength; i++)
      fake.next({ miner: who.attacker.addressHash, time: params.genesisTime + i * params.targetSpacing });
    const fakeTip = fake.blocks.at(-1)!.header;
    const fakeWork = genesisWork + BigInt(fakeLength) * limitWork;
    for (const b of fake.blocks) {
      const r = await attacker.submit(b);
      if (!r.accepted || r.status !== 'connected')
        throw new Error(`the attacker's own node did not take its fake chain: ${JSON.stringify(r)}`);
    }
    const attackerState = await attacker.status();
    narrator.step(
      `The attacker's node holds a fake chain of ${fakeLength} blocks`,
      'Every block valid: its times follow its own schedule (one a second from genesis, long ago), so ' +
        'ASERT leaves it at the easy limit. It is ' +
        `${fakeLength - honestTip.height} blocks LONGER than the honest chain, with work ` +
        `${fakeWork} against ${honestTip.chainWork}: ${pct(Number((fakeWork * 10_000n) / BigInt(honestTip.chainWork)) / 10_000)} of it. ` +
        "Cut off from everyone, the attacker's node knows nothing better: this is its main chain.",
      { length: fakeLength, chainWork: fakeWork, attackerHeight: attackerState.height },
    );

    // 3. The attacker joins the network: it and the honest nodes exchange their tips and work.
    const reorgsBefore = watch.reorgs.length;
    await heal(net.state);
    await tipsAre([attacker], honestTip.tipHash, "the attacker's node to meet the honest chain");
    const attackersReorg = () => watch.reorgs.slice(reorgsBefore).find((r) => r.node === 'attacker');
    await watch.until("the attacker's node to report its reorg", () => attackersReorg() !== undefined);
    const attackerReorg = attackersReorg()!;
    for (const n of honest) {
      const s = await n.status();
      if (s.tipHash !== honestTip.tipHash) throw new Error(`${n.name} left the honest chain`);
    }
    narrator.step(
      'The attacker announces its chain; nobody takes it, not even its own node',
      `Connected, the nodes compare chain work, not height. The honest nodes' chain has more work, so ` +
        `they ignore the longer one. The attacker's own node, running the same rules, switched to the ` +
        `honest chain: it reported a reorg of depth ${attackerReorg.depth}, dropping all ` +
        `${fakeLength} of its blocks for ${honestTip.height} heavier ones.`,
      { attackerReorgDepth: attackerReorg.depth },
    );

    // 4. The attacker hands the fake chain to honest0 directly, block by block, as a peer would.
    const answers: Record<string, number> = {};
    for (const b of fake.blocks) {
      const r = await honest[0].submit(b);
      const key = r.accepted ? r.status : r.code;
      answers[key] = (answers[key] ?? 0) + 1;
    }
    await waitUntil(
      'honest1 to hear of the fake chain from honest0',
      async () => (await honest[1].block(hex(fakeTip))) !== undefined,
    );
    const tips = await Promise.all(honest.map((n) => n.tips()));
    const fakeTips = tips.map((t) => t.find((x) => x.hash === hex(fakeTip)));
    for (const [i, n] of honest.entries()) {
      const s = await n.status();
      if (s.tipHash !== honestTip.tipHash) throw new Error(`${n.name} switched to the fake chain`);
      if (!fakeTips[i]) throw new Error(`${n.name} does not list the fake chain among its tips`);
    }
    narrator.step(
      'Handed the whole fake chain, the honest nodes store it and stay put',
      `honest0 answered ${Object.entries(answers)
        .map(([k, v]) => `${v}× ${k}`)
        .join(', ')}: every block is valid, so it is kept, on a side branch, and relayed to honest1. ` +
        `Both list it among their chain tips (GET /chain/tips, Core's getchaintips) as ` +
        `"${fakeTips[0]!.status}", height ${fakeTips[0]!.height}, work ${fakeTips[0]!.chainWork}: ` +
        `higher, lighter, and never their main chain.`,
      { answers, fakeTip: fakeTips[0] },
    );

    // 5. Blocks whose bits are easier than the rules allow.
    const headers = await honest[0].headers(Math.max(0, honestTip.height - 10), 11);
    const parentHeader = (await honest[0].decoded(honestTip.tipHash)).header;
    const anchor = (await honest[0].decoded((await honest[0].block(1))!.hash)).header;
    const ctx = { parent: parentHeader, anchor, recentTimes: headers.map((h) => h.time) };
    const easy = craftBlock(params, ctx, {
      miner: who.attacker.addressHash,
      bits: params.powLimitBits,
      now: Math.floor(Date.now() / 1000),
    });
    const easyAnswers = await Promise.all(honest.map((n) => n.submit(easy)));
    const child = craftBlock(
      params,
      { parent: easy.header, anchor, recentTimes: [...ctx.recentTimes.slice(-10), easy.header.time] },
      { miner: who.attacker.addressHash, bits: params.powLimitBits, now: Math.floor(Date.now() / 1000) },
    );
    const childAnswer = await honest[0].submit(child);
    // Bits easier than the chain's proof-of-work limit: 0x2000ffff names a target 16 times the limit's (2^248 against 2^244).
    const beyond = craftBlock(params, ctx, {
      miner: who.attacker.addressHash,
      bits: 0x2000_ffff,
      now: Math.floor(Date.now() / 1000),
    });
    const beyondAnswer = await honest[0].submit(beyond);
    const codes = [...easyAnswers, childAnswer, beyondAnswer].map((a) => (a.accepted ? a.status : a.code));
    narrator.step(
      'Easier bits than the rules allow: refused outright',
      `A block on the honest tip claiming bits ${params.powLimitBits.toString(16)} (the easy limit) where ` +
        `ASERT requires ${tipBlock.bits}: honest0 ${codes[0]}, honest1 ${codes[1]} (the bits a block must ` +
        'carry are a rule, checked with the header before the body is even looked at; src/consensus/validation.ts, ' +
        `checkHeaderContext). Its child: ${codes[2]}, a block on an invalid block is invalid too. A block ` +
        `with bits easier than the chain's limit itself (0x2000ffff): ${codes[3]}, refused on its header ` +
        'alone (src/consensus/pow.ts, checkProofOfWork).',
      { easyBits: codes[0], easyBitsHonest1: codes[1], child: codes[2], beyondLimit: codes[3] },
    );

    // 6. The honest nodes mine on, on their own chain.
    await mineHonest();
    const final = await Promise.all([...honest, attacker].map((n) => n.status()));
    if (new Set(final.map((s) => s.tipHash)).size !== 1) throw new Error('the nodes do not agree at the end');
    const honestReorgs = watch.reorgs.filter((r) => r.node !== 'attacker');
    const result = {
      honest: { height: honestTip.height, chainWork: honestTip.chainWork, tipBits: tipBlock.bits },
      fake: { length: fakeLength, chainWork: fakeWork, tipHash: hex(fakeTip), tips: fakeTips },
      attackerReorgDepth: attackerReorg.depth,
      handedToHonest0: answers,
      easyBits: { honest0: codes[0], honest1: codes[1], child: codes[2], beyondLimit: codes[3] },
      honestReorgs: honestReorgs.length,
      finalHeight: final[0]!.height,
      finalTip: final[0]!.tipHash,
    };
    narrator.result(
      honestReorgs.length === 0 ? 'failed' : 'succeeded',
      honestReorgs.length === 0
        ? 'Fake chain: no honest node ever left the heaviest chain'
        : 'Fake chain: an honest node switched branches',
      `Heaviest work, not longest chain:\n` +
        ` honest chain   height ${String(honestTip.height).padStart(5)}   work ${honestTip.chainWork}   the main chain everywhere\n` +
        ` fake chain     height ${String(fakeLength).padStart(5)}   work ${fakeWork}   stored, never connected\n` +
        ` easier bits    refused: ${codes[0]} (then ${codes[2]} for its child), ${codes[3]} beyond the limit\n\n` +
        `Honest nodes reported ${honestReorgs.length} reorgs during the attack. Counting blocks would have ` +
        'let anyone rewrite history with cheap blocks (a chain stamped on its own schedule keeps its ' +
        'difficulty at the minimum); counting work makes a rewrite cost what the honest chain cost.',
      result,
    );
    return result;
  });
}

/** a / b as a decimal with one digit, for work ratios. */
function ratio(a: bigint, b: bigint): string {
  return (Number((a * 10n) / b) / 10).toFixed(1);
}
