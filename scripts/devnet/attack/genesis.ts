// The chains the attack scenarios run on: ordinary genesis files (no special consensus code, no regtest
// switch), written fresh for each run, that make blocks cheap enough for hundreds of them in a minute.
// Every node runs them with `cairn start --genesis FILE`, under exactly the rules it runs genesis.json with.
//
// Two variants, because the scenarios need opposite things from the difficulty rule:
//
//  'fixed'  (double-spend, selfish-mining) Every block must carry the same bits, so that a branch's work
//           is its length times one number, as in Nakamoto's, Rosenfeld's and Eyal and Sirer's models,
//           and two branches of equal length tie exactly (the node then keeps the one it saw first). The
//           genesis format has no "no retargeting" field (only the built-in regtest turns ASERT off), so
//           this chain keeps ASERT and gives it a half-life of 2^32 − 1 seconds (136 years). ASERT's
//           exponent is (seconds off schedule) · 65536 / half-life, truncated toward zero
//           (src/consensus/pow.ts, asertTarget): while the chain is less than 65,536 s (18 h) off its
//           schedule the exponent is 0 and every target is the anchor's, bit for bit. A run lasts minutes.
//  'asert'  (fake-chain, timestamp) Difficulty that moves quickly: a 20 s half-life on 1 s blocks, so an
//           honest chain mined as fast as the machine allows gets harder within seconds, a chain stamped
//           behind its schedule stays at the easy limit, and a timestamp lie visibly changes the next
//           target. The future limit is 10 s, ten blocks' worth (src/consensus/time.ts explains why the
//           limit scales with the spacing).
//
// Both fund the dev keys exactly as genesis.json does, so the dev wallets work on them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { genesisJson, makeChainParams } from '../../../src/consensus/params.js';
import { type ChainParams, MAX_U32 } from '../../../src/consensus/types.js';
import { loadParams } from '../../../src/node/params.js';

export type ChainKind = 'fixed' | 'asert';

/**
 * The easy proof-of-work limit of both variants: target 0x100000 · 2^(8·(0x1f − 3)) = 2^244, so a block
 * needs about 2^256 / 2^244 = 4,096 hashes: a few milliseconds of one core with the midstate miner, and
 * still a real search (genesis.json's limit is a thousand times harder; regtest's is one hash in two).
 */
export const ATTACK_POW_LIMIT_BITS = 0x1f10_0000;

/** How far in the past the genesis time is put: room for a chain stamped behind its schedule (fake-chain). */
export const GENESIS_AGE_SECONDS = 3 * 3600;

export function attackChainParams(kind: ChainKind, now: number): ChainParams {
  const base = loadParams(); // genesis.json: the prefix, subsidy, block size and the dev keys' funds
  return makeChainParams({
    ...base,
    network: `cairn-attack-${kind}`,
    // A new time for every run: a new genesis hash, so nodes of two runs can never mistake each other.
    genesisTime: now - GENESIS_AGE_SECONDS,
    targetSpacing: 1,
    asertHalfLife: kind === 'fixed' ? MAX_U32 : 20,
    powLimitBits: ATTACK_POW_LIMIT_BITS,
    noRetargeting: false,
    // Fixed bits: a timestamp buys a miner nothing, so a generous limit costs nothing (regtest has 2 h)
    // and leaves room for timestamps that run ahead of the clock when blocks come many a second (each
    // must be past the median of the last 11). ASERT: ten spacings, as genesis.json has twelve.
    maxFutureBlockTime: kind === 'fixed' ? 3600 : 10,
  });
}

/** Writes the params as a genesis file in `dir` and returns its path. */
export function writeGenesis(dir: string, params: ChainParams): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'genesis.json');
  writeFileSync(file, `${JSON.stringify(genesisJson(params), null, 2)}\n`);
  return file;
}
