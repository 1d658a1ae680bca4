import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockSubsidy } from '../../src/consensus/subsidy.js';
import type { ChainParams } from '../../src/consensus/types.js';

// blockSubsidy reads only initialSubsidy and halvingInterval.
const params = { initialSubsidy: 5_000_000_000n, halvingInterval: 210_000 } as ChainParams;

describe('blockSubsidy (Core: GetBlockSubsidy)', () => {
  it('pays nothing for genesis: its coins are the genesis allocations', () => {
    expect(blockSubsidy(0, params)).toBe(0n);
  });

  it('pays the initial subsidy until the first halving', () => {
    expect(blockSubsidy(1, params)).toBe(5_000_000_000n);
    expect(blockSubsidy(209_999, params)).toBe(5_000_000_000n);
  });

  it('halves at each interval, rounding down', () => {
    expect(blockSubsidy(210_000, params)).toBe(2_500_000_000n);
    expect(blockSubsidy(420_000, params)).toBe(1_250_000_000n);
    expect(blockSubsidy(33 * 210_000, params)).toBe(0n); // 5e9 >> 33 = 0 in base units
    const odd = { initialSubsidy: 7n, halvingInterval: 1 } as ChainParams;
    expect(blockSubsidy(1, odd)).toBe(3n);
  });

  it('is zero from the 64th halving on, even for the largest u64 subsidy', () => {
    const max = { initialSubsidy: (1n << 64n) - 1n, halvingInterval: 10 } as ChainParams;
    expect(blockSubsidy(63 * 10, max)).toBe(1n);
    expect(blockSubsidy(63 * 10 + 9, max)).toBe(1n);
    expect(blockSubsidy(64 * 10, max)).toBe(0n);
    expect(blockSubsidy(1_000 * 10, max)).toBe(0n);
  });

  it('sums to at most 2 × initialSubsidy × interval, like Bitcoin’s 21 million', () => {
    const small = { initialSubsidy: 5_000_000_000n, halvingInterval: 3 } as ChainParams;
    let total = 0n;
    for (let h = 1; h < 3 * 70; h++) total += blockSubsidy(h, small);
    expect(total).toBeLessThan(2n * 5_000_000_000n * 3n);
    // Short of the bound only by genesis's missing subsidy and at most one base unit of rounding per
    // block per halving level.
    expect(total).toBeGreaterThanOrEqual(2n * 5_000_000_000n * 3n - 5_000_000_000n - 3n * 64n);
  });

  it('never increases with height', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 0, max: 1_000_000 }), (h, step) => {
        expect(blockSubsidy(h + step, params) <= blockSubsidy(h, params)).toBe(true);
      }),
    );
  });

  it('refuses a negative or fractional height', () => {
    expect(() => blockSubsidy(-1, params)).toThrow(RangeError);
    expect(() => blockSubsidy(1.5, params)).toThrow(RangeError);
  });
});
