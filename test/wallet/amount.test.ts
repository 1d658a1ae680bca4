import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COIN, MAX_U64 } from '../../src/consensus/types.js';
import { formatCoins, parseCoins } from '../../wallet/amount.js';
import { isWalletError } from '../../wallet/errors.js';

function refusal(text: string, allowZero = false): string {
  try {
    parseCoins(text, { allowZero });
  } catch (e) {
    if (isWalletError(e) && e.code === 'BAD_AMOUNT' && e.kind === 'BAD_INPUT') return e.message;
    throw e;
  }
  throw new Error(`${JSON.stringify(text)} was accepted`);
}

/** Canonical coin text: no leading zeros, 0 to 8 decimals without trailing zeros, within (0, MAX_U64]. */
const arbUnits = fc.bigInt({ min: 1n, max: MAX_U64 });

describe('parseCoins', () => {
  it('reads decimal coins exactly into base units', () => {
    expect(parseCoins('1')).toBe(COIN);
    expect(parseCoins('0.5')).toBe(50_000_000n);
    expect(parseCoins('1.00000001')).toBe(100_000_001n);
    expect(parseCoins('0.00000001')).toBe(1n);
    expect(parseCoins('0.1')).toBe(10_000_000n); // 0.1 has no exact binary floating-point value
    expect(parseCoins('007.50')).toBe(750_000_000n);
    // The largest u64 of base units, exactly: 2^64 - 1 = 18446744073709551615.
    expect(parseCoins('184467440737.09551615')).toBe(MAX_U64);
  });

  it('allows a zero fee but never a zero amount', () => {
    expect(parseCoins('0', { allowZero: true })).toBe(0n);
    expect(parseCoins('0.0', { allowZero: true })).toBe(0n);
    expect(refusal('0')).toMatch(/zero/);
    expect(refusal('0.00000000')).toMatch(/zero/);
  });

  it('refuses negatives, exponents, >8 decimals, overflow and non-numbers, naming the problem', () => {
    expect(refusal('-1')).toMatch(/negative/);
    expect(refusal('-0.5', true)).toMatch(/negative/);
    expect(refusal('1e5')).toMatch(/exponent/);
    expect(refusal('1.5E-3')).toMatch(/exponent/);
    expect(refusal('1.000000001')).toMatch(/9 decimal places/);
    expect(refusal('184467440737.09551616')).toMatch(/u64/);
    expect(refusal('99999999999999999999999999')).toMatch(/u64/);
    expect(refusal('1'.repeat(200))).toMatch(/u64/);
    for (const bad of ['abc', '1,5', '1.', '.5', '+1', ' 1', '1 ', '0x10', 'Infinity', 'NaN', '1.2.3', '١']) {
      expect(refusal(bad)).toMatch(/not a number/);
    }
    expect(refusal('')).toMatch(/empty/);
  });

  it('property: a string is accepted exactly when it is digits[.1-8 digits] within a u64', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^[0-9]{1,22}(\.[0-9]{0,10})?$/)),
        (s) => {
          const well = /^[0-9]+(\.[0-9]{1,8})?$/.test(s);
          const [w, f = ''] = s.split('.');
          const fits = well && BigInt(w!) * COIN + BigInt(f.padEnd(8, '0')) <= MAX_U64;
          let accepted = true;
          try {
            parseCoins(s, { allowZero: true });
          } catch (e) {
            if (!isWalletError(e)) throw e;
            accepted = false;
          }
          expect(accepted).toBe(fits);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('formatCoins', () => {
  it('writes base units as coins without trailing zeros', () => {
    expect(formatCoins(0n)).toBe('0');
    expect(formatCoins(1n)).toBe('0.00000001');
    expect(formatCoins(COIN)).toBe('1');
    expect(formatCoins(150_000_000n)).toBe('1.5');
    expect(formatCoins(10_000n)).toBe('0.0001');
    expect(formatCoins(MAX_U64)).toBe('184467440737.09551615');
    expect(() => formatCoins(-1n)).toThrow(RangeError);
  });

  it('property: parse(format(units)) = units for every u64 amount', () => {
    fc.assert(
      fc.property(arbUnits, (units) => {
        expect(parseCoins(formatCoins(units))).toBe(units);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: format(parse(x)) = x for canonical decimal text', () => {
    const arbCanonical = fc
      .tuple(
        fc.bigInt({ min: 0n, max: MAX_U64 / COIN }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1, max: 99_999_999 }),
      )
      .map(([whole, places, digits]) => {
        if (places === 0) return whole === 0n ? '1' : whole.toString();
        const fraction = (digits % 10 ** places).toString().padStart(places, '0').replace(/0+$/, '');
        return fraction === '' ? (whole === 0n ? '1' : whole.toString()) : `${whole}.${fraction}`;
      })
      .filter((text) => {
        const [w, f = ''] = text.split('.');
        return BigInt(w!) * COIN + BigInt(f.padEnd(8, '0')) <= MAX_U64;
      });
    fc.assert(
      fc.property(arbCanonical, (text) => {
        expect(formatCoins(parseCoins(text))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
