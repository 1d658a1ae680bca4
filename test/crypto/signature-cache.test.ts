import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/consensus/bytes.js';
import { SignatureCache } from '../../src/crypto/signature-cache.js';

const id = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (n * 31 + i) & 0xff);

describe('SignatureCache', () => {
  it('remembers ids given as bytes or as hex (either case)', () => {
    const cache = new SignatureCache(10);
    cache.add(id(1));
    expect(cache.has(id(1))).toBe(true);
    expect(cache.has(toHex(id(1)))).toBe(true);
    expect(cache.has(toHex(id(1)).toUpperCase())).toBe(true);
    expect(cache.has(id(2))).toBe(false);
    expect(cache.size).toBe(1);
  });

  it('finds nothing for a string that is not hex, and refuses to add one', () => {
    const cache = new SignatureCache(10);
    expect(cache.has('zz')).toBe(false);
    expect(cache.has('abc')).toBe(false); // odd length
    expect(() => cache.add('not a tx id')).toThrow(RangeError);
    expect(cache.size).toBe(0);
  });

  it('never holds more than its capacity, evicting the least recently used first', () => {
    const cache = new SignatureCache(3);
    cache.add(id(1));
    cache.add(id(2));
    cache.add(id(3));
    expect(cache.has(id(1))).toBe(true); // a use: 1 becomes the youngest, 2 the oldest
    cache.add(id(4));
    expect(cache.size).toBe(3);
    expect(cache.has(id(2))).toBe(false);
    expect([1, 3, 4].map((n) => cache.has(id(n)))).toEqual([true, true, true]);
    for (let n = 10; n < 100; n++) cache.add(id(n));
    expect(cache.size).toBe(3);
    expect([97, 98, 99].map((n) => cache.has(id(n)))).toEqual([true, true, true]);
  });

  it('re-adding an entry does not grow it; clear empties it', () => {
    const cache = new SignatureCache(3);
    cache.add(id(1));
    cache.add(id(1));
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.has(id(1))).toBe(false);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new SignatureCache(0)).toThrow(RangeError);
    expect(() => new SignatureCache(1.5)).toThrow(RangeError);
  });
});
