// Chain parameters and the genesis block (docs/PROTOCOL.md §2).
//
// Everything that makes one Cairn chain different from another lives in genesis.json. It is parsed and
// checked ONCE, at start-up, into a deeply frozen ChainParams value that is passed down to whoever needs
// it: never a global, so a test can run two chains side by side. (Core: CChainParams, chainparams.cpp,
// where the values are compiled in; Cairn reads them from a file so a learner can start their own chain.)
//
// This file is the part worth reading: how the genesis block commits to every parameter, so that two
// chains with different rules can never mistake each other, and how regtest differs. Reading the file
// itself, field by field with a message naming whatever is wrong, is params-json.ts.
import { Writer } from './binary.js';
import { RuleError } from './errors.js';
import { blockHash, sha256 } from './hash.js';
import { checkGenesisFields, readGenesisFields, readGenesisText } from './params-json.js';
import {
  ADDRESS_BYTES,
  type Block,
  type BlockHeader,
  type ChainParams,
  type GenesisFields,
  HASH_BYTES,
  HEADER_VERSION,
} from './types.js';

// The file format's half, re-exported so `params.js` stays the one import for chain parameters.
export { genesisJson } from './params-json.js';
export type { GenesisFields } from './types.js';

/** Domain tag of the params commitment; bump the version if the encoding below ever changes. */
const COMMITMENT_TAG = 'cairn/genesis/v1';

// ---------------------------------------------------------------------------------------------------------
// The genesis block.
// ---------------------------------------------------------------------------------------------------------

const utf8 = new TextEncoder();
/** genesisTime … maxFutureBlockTime and the allocation count, as canonicalBytes writes them. */
const NUMBERS_BYTES = 3 * 8 + 4 + 1 + 8 + 3 * 8 + 4;

/**
 * The commitment's input (docs/PROTOCOL.md §2.2): every variable-length item carries a u32 length, so no
 * two different field lists can produce the same bytes ("ab"+"c" vs "a"+"bc").
 */
function canonicalBytes(f: GenesisFields): Uint8Array {
  const tag = utf8.encode(COMMITMENT_TAG);
  const network = utf8.encode(f.network);
  const prefix = utf8.encode(f.addressPrefix);
  const lengthPrefixedSize = (b: Uint8Array) => 4 + b.length;
  const allocationsSize = f.allocations.reduce((n, a) => n + lengthPrefixedSize(a.address) + 8, 0);
  const size =
    lengthPrefixedSize(tag) +
    lengthPrefixedSize(network) +
    lengthPrefixedSize(prefix) +
    NUMBERS_BYTES +
    allocationsSize;
  const w = new Writer(size, (message) => new RuleError('BAD_GENESIS', `genesis: ${message}`));
  const lengthPrefixed = (b: Uint8Array) => w.u32(b.length).raw(b);

  lengthPrefixed(tag);
  lengthPrefixed(network);
  lengthPrefixed(prefix);
  w.u64(BigInt(f.genesisTime));
  w.u64(BigInt(f.targetSpacing));
  w.u64(BigInt(f.asertHalfLife));
  w.u32(f.powLimitBits);
  w.u8(f.noRetargeting ? 1 : 0);
  w.u64(f.initialSubsidy);
  w.u64(BigInt(f.halvingInterval));
  w.u64(BigInt(f.maxBlockBytes));
  w.u64(BigInt(f.maxFutureBlockTime));
  w.u32(f.allocations.length);
  for (const a of f.allocations) {
    lengthPrefixed(a.address);
    w.u64(a.amount);
  }
  return w.finish();
}

/**
 * SHA-256 of a canonical, length-prefixed encoding of EVERY genesis field (tag first, then network,
 * prefix, the numbers, and the allocations in file order).
 *
 * Why: two different parameter files must give two different genesis hashes. The genesis hash goes into
 * every gossip topic and protocol id (/cairn/<genesis-hash-8-hex>/blocks/1), so nodes on different chains never
 * talk: they never subscribe to the same topics, and a status exchange with the wrong genesis is
 * WRONG_CHAIN. If only some fields were committed, two nodes could agree on the genesis hash while
 * disagreeing on (say) the halving interval, and would split the first time it mattered.
 */
export function paramsCommitment(fields: GenesisFields): Uint8Array {
  return sha256(canonicalBytes(fields));
}

/**
 * The genesis block: height 0, no parent, no txs, its txRoot slot holding the params commitment.
 * It is valid by definition, not mined: nobody checks its proof of work, just as Core hard-codes its
 * genesis block (CreateGenesisBlock in chainparams.cpp). Its txRoot is deliberately NOT the merkle root
 * of its (empty) tx list, another reason it never goes through block validation. The allocations are
 * credited by the state layer when it starts a chain, not by txs (there are none).
 */
export function buildGenesis(fields: GenesisFields): Block {
  const header: BlockHeader = {
    version: HEADER_VERSION,
    height: 0,
    prevHash: new Uint8Array(HASH_BYTES),
    txRoot: paramsCommitment(fields),
    miner: new Uint8Array(ADDRESS_BYTES),
    time: fields.genesisTime,
    bits: fields.powLimitBits,
    nonce: 0n,
  };
  return { header, txs: [] };
}

// ---------------------------------------------------------------------------------------------------------
// ChainParams.
// ---------------------------------------------------------------------------------------------------------

/**
 * Build a complete, validated, frozen ChainParams from its fields: expands the pow limit and builds the
 * genesis block and hash. Tests use it to make their own chains, e.g.
 * `makeChainParams({ ...params, asertHalfLife: 60 })`.
 */
export function makeChainParams(fields: GenesisFields): ChainParams {
  const powLimit = checkGenesisFields(fields);
  // Copy everything, so the frozen result shares no mutable object with the caller.
  const f: GenesisFields = {
    network: fields.network,
    addressPrefix: fields.addressPrefix,
    genesisTime: fields.genesisTime,
    targetSpacing: fields.targetSpacing,
    asertHalfLife: fields.asertHalfLife,
    powLimitBits: fields.powLimitBits,
    noRetargeting: fields.noRetargeting,
    initialSubsidy: fields.initialSubsidy,
    halvingInterval: fields.halvingInterval,
    maxBlockBytes: fields.maxBlockBytes,
    maxFutureBlockTime: fields.maxFutureBlockTime,
    allocations: fields.allocations.map((a) =>
      Object.freeze({ address: a.address.slice(), amount: a.amount }),
    ),
  };
  const genesis = buildGenesis(f);
  return deepFreeze({ ...f, powLimit, genesis, genesisHash: blockHash(genesis.header) });
}

/**
 * Freeze objects and arrays all the way down. Typed arrays cannot be frozen in JavaScript (their
 * contents are not properties); the `readonly` types guard them, and makeChainParams owns its copies.
 */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validate a parsed genesis.json and return the chain's frozen parameters. Any missing, unknown or
 * out-of-range field throws RuleError('BAD_GENESIS') naming the field and what was expected.
 */
export function parseChainParams(json: unknown): ChainParams {
  return makeChainParams(readGenesisFields(json));
}

/** Parse the text of a genesis.json file (a syntax error is BAD_GENESIS too, not a bare SyntaxError). */
export function loadChainParams(text: string): ChainParams {
  return makeChainParams(readGenesisText(text));
}

/** Regtest's proof-of-work limit: the easiest target compact bits can express (Core: regtest's powLimit). */
export const REGTEST_POW_LIMIT_BITS = 0x207f_ffff;

/**
 * The built-in regtest chain (`--regtest`, Core: CRegTestParams): the same allocations and address
 * prefix as `base`, so the dev keys are funded, but
 * - a trivial proof-of-work limit (about 1 hash in 2 meets it) and no retargeting (bits stay at the limit,
 *   Core: fPowNoRetargeting), for instant local mining;
 * - maxFutureBlockTime 2 h: fast mining runs timestamps ahead of the clock, and with no retargeting,
 *   lying about the time buys a miner nothing;
 * - halvingInterval 150, like Core's regtest, so tests can see halvings;
 * - network "regtest", hence its own genesis hash: a regtest node never talks to a devnet node.
 */
export function regtestParams(base: ChainParams): ChainParams {
  return makeChainParams({
    ...base,
    network: 'regtest',
    powLimitBits: REGTEST_POW_LIMIT_BITS,
    noRetargeting: true,
    maxFutureBlockTime: 7200,
    halvingInterval: 150,
  });
}
