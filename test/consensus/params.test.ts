import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { devnetGenesisText } from '../../scripts/gen-genesis.js';
import { decodeAddress, encodeAddress } from '../../src/consensus/address.js';
import { toHex } from '../../src/consensus/bytes.js';
import { isRuleError, type RuleError } from '../../src/consensus/errors.js';
import { blockHash, sha256 } from '../../src/consensus/hash.js';
import {
  buildGenesis,
  type GenesisFields,
  genesisJson,
  loadChainParams,
  makeChainParams,
  paramsCommitment,
  parseChainParams,
  regtestParams,
} from '../../src/consensus/params.js';
import { compactToTarget } from '../../src/consensus/pow.js';
import type { ChainParams } from '../../src/consensus/types.js';
import { devKeys } from '../../wallet/dev-keys.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fileText = readFileSync(join(root, 'genesis.json'), 'utf8');
const fileJson = JSON.parse(fileText) as Record<string, unknown>;
const devnet = loadChainParams(fileText);

/** A fresh copy of genesis.json's object with `patch` applied (undefined deletes the field). */
function variant(patch: Record<string, unknown>): Record<string, unknown> {
  const json = structuredClone(fileJson);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete json[k];
    else json[k] = v;
  }
  return json;
}

function badGenesis(json: unknown): RuleError {
  try {
    parseChainParams(json);
  } catch (e) {
    if (isRuleError(e) && e.code === 'BAD_GENESIS') return e;
    throw e;
  }
  throw new Error(`accepted, but should have been rejected: ${JSON.stringify(json)}`);
}

const otherAddress = (i: number) => encodeAddress(sha256(Uint8Array.of(i)).subarray(0, 20), 'cairn');

describe('genesis.json (the devnet)', () => {
  it('parses into the documented values', () => {
    expect(devnet.network).toBe('cairn-devnet');
    expect(devnet.addressPrefix).toBe('cairn');
    expect(devnet.genesisTime).toBe(1764115200);
    expect(devnet.targetSpacing).toBe(10);
    expect(devnet.asertHalfLife).toBe(300);
    expect(devnet.powLimitBits).toBe(0x1e040000);
    expect(devnet.powLimit).toBe(2n ** 234n);
    expect(devnet.noRetargeting).toBe(false);
    expect(devnet.initialSubsidy).toBe(5_000_000_000n);
    expect(devnet.halvingInterval).toBe(100000);
    expect(devnet.maxBlockBytes).toBe(1000000);
    expect(devnet.maxFutureBlockTime).toBe(120);
  });

  it('allocates exactly 1,000,000 coins to each dev key, in order', () => {
    const keys = devKeys();
    expect(devnet.allocations.map((a) => toHex(a.address))).toEqual(keys.map((k) => toHex(k.addressHash)));
    expect(devnet.allocations.every((a) => a.amount === 100_000_000_000_000n)).toBe(true);
  });

  it('is what scripts/gen-genesis.ts generates, byte for byte', () => {
    expect(devnetGenesisText()).toBe(fileText);
  });

  it('the genesis block is the documented header with no txs', () => {
    const { header, txs } = devnet.genesis;
    expect(txs).toEqual([]);
    expect(header.version).toBe(1);
    expect(header.height).toBe(0);
    expect(header.prevHash).toEqual(new Uint8Array(32));
    expect(header.miner).toEqual(new Uint8Array(20));
    expect(header.time).toBe(devnet.genesisTime);
    expect(header.bits).toBe(devnet.powLimitBits);
    expect(header.nonce).toBe(0n);
    expect(header.txRoot).toEqual(paramsCommitment(devnet));
    expect(devnet.genesisHash).toEqual(blockHash(header));
    expect(buildGenesis(devnet)).toEqual(devnet.genesis);
  });

  it('is deeply frozen', () => {
    const p = devnet as unknown as Record<string, unknown>;
    expect(Object.isFrozen(devnet)).toBe(true);
    expect(Object.isFrozen(devnet.allocations)).toBe(true);
    expect(devnet.allocations.every((a) => Object.isFrozen(a))).toBe(true);
    expect(Object.isFrozen(devnet.genesis)).toBe(true);
    expect(Object.isFrozen(devnet.genesis.header)).toBe(true);
    expect(Object.isFrozen(devnet.genesis.txs)).toBe(true);
    expect(() => {
      p.network = 'x';
    }).toThrow(TypeError);
  });

  it('round-trips through genesisJson', () => {
    expect(genesisJson(devnet)).toEqual(fileJson);
    expect(toHex(parseChainParams(genesisJson(devnet)).genesisHash)).toBe(toHex(devnet.genesisHash));
  });
});

describe('the genesis hash commits to every field', () => {
  const changes: Record<string, unknown>[] = [
    { network: 'cairn-devnet2' },
    { addressPrefix: 'tcairn', allocations: [] },
    { genesisTime: 1764115201 },
    { targetSpacing: 11 },
    { asertHalfLife: 301 },
    { powLimitBits: '0x1e030000' },
    { initialSubsidy: '5000000001' },
    { halvingInterval: 100001 },
    { maxBlockBytes: 1000001 },
    { maxFutureBlockTime: 121 },
    { allocations: [] },
    { allocations: (fileJson.allocations as unknown[]).slice().reverse() },
    { allocations: [{ ...(fileJson.allocations as object[])[0], amount: '100000000000001' }] },
    { allocations: [{ address: otherAddress(1), amount: '100000000000000' }] },
  ];
  it('changing any one field changes the genesis hash', () => {
    const hashes = new Set([toHex(devnet.genesisHash)]);
    // The prefix alone changes nothing else in the JSON when there are no allocations to re-encode.
    hashes.add(toHex(parseChainParams(variant({ allocations: [], addressPrefix: 'cairnx' })).genesisHash));
    for (const c of changes) hashes.add(toHex(parseChainParams(variant(c)).genesisHash));
    expect(hashes.size).toBe(changes.length + 2);
  });

  it('is length-prefixed: moving characters between network and prefix changes it', () => {
    const fields = { ...devnet, allocations: [] };
    const a = paramsCommitment({ ...fields, network: 'cairn-devnetc', addressPrefix: 'airn' });
    const b = paramsCommitment({ ...fields, network: 'cairn-devnet', addressPrefix: 'cairn' });
    expect(toHex(a)).not.toBe(toHex(b));
  });

  it('commits to noRetargeting', () => {
    expect(toHex(paramsCommitment({ ...devnet, noRetargeting: true }))).not.toBe(
      toHex(paramsCommitment(devnet)),
    );
  });
});

describe('parseChainParams rejects bad files with BAD_GENESIS naming the field', () => {
  const FIELDS = Object.keys(fileJson);

  it('every missing field', () => {
    for (const field of FIELDS)
      expect(badGenesis(variant({ [field]: undefined })).message).toContain(`"${field}"`);
  });

  it('wrong types', () => {
    for (const [field, value] of [
      ['network', 7],
      ['addressPrefix', null],
      ['genesisTime', '1764115200'],
      ['targetSpacing', 1.5],
      ['asertHalfLife', true],
      ['powLimitBits', 0x1e040000],
      ['initialSubsidy', 5000000000],
      ['halvingInterval', []],
      ['maxBlockBytes', {}],
      ['maxFutureBlockTime', '120'],
      ['allocations', {}],
    ] as const) {
      expect(badGenesis(variant({ [field]: value })).message, field).toContain(`"${field}"`);
    }
  });

  it('out-of-range values', () => {
    for (const [field, value] of [
      ['network', ''],
      ['network', 'has space'],
      ['addressPrefix', 'Cairn'],
      ['addressPrefix', 'cairn1'],
      ['addressPrefix', ''],
      ['genesisTime', 0],
      ['genesisTime', -5],
      ['targetSpacing', 0],
      ['asertHalfLife', 0],
      ['asertHalfLife', 2 ** 32],
      ['initialSubsidy', '0'],
      ['initialSubsidy', '18446744073709551616'],
      ['initialSubsidy', '-1'],
      ['initialSubsidy', '050'],
      ['initialSubsidy', '1e9'],
      ['halvingInterval', 0],
      ['maxBlockBytes', 257],
      ['maxFutureBlockTime', 0],
      ['powLimitBits', '1e040000'],
      ['powLimitBits', '0x1e0400000'],
      ['powLimitBits', '0xzz'],
    ] as const) {
      expect(badGenesis(variant({ [field]: value })).message, `${field} = ${value}`).toContain(`"${field}"`);
    }
  });

  it('proof-of-work limits that are not a positive target', () => {
    for (const bits of ['0x1e840000', '0x1e000000', '0x00000000', '0xff123456', '0x22010000']) {
      expect(badGenesis(variant({ powLimitBits: bits })).message, bits).toContain('"powLimitBits"');
    }
    // The easiest limit compact bits can express (regtest's) is fine in a file too.
    expect(parseChainParams(variant({ powLimitBits: '0x207fffff' })).powLimit).toBe(
      compactToTarget(0x207fffff),
    );
  });

  it('allocations: bad address, other chain, duplicate, zero, overflow, unknown keys', () => {
    const allocs = fileJson.allocations as { address: string; amount: string }[];
    const first = allocs[0]!;
    const cases: [unknown, RegExp][] = [
      [
        [{ ...first, address: `${first.address.slice(0, -1)}${first.address.endsWith('q') ? 'p' : 'q'}` }],
        /allocations\[0\]\.address.*checksum/,
      ],
      [[{ ...first, address: encodeAddress(new Uint8Array(20), 'other') }], /another chain/],
      [[first, allocs[1], first], /allocations\[2\]\.address.*appears twice/],
      [[{ ...first, amount: '0' }], /allocations\[0\]\.amount/],
      [[{ ...first, amount: 1000 }], /allocations\[0\]\.amount/],
      [[{ address: first.address }], /allocations\[0\]\.amount/],
      [[{ ...first, extra: 1 }], /allocations\[0\].*unknown field "extra"/],
      [['cairn1...'], /allocations\[0\]/],
      [
        [
          { address: otherAddress(1), amount: '18446744073709551615' },
          { address: otherAddress(2), amount: '1' },
        ],
        /"allocations" sum to 18446744073709551616/,
      ],
    ];
    for (const [allocations, pattern] of cases) {
      expect(badGenesis(variant({ allocations })).message).toMatch(pattern);
    }
    // The largest total that fits is fine.
    const max = parseChainParams(
      variant({
        allocations: [
          { address: otherAddress(1), amount: '18446744073709551614' },
          { address: otherAddress(2), amount: '1' },
        ],
      }),
    );
    expect(max.allocations.reduce((s, a) => s + a.amount, 0n)).toBe(2n ** 64n - 1n);
  });

  it('unknown fields (a typo must not silently fall back to a default)', () => {
    const e = badGenesis(variant({ halvingIntervl: 5 }));
    expect(e.message).toContain('unknown field "halvingIntervl"');
    expect(badGenesis(variant({ noRetargeting: true })).message).toContain('"noRetargeting"');
  });

  it('not an object at all', () => {
    for (const json of [null, [], 'genesis', 5]) badGenesis(json);
  });

  it('loadChainParams turns JSON syntax errors into BAD_GENESIS', () => {
    for (const text of ['', '{', fileText.replace('"network"', 'network')]) {
      expect(() => loadChainParams(text)).toThrow(expect.objectContaining({ code: 'BAD_GENESIS' }));
    }
  });
});

describe('makeChainParams', () => {
  it('copies its inputs, so later mutation cannot change the params', () => {
    const address = devnet.allocations[0]!.address.slice();
    const fields: GenesisFields = { ...devnet, allocations: [{ address, amount: 5n }] };
    const params = makeChainParams(fields);
    const hash = toHex(params.genesisHash);
    address.fill(0);
    expect(toHex(params.allocations[0]!.address)).toBe(toHex(devnet.allocations[0]!.address));
    expect(toHex(makeChainParams({ ...params }).genesisHash)).toBe(hash);
  });

  it('lets tests build their own chains, validated the same way', () => {
    const fast = makeChainParams({ ...devnet, asertHalfLife: 60 });
    expect(fast.asertHalfLife).toBe(60);
    expect(toHex(fast.genesisHash)).not.toBe(toHex(devnet.genesisHash));
    expect(() => makeChainParams({ ...devnet, asertHalfLife: 0 })).toThrow(
      expect.objectContaining({ code: 'BAD_GENESIS' }),
    );
  });
});

describe('regtestParams', () => {
  const regtest: ChainParams = regtestParams(devnet);

  it('is the built-in regtest variant of the base chain', () => {
    expect(regtest.network).toBe('regtest');
    expect(regtest.addressPrefix).toBe(devnet.addressPrefix);
    expect(regtest.allocations).toEqual(devnet.allocations);
    expect(regtest.powLimitBits).toBe(0x207fffff);
    expect(regtest.powLimit).toBe(compactToTarget(0x207fffff));
    expect(regtest.noRetargeting).toBe(true);
    expect(regtest.maxFutureBlockTime).toBe(7200);
    expect(regtest.halvingInterval).toBe(150);
    for (const k of [
      'genesisTime',
      'targetSpacing',
      'asertHalfLife',
      'initialSubsidy',
      'maxBlockBytes',
    ] as const) {
      expect(regtest[k]).toBe(devnet[k]);
    }
  });

  it('has its own genesis, which commits to its own fields', () => {
    expect(toHex(regtest.genesisHash)).not.toBe(toHex(devnet.genesisHash));
    expect(regtest.genesis.header.bits).toBe(0x207fffff);
    expect(regtest.genesis.header.txRoot).toEqual(paramsCommitment(regtest));
    expect(regtest.genesisHash).toEqual(blockHash(regtest.genesis.header));
    expect(Object.isFrozen(regtest) && Object.isFrozen(regtest.allocations)).toBe(true);
  });

  it('is deterministic, and the dev keys stay funded under the same addresses', () => {
    expect(toHex(regtestParams(devnet).genesisHash)).toBe(toHex(regtest.genesisHash));
    const first = regtest.allocations[0]!;
    expect(decodeAddress(encodeAddress(first.address, regtest.addressPrefix), 'cairn')).toEqual(
      devKeys(1)[0]!.addressHash,
    );
  });

  it('cannot be written out as a genesis.json (noRetargeting is built in)', () => {
    expect(() => genesisJson(regtest)).toThrow(expect.objectContaining({ code: 'BAD_GENESIS' }));
  });
});

describe('the params commitment is byte-for-byte stable', () => {
  // Changing the commitment encoding changes every genesis hash, so every datadir and every peer's
  // topic names: these fixed values catch a refactor that changes it by accident.
  it('devnet and regtest commit to exactly these hashes', () => {
    expect(toHex(paramsCommitment(devnet))).toBe(
      '3707617355a08113ded82e162130af9266d0b98c60a8314f0baf2fd85217ba38',
    );
    expect(toHex(devnet.genesisHash)).toBe(
      '4603949f15a28012e1982db54208cf73b1708e325efb6492a321527b145b387d',
    );
    expect(toHex(paramsCommitment(regtestParams(devnet)))).toBe(
      'a40c067474c1948f8fe857b48cd8f8c4043b775be2c6c58e6d41cbf785902817',
    );
  });
});
