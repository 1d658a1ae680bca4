// Chain parameters and the genesis block (DESIGN.md §2 "Parameters").
//
// Everything that makes one Cairn chain different from another lives in genesis.json. It is parsed and
// checked ONCE, at start-up, into a deeply frozen ChainParams value that is passed down to whoever needs
// it: never a global, so a test can run two chains side by side. (Core: CChainParams, chainparams.cpp,
// where the values are compiled in; Cairn reads them from a file so a learner can start their own chain.)
//
// genesis.json (amounts are decimal strings of base units, because JSON numbers lose precision past
// 2^53; bits are a "0x…" hex string, because compact bits are only readable in hex):
//
//   { "network": "cairn-devnet", "addressPrefix": "cairn", "genesisTime": 1764115200,
//     "targetSpacing": 10, "asertHalfLife": 300, "powLimitBits": "0x1e040000",
//     "initialSubsidy": "5000000000", "halvingInterval": 100000, "maxBlockBytes": 1000000,
//     "maxFutureBlockTime": 120,
//     "allocations": [{ "address": "cairn1…", "amount": "100000000000000" }, …] }
import { decodeAddress, encodeAddress } from './address.js';
import { isRuleError, RuleError } from './errors.js';
import { blockHash, sha256 } from './hash.js';
import { compactToTarget } from './pow.js';
import {
  ADDRESS_BYTES,
  type Allocation,
  BLOCK_OVERHEAD_BYTES,
  type Block,
  type BlockHeader,
  type ChainParams,
  HASH_BYTES,
  HEADER_VERSION,
  MAX_U32,
  MAX_U64,
  TX_BYTES,
} from './types.js';

/** The fields genesis.json fixes (everything in ChainParams that is not derived from the others). */
export type GenesisFields = Omit<ChainParams, 'powLimit' | 'genesis' | 'genesisHash'>;

/** Domain tag of the params commitment; bump the version if the encoding below ever changes. */
const COMMITMENT_TAG = 'cairn/genesis/v1';

const FIELDS = [
  'network',
  'addressPrefix',
  'genesisTime',
  'targetSpacing',
  'asertHalfLife',
  'powLimitBits',
  'initialSubsidy',
  'halvingInterval',
  'maxBlockBytes',
  'maxFutureBlockTime',
  'allocations',
] as const;

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function badGenesis(message: string): RuleError {
  return new RuleError('BAD_GENESIS', `genesis: ${message}`);
}

// ---------------------------------------------------------------------------------------------------------
// Reading genesis.json: shape and types. Every message names the field and what was expected.
// ---------------------------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function readString(obj: Record<string, unknown>, field: string): string {
  const v = obj[field];
  if (typeof v !== 'string') throw badGenesis(`"${field}" must be a string, got ${describe(v)}`);
  return v;
}

function readInteger(obj: Record<string, unknown>, field: string): number {
  const v = obj[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw badGenesis(`"${field}" must be a whole JSON number (not a string), got ${describe(v)}`);
  }
  return v;
}

/** Amounts are decimal strings of base units: exact, unlike JSON numbers past 2^53. */
function readAmount(v: unknown, field: string): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v)) {
    throw badGenesis(
      `"${field}" must be a decimal string of base units like "5000000000" (1 coin = 100000000), got ${describe(v)}`,
    );
  }
  const amount = BigInt(v);
  if (amount > MAX_U64) throw badGenesis(`"${field}" is ${v}, more than a u64 holds (${MAX_U64})`);
  return amount;
}

function readBits(obj: Record<string, unknown>, field: string): number {
  const v = obj[field];
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,8}$/.test(v)) {
    throw badGenesis(`"${field}" must be a hex string of compact bits like "0x1e040000", got ${describe(v)}`);
  }
  return Number.parseInt(v.slice(2), 16);
}

function readAllocations(obj: Record<string, unknown>, hrp: string): Allocation[] {
  const list = obj.allocations;
  if (!Array.isArray(list)) {
    throw badGenesis(`"allocations" must be an array of {"address", "amount"}, got ${describe(list)}`);
  }
  return list.map((entry: unknown, i) => {
    const where = `allocations[${i}]`;
    if (!isRecord(entry))
      throw badGenesis(`"${where}" must be an object {"address", "amount"}, got ${describe(entry)}`);
    for (const key of Object.keys(entry)) {
      if (key !== 'address' && key !== 'amount') throw badGenesis(`"${where}" has an unknown field "${key}"`);
    }
    const text = entry.address;
    if (typeof text !== 'string')
      throw badGenesis(`"${where}.address" must be a string, got ${describe(text)}`);
    let address: Uint8Array;
    try {
      address = decodeAddress(text, hrp);
    } catch (e) {
      throw badGenesis(`"${where}.address": ${(e as Error).message}`);
    }
    return { address, amount: readAmount(entry.amount, `${where}.amount`) };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Ranges and cross-field rules, shared by files and by params built in code (tests, regtest).
// ---------------------------------------------------------------------------------------------------------

function checkRange(field: string, v: number, min: number, max: number, why = ''): void {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw badGenesis(`"${field}" must be an integer from ${min} to ${max}${why}, got ${v}`);
  }
}

/**
 * A bech32 prefix may be any printable ASCII, but addresses must be unambiguous to read and type:
 * lowercase letters and digits, starting with a letter, short enough for a 90-character address, and
 * without "1", the separator (legal in a prefix, since the LAST "1" separates, but easy to misread).
 */
function checkPrefix(prefix: string): void {
  if (!/^[a-z][a-z02-9]{0,19}$/.test(prefix)) {
    throw badGenesis(
      `"addressPrefix" must be 1 to 20 lowercase letters or digits other than 1, starting with a letter, got "${prefix}"`,
    );
  }
}

/** Check every field of `f`; throws BAD_GENESIS naming the first field that is wrong. */
function checkFields(f: GenesisFields): bigint {
  if (!/^[\x21-\x7e]{1,64}$/.test(f.network)) {
    throw badGenesis(
      `"network" must be 1 to 64 printable ASCII characters without spaces, got "${f.network}"`,
    );
  }
  checkPrefix(f.addressPrefix);
  checkRange('genesisTime', f.genesisTime, 1, Number.MAX_SAFE_INTEGER, ' (unix seconds)');
  checkRange('targetSpacing', f.targetSpacing, 1, MAX_U32, ' (seconds)');
  checkRange('asertHalfLife', f.asertHalfLife, 1, MAX_U32, ' (seconds)');
  checkRange('powLimitBits', f.powLimitBits, 0, MAX_U32);
  let powLimit: bigint;
  try {
    powLimit = compactToTarget(f.powLimitBits);
  } catch (e) {
    if (!isRuleError(e)) throw e;
    throw badGenesis(`"powLimitBits" is not a usable proof-of-work limit: ${e.message}`);
  }
  if (powLimit === 0n) {
    throw badGenesis(
      `"powLimitBits" 0x${hex32(f.powLimitBits)} encode a target of zero, which no hash can meet`,
    );
  }
  if (f.initialSubsidy < 1n || f.initialSubsidy > MAX_U64) {
    throw badGenesis(`"initialSubsidy" must be from 1 to ${MAX_U64} base units, got ${f.initialSubsidy}`);
  }
  checkRange('halvingInterval', f.halvingInterval, 1, MAX_U32, ' (blocks)');
  checkRange(
    'maxBlockBytes',
    f.maxBlockBytes,
    BLOCK_OVERHEAD_BYTES + TX_BYTES,
    MAX_U32,
    ' (a block must fit its header, tx count and at least one tx)',
  );
  checkRange('maxFutureBlockTime', f.maxFutureBlockTime, 1, MAX_U32, ' (seconds)');

  const seen = new Set<string>();
  let total = 0n;
  f.allocations.forEach((a, i) => {
    if (a.address.length !== ADDRESS_BYTES) {
      throw badGenesis(`"allocations[${i}].address" must be ${ADDRESS_BYTES} bytes, got ${a.address.length}`);
    }
    const shown = encodeAddress(a.address, f.addressPrefix);
    if (a.amount < 1n)
      throw badGenesis(`"allocations[${i}].amount" must be at least 1 base unit, got ${a.amount}`);
    if (seen.has(shown)) {
      throw badGenesis(
        `"allocations[${i}].address" ${shown} appears twice; give each address one allocation`,
      );
    }
    seen.add(shown);
    total += a.amount;
  });
  if (total > MAX_U64) {
    throw badGenesis(`"allocations" sum to ${total} base units, more than a u64 holds (${MAX_U64})`);
  }
  return powLimit;
}

// ---------------------------------------------------------------------------------------------------------
// The genesis block.
// ---------------------------------------------------------------------------------------------------------

/** A length-prefixed binary writer: every variable-length item carries its length, so no two
 * different field lists can produce the same bytes ("ab"+"c" vs "a"+"bc"). */
function canonicalBytes(f: GenesisFields): Uint8Array {
  const parts: number[] = [];
  const u8 = (v: number) => parts.push(v & 0xff);
  const u32 = (v: number) => parts.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  const u64 = (v: bigint) => {
    for (let shift = 56n; shift >= 0n; shift -= 8n) parts.push(Number((v >> shift) & 0xffn));
  };
  const bytes = (b: Uint8Array) => {
    u32(b.length);
    for (const x of b) parts.push(x);
  };
  const text = (s: string) => bytes(new TextEncoder().encode(s));

  text(COMMITMENT_TAG);
  text(f.network);
  text(f.addressPrefix);
  u64(BigInt(f.genesisTime));
  u64(BigInt(f.targetSpacing));
  u64(BigInt(f.asertHalfLife));
  u32(f.powLimitBits);
  u8(f.noRetargeting ? 1 : 0);
  u64(f.initialSubsidy);
  u64(BigInt(f.halvingInterval));
  u64(BigInt(f.maxBlockBytes));
  u64(BigInt(f.maxFutureBlockTime));
  u32(f.allocations.length);
  for (const a of f.allocations) {
    bytes(a.address);
    u64(a.amount);
  }
  return Uint8Array.from(parts);
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

/**
 * Build a complete, validated, frozen ChainParams from its fields: expands the pow limit and builds the
 * genesis block and hash. Tests use it to make their own chains, e.g.
 * `makeChainParams({ ...params, asertHalfLife: 60 })`.
 */
export function makeChainParams(fields: GenesisFields): ChainParams {
  const powLimit = checkFields(fields);
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
  if (!isRecord(json)) throw badGenesis(`the file must hold a JSON object, got ${describe(json)}`);
  for (const key of Object.keys(json)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw badGenesis(`unknown field "${key}" (expected only: ${FIELDS.join(', ')})`);
    }
  }
  const addressPrefix = readString(json, 'addressPrefix');
  checkPrefix(addressPrefix); // before the allocations' addresses are decoded with it
  return makeChainParams({
    network: readString(json, 'network'),
    addressPrefix,
    genesisTime: readInteger(json, 'genesisTime'),
    targetSpacing: readInteger(json, 'targetSpacing'),
    asertHalfLife: readInteger(json, 'asertHalfLife'),
    powLimitBits: readBits(json, 'powLimitBits'),
    // Retargeting is a consensus rule, not a knob: only the built-in regtest turns it off.
    noRetargeting: false,
    initialSubsidy: readAmount(json.initialSubsidy, 'initialSubsidy'),
    halvingInterval: readInteger(json, 'halvingInterval'),
    maxBlockBytes: readInteger(json, 'maxBlockBytes'),
    maxFutureBlockTime: readInteger(json, 'maxFutureBlockTime'),
    allocations: readAllocations(json, addressPrefix),
  });
}

/** Parse the text of a genesis.json file (a syntax error is BAD_GENESIS too, not a bare SyntaxError). */
export function loadChainParams(text: string): ChainParams {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw badGenesis(`the file is not valid JSON: ${(e as Error).message}`);
  }
  return parseChainParams(json);
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

/**
 * The genesis.json form of the file's fields (scripts/gen-genesis.ts writes it). `noRetargeting` has no
 * place in a file, so params with it set (regtest) cannot be written out.
 */
export function genesisJson(f: GenesisFields): Record<string, unknown> {
  if (f.noRetargeting)
    throw badGenesis('"noRetargeting" params (regtest) are built in, not written to a file');
  return {
    network: f.network,
    addressPrefix: f.addressPrefix,
    genesisTime: f.genesisTime,
    targetSpacing: f.targetSpacing,
    asertHalfLife: f.asertHalfLife,
    powLimitBits: `0x${hex32(f.powLimitBits)}`,
    initialSubsidy: f.initialSubsidy.toString(),
    halvingInterval: f.halvingInterval,
    maxBlockBytes: f.maxBlockBytes,
    maxFutureBlockTime: f.maxFutureBlockTime,
    allocations: f.allocations.map((a) => ({
      address: encodeAddress(a.address, f.addressPrefix),
      amount: a.amount.toString(),
    })),
  };
}
