// genesis.json, field by field (docs/PROTOCOL.md §2.1): reading the file's JSON into GenesisFields, the
// range and cross-field checks every chain's fields must pass, and writing the fields back out. Every
// failure is RuleError('BAD_GENESIS') with a message that names the field and says what was expected, so
// a learner editing their own genesis.json is told exactly what to fix.
//
// This is the bookkeeping half of the parameters. What the fields mean, how the genesis block commits to
// them and how ChainParams is built from them is in params.ts, which calls the checks here.
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
import { bitsHex, compactToTarget } from './pow.js';
import {
  ADDRESS_BYTES,
  type Allocation,
  BLOCK_OVERHEAD_BYTES,
  type GenesisFields,
  MAX_U32,
  MAX_U64,
  TX_BYTES,
} from './types.js';

/** The fields a genesis.json file holds, all required (`noRetargeting` is regtest's alone). */
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

/**
 * The fields of a parsed genesis.json, with every type checked. Any missing or unknown field throws
 * BAD_GENESIS naming it; ranges are checked later, by checkGenesisFields, for files and code alike.
 */
export function readGenesisFields(json: unknown): GenesisFields {
  if (!isRecord(json)) throw badGenesis(`the file must hold a JSON object, got ${describe(json)}`);
  for (const key of Object.keys(json)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw badGenesis(`unknown field "${key}" (expected only: ${FIELDS.join(', ')})`);
    }
  }
  const addressPrefix = readString(json, 'addressPrefix');
  checkPrefix(addressPrefix); // before the allocations' addresses are decoded with it
  return {
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
  };
}

/** The fields of a genesis.json file's text (a JSON syntax error is BAD_GENESIS too, not a SyntaxError). */
export function readGenesisText(text: string): GenesisFields {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw badGenesis(`the file is not valid JSON: ${(e as Error).message}`);
  }
  return readGenesisFields(json);
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

/**
 * Check every field of `f`; throws BAD_GENESIS naming the first field that is wrong. Returns the pow limit
 * (the target `powLimitBits` expand to), which the check has to compute anyway.
 */
export function checkGenesisFields(f: GenesisFields): bigint {
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
      `"powLimitBits" ${bitsHex(f.powLimitBits)} encode a target of zero, which no hash can meet`,
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
// Writing genesis.json.
// ---------------------------------------------------------------------------------------------------------

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
    powLimitBits: bitsHex(f.powLimitBits),
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
