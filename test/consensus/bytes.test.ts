import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bigIntToBytes,
  bytesEqual,
  bytesToBigInt,
  compareBytes,
  concatBytes,
  fromHex,
  toHex,
} from '../../src/consensus/bytes.js';

describe('bytes', () => {
  it('hex round-trips any bytes, and matches Node’s encoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const hex = toHex(b);
        expect(hex).toBe(Buffer.from(b).toString('hex'));
        expect(fromHex(hex)).toEqual(b);
        expect(fromHex(hex.toUpperCase())).toEqual(b);
      }),
    );
  });

  it('fromHex refuses odd lengths and every non-hex character', () => {
    expect(() => fromHex('abc')).toThrow(/odd length/);
    for (const bad of ['0g', 'g0', '  ', '0x', 'é0', '\u0000a', ':0'])
      expect(() => fromHex(bad)).toThrow(/non-hex/);
  });

  it('big-endian integers round-trip at a fixed width, and refuse what does not fit', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (v) => {
        expect(bytesToBigInt(bigIntToBytes(v, 32))).toBe(v);
      }),
    );
    expect(() => bigIntToBytes(256n, 1)).toThrow(/does not fit/);
    expect(() => bigIntToBytes(-1n, 1)).toThrow(/negative/);
  });

  it('compares and concatenates', () => {
    expect(compareBytes(fromHex('0001'), fromHex('0100'))).toBeLessThan(0);
    expect(compareBytes(fromHex('ff'), fromHex('ff'))).toBe(0);
    expect(bytesEqual(concatBytes(fromHex('01'), fromHex('0203')), fromHex('010203'))).toBe(true);
    expect(bytesEqual(fromHex('01'), fromHex('0102'))).toBe(false);
  });
});
