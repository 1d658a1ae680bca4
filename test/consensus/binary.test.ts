import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader, Writer } from '../../src/consensus/binary.js';
import { toHex } from '../../src/consensus/bytes.js';
import { RuleError } from '../../src/consensus/errors.js';

class OwnError extends Error {}
const own = (message: string) => new OwnError(message);

describe('Writer and Reader', () => {
  it('write big-endian integers and raw bytes that read back as the same values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.uint8Array({ maxLength: 40 }),
        (a, b, c, d, raw) => {
          const bytes = new Writer(1 + 2 + 4 + 8 + raw.length).u8(a).u16(b).u32(c).u64(d).raw(raw).finish();
          const r = new Reader(bytes, 'test record');
          expect([r.u8(), r.u16(), r.u32(), r.u64(), r.copy(raw.length)]).toEqual([a, b, c, d, raw]);
          expect(r.remaining).toBe(0);
          r.end();
        },
      ),
    );
  });

  it('lay integers out most significant byte first', () => {
    const bytes = new Writer(15).u8(0x01).u16(0x0203).u32(0x04050607).u64(0x08090a0b0c0d0e0fn).finish();
    expect(toHex(bytes)).toBe('0102030405060708090a0b0c0d0e0f');
  });

  it('the Writer refuses values that do not fit, instead of wrapping them as a DataView would', () => {
    const cases: [string, (w: Writer) => unknown][] = [
      ['u8 256', (w) => w.u8(256)],
      ['u8 -1', (w) => w.u8(-1)],
      ['u16 65536', (w) => w.u16(0x1_0000)],
      ['u32 2^32', (w) => w.u32(2 ** 32)],
      ['u32 1.5', (w) => w.u32(1.5)],
      ['u32 NaN', (w) => w.u32(Number.NaN)],
      ['u64 2^64', (w) => w.u64(1n << 64n)],
      ['u64 -1', (w) => w.u64(-1n)],
      ['raw of the wrong length', (w) => w.raw(new Uint8Array(3), 4)],
    ];
    for (const [what, write] of cases) {
      expect(() => write(new Writer(8)), what).toThrow(RuleError);
      expect(() => write(new Writer(8, own)), what).toThrow(OwnError);
    }
  });

  it('finish refuses a buffer that was not filled exactly (an encoder bug)', () => {
    expect(() => new Writer(5).u32(1).finish()).toThrow(/wrote 4 of 5 bytes/);
  });

  it('a read past the end or trailing bytes throw the owner’s error, never a RangeError', () => {
    const r = new Reader(Uint8Array.of(1, 2, 3), 'test record', own);
    expect(() => r.u32()).toThrow(OwnError);
    expect(() => r.u32()).toThrow(/test record is truncated: needs 4 bytes, has 3/);
    expect(r.u16()).toBe(0x0102);
    expect(() => r.end()).toThrow(/1 trailing bytes/);
    expect(() => new Reader(new Uint8Array(7), 'x').u64()).toThrow(RuleError);
    expect(r.error('a bad value')).toBeInstanceOf(OwnError);
  });

  it('reads a view at any offset of a larger buffer; copy does not alias it', () => {
    const backing = Uint8Array.of(9, 9, 0, 0, 0, 7, 5, 6);
    const r = new Reader(backing.subarray(2, 8), 'slice');
    expect(r.u32()).toBe(7);
    const copied = r.copy(2);
    backing[6] = 0;
    expect(copied).toEqual(Uint8Array.of(5, 6));
  });
});
