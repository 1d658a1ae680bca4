import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bigIntToBytes } from '../../src/consensus/bytes.js';
import {
  asertTarget,
  blockWork,
  checkProofOfWork,
  compactToTarget,
  requiredBits,
  targetToCompact,
  workForTarget,
} from '../../src/consensus/pow.js';
import type { BlockHeader, ChainParams } from '../../src/consensus/types.js';
import { ruleCode } from '../helpers/rule-code.js';

const TWO_256 = 1n << 256n;

interface CompactCase {
  bits: string;
  target: string | null;
  compact: string | null;
  negative: boolean;
  overflow: boolean;
}
const coreVectors = JSON.parse(
  readFileSync(new URL('../vectors/compact/core-setcompact.json', import.meta.url), 'utf8'),
) as { cases: CompactCase[]; getCompact: { target: string; compact: string }[] };

/** Core's SetCompact edge flags restated from the definition, to cross-check the thrown errors. */
function coreFlags(bits: number): { negative: boolean; overflow: boolean } {
  const size = bits >>> 24;
  let word = bits & 0x7fffff;
  if (size <= 3) word >>>= 8 * (3 - size);
  return {
    negative: word !== 0 && (bits & 0x800000) !== 0,
    overflow: word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32)),
  };
}

describe('compactToTarget / targetToCompact (Bitcoin Core arith_uint256 vectors)', () => {
  for (const c of coreVectors.cases) {
    const bits = Number(c.bits);
    if (c.negative || c.overflow) {
      it(`${c.bits} is rejected as ${c.negative ? 'negative' : 'overflowing'}`, () => {
        expect(ruleCode(() => compactToTarget(bits))).toBe('BAD_TARGET');
      });
    } else {
      it(`${c.bits} → 0x${c.target} → ${c.compact}`, () => {
        const target = compactToTarget(bits);
        expect(target).toBe(BigInt(`0x${c.target}`));
        expect(targetToCompact(target)).toBe(Number(c.compact));
      });
    }
  }

  for (const g of coreVectors.getCompact) {
    it(`GetCompact(0x${g.target}) = ${g.compact} (no sign bit in the mantissa)`, () => {
      expect(targetToCompact(BigInt(`0x${g.target}`))).toBe(Number(g.compact));
    });
  }

  it('expands the Bitcoin difficulty-1 target', () => {
    expect(compactToTarget(0x1d00ffff)).toBe(0xffffn << 208n);
    expect(targetToCompact(0xffffn << 208n)).toBe(0x1d00ffff);
  });

  it('accepts the largest non-overflowing encodings and rejects the next ones', () => {
    expect(compactToTarget(0x22000001)).toBe(1n << 248n); // size 34, one-byte mantissa
    expect(compactToTarget(0x210000ff)).toBe(0xffn << 240n);
    expect(compactToTarget(0x2000ffff)).toBe(0xffffn << 232n);
    for (const bits of [0x23000001, 0x22000100, 0x21010000]) {
      expect(ruleCode(() => compactToTarget(bits))).toBe('BAD_TARGET');
    }
  });

  it('rejects values that are not 32-bit unsigned integers', () => {
    for (const bits of [-1, 2 ** 32, 1.5, Number.NaN]) {
      expect(ruleCode(() => compactToTarget(bits))).toBe('BAD_TARGET');
    }
  });

  it('throws exactly when Core flags negative or overflow (any 32-bit bits)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        const { negative, overflow } = coreFlags(bits);
        expect(ruleCode(() => compactToTarget(bits)) === 'BAD_TARGET').toBe(negative || overflow);
      }),
      { numRuns: 2000 },
    );
  });

  const validBits = fc
    .record({ size: fc.integer({ min: 0, max: 34 }), mantissa: fc.integer({ min: 0, max: 0x7fffff }) })
    .map(({ size, mantissa }) => ((size << 24) | mantissa) >>> 0)
    .filter((bits) => !coreFlags(bits).overflow);

  it('round-trips any valid bits through its canonical compact form', () => {
    fc.assert(
      fc.property(validBits, (bits) => {
        const target = compactToTarget(bits);
        const canonical = targetToCompact(target);
        expect(compactToTarget(canonical)).toBe(target);
        expect(targetToCompact(compactToTarget(canonical))).toBe(canonical); // a fixed point
        expect(canonical & 0x800000).toBe(0); // never looks negative
      }),
      { numRuns: 2000 },
    );
  });

  it('compresses any 256-bit target by truncating it to its mantissa bytes', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: TWO_256 - 1n }), (target) => {
        const compact = targetToCompact(target);
        const shift = BigInt(8 * Math.max(0, (compact >>> 24) - 3));
        expect(compactToTarget(compact)).toBe((target >> shift) << shift);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses to compress negative or over-wide targets', () => {
    expect(() => targetToCompact(-1n)).toThrow(RangeError);
    expect(() => targetToCompact(TWO_256)).toThrow(RangeError);
  });
});

describe('work (Core: GetBlockProof)', () => {
  it('values a difficulty-1 block at 4295032833 hashes, as Bitcoin genesis chainwork 0x100010001', () => {
    expect(workForTarget(compactToTarget(0x1d00ffff))).toBe(4295032833n);
    expect(blockWork(0x1d00ffff)).toBe(0x100010001n);
  });

  it('gives 1 for the easiest possible target and 2^256 / 2 for target 1', () => {
    expect(workForTarget(TWO_256 - 1n)).toBe(1n);
    expect(workForTarget(1n)).toBe(1n << 255n);
  });

  it('is floor(2^256 / (target + 1)) and never increases as the target grows', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: TWO_256 - 2n }), (target) => {
        const work = workForTarget(target);
        expect(work * (target + 1n) <= TWO_256).toBe(true);
        expect((work + 1n) * (target + 1n) > TWO_256).toBe(true);
        expect(workForTarget(target + 1n) <= work).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is 0 for bits that are not a valid target (negative, overflowing, zero)', () => {
    expect(blockWork(0x04923456)).toBe(0n);
    expect(blockWork(0xff123456)).toBe(0n);
    expect(blockWork(0x01003456)).toBe(0n);
    expect(blockWork(0)).toBe(0n);
  });
});

describe('checkProofOfWork (Core: CheckProofOfWork)', () => {
  const powLimit = compactToTarget(0x1f00ffff);
  const bits = 0x1e00ffff;
  const target = compactToTarget(bits);
  const hashOf = (n: bigint) => bigIntToBytes(n, 32);

  it('accepts a hash equal to or below the target', () => {
    expect(() => checkProofOfWork(hashOf(target), bits, powLimit)).not.toThrow();
    expect(() => checkProofOfWork(hashOf(0n), bits, powLimit)).not.toThrow();
  });

  it('rejects a hash one above the target as HIGH_HASH', () => {
    expect(ruleCode(() => checkProofOfWork(hashOf(target + 1n), bits, powLimit))).toBe('HIGH_HASH');
  });

  it('reads the hash as a big-endian number (first byte most significant)', () => {
    const high = new Uint8Array(32);
    high[0] = 1;
    expect(ruleCode(() => checkProofOfWork(high, bits, powLimit))).toBe('HIGH_HASH');
    const low = new Uint8Array(32);
    low[31] = 0xff;
    expect(() => checkProofOfWork(low, bits, powLimit)).not.toThrow();
  });

  it('rejects negative, overflowing, zero and easier-than-limit targets as BAD_TARGET', () => {
    const zero = hashOf(0n);
    for (const bad of [0x04923456, 0xff123456, 0x01003456, 0x00000000, 0x1f010000]) {
      expect(ruleCode(() => checkProofOfWork(zero, bad, powLimit))).toBe('BAD_TARGET');
    }
    expect(() => checkProofOfWork(zero, 0x1f00ffff, powLimit)).not.toThrow(); // exactly the limit
  });

  it('refuses a hash that is not 32 bytes (a caller bug, not a rule)', () => {
    expect(() => checkProofOfWork(new Uint8Array(31), bits, powLimit)).toThrow(Error);
  });
});

// ---------------------------------------------------------------------------------------------------

const SPACING = 60;
const HALF_LIFE = 3600;
const LIMIT_BITS = 0x1f00ffff;

function testParams(overrides: Partial<ChainParams> = {}): ChainParams {
  const zeros = (n: number) => new Uint8Array(n);
  const genesis = header(0, 1_000_000, LIMIT_BITS);
  return {
    network: 'cairn-test',
    addressPrefix: 'tcairn',
    genesisTime: genesis.time,
    targetSpacing: SPACING,
    asertHalfLife: HALF_LIFE,
    powLimitBits: LIMIT_BITS,
    powLimit: compactToTarget(LIMIT_BITS),
    noRetargeting: false,
    initialSubsidy: 50n * 100_000_000n,
    halvingInterval: 1000,
    maxBlockBytes: 1_000_000,
    maxFutureBlockTime: 12 * SPACING,
    allocations: [],
    genesis: { header: genesis, txs: [] },
    genesisHash: zeros(32),
    ...overrides,
  };
}

function header(height: number, time: number, bits: number): BlockHeader {
  return {
    version: 1,
    height,
    prevHash: new Uint8Array(32),
    txRoot: new Uint8Array(32),
    miner: new Uint8Array(20),
    time,
    bits,
    nonce: 0n,
  };
}

describe('requiredBits (Core: GetNextWorkRequired)', () => {
  const params = testParams();
  // Block 1 is mined long after genesis.json's fixed time: that gap must not matter.
  const anchor = header(1, 50_000_000, LIMIT_BITS);
  const hardAnchor = header(1, 50_000_000, 0x1d00ffff);

  it('requires the limit for block 1, whatever the genesis time', () => {
    expect(requiredBits(params, params.genesis.header, undefined)).toBe(LIMIT_BITS);
  });

  it('keeps the limit bits forever with noRetargeting (regtest)', () => {
    const regtest = testParams({ noRetargeting: true });
    const lateParent = header(500, anchor.time + 10 * HALF_LIFE, LIMIT_BITS);
    expect(requiredBits(regtest, lateParent, undefined)).toBe(LIMIT_BITS);
  });

  it('needs the anchor from height 2 on, and it must be block 1', () => {
    expect(() => requiredBits(params, anchor, undefined)).toThrow(Error);
    expect(() =>
      requiredBits(params, header(5, anchor.time + 4 * SPACING, LIMIT_BITS), header(2, 0, LIMIT_BITS)),
    ).toThrow(Error);
  });

  it('gives block 2 the anchor bits (the anchor is on schedule by construction)', () => {
    expect(requiredBits(params, hardAnchor, hardAnchor)).toBe(0x1d00ffff);
  });

  it('keeps the anchor bits while blocks arrive exactly on schedule', () => {
    for (const height of [2, 3, 10, 1000]) {
      const parent = header(height, hardAnchor.time + (height - 1) * SPACING, 0);
      expect(requiredBits(params, parent, hardAnchor)).toBe(0x1d00ffff);
    }
  });

  it('doubles the target one half-life behind schedule and halves it one half-life ahead', () => {
    const onTime = hardAnchor.time + 9 * SPACING;
    const late = requiredBits(params, header(10, onTime + HALF_LIFE, 0), hardAnchor);
    const early = requiredBits(params, header(10, onTime - HALF_LIFE, 0), hardAnchor);
    expect(compactToTarget(late)).toBe(compactToTarget(0x1d00ffff) * 2n);
    expect(compactToTarget(early)).toBe(compactToTarget(0x1d00ffff) / 2n);
  });

  it('matches asertTarget with the anchor given a virtual parent one spacing earlier', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: -200_000, max: 2_000_000 }),
        (h, dt) => {
          const parent = header(1 + h, hardAnchor.time + dt, 0);
          const expected = asertTarget(
            compactToTarget(hardAnchor.bits),
            SPACING,
            dt + SPACING,
            h,
            params.powLimit,
            HALF_LIFE,
          );
          expect(requiredBits(params, parent, hardAnchor)).toBe(targetToCompact(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never goes above the limit when the chain stalls', () => {
    const stalled = header(3, anchor.time + 100 * HALF_LIFE, 0);
    expect(requiredBits(params, stalled, anchor)).toBe(LIMIT_BITS);
  });
});
