import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToBigInt } from '../../src/consensus/bytes.js';
import { compress, hashHeaderMidstate, midstate, searchNonces } from '../../src/mining/sha256-midstate.js';

const IV = Uint32Array.of(
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
);

/** A whole SHA-256 built on `compress`: pad (FIPS 180-4 section 5.1.1), then compress chunk by chunk. */
function sha256ViaCompress(msg: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil((msg.length + 9) / 64) * 64);
  padded.set(msg);
  padded[msg.length] = 0x80;
  new DataView(padded.buffer).setBigUint64(padded.length - 8, BigInt(msg.length) * 8n);
  const state = IV.slice();
  const w = new Uint32Array(64);
  const view = new DataView(padded.buffer);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    compress(state, w);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) new DataView(out.buffer).setUint32(i * 4, state[i]!);
  return out;
}

/** The obvious way: write the nonce into the header, hash twice with noble. */
function nobleHeaderHash(header: Uint8Array, nonce: bigint): bigint {
  const h = header.slice();
  new DataView(h.buffer).setBigUint64(104, nonce);
  return bytesToBigInt(sha256(sha256(h)));
}

const header = fc.uint8Array({ minLength: 112, maxLength: 112 });

describe('compress', () => {
  it('gives the same digest as @noble/hashes for messages of any length (1 to 4 chunks)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 250 }), (msg) => {
        expect(sha256ViaCompress(msg)).toEqual(sha256(msg));
      }),
      { numRuns: 300 },
    );
  });

  it('midstate of a chunk, then the rest, equals hashing the whole message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (chunk) => {
        // For exactly 64 bytes, the second chunk is pure padding: 0x80, zeros, length 512 bits.
        const state = midstate(chunk);
        const w = new Uint32Array(64);
        w[0] = 0x80000000;
        w[15] = 512;
        compress(state, w);
        const digest = new Uint8Array(32);
        for (let i = 0; i < 8; i++) new DataView(digest.buffer).setUint32(i * 4, state[i]!);
        expect(digest).toEqual(sha256(chunk));
      }),
      { numRuns: 200 },
    );
  });
});

describe('hashHeaderMidstate', () => {
  it('equals sha256(sha256(header)) for random 112-byte headers', () => {
    fc.assert(
      fc.property(header, (h) => {
        expect(hashHeaderMidstate(h)).toEqual(sha256(sha256(h)));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a header that is not 112 bytes', () => {
    expect(() => hashHeaderMidstate(new Uint8Array(111))).toThrow(RangeError);
  });
});

describe('searchNonces', () => {
  it('finds exactly the first nonce a brute-force noble loop finds (easy target, 1 in 16)', () => {
    const target = 1n << 252n;
    fc.assert(
      fc.property(header, fc.bigInt({ min: 0n, max: (1n << 64n) - 200n }), (h, start) => {
        let expected: bigint | null = null;
        for (let n = start; n < start + 100n; n++) {
          if (nobleHeaderHash(h, n) <= target) {
            expected = n;
            break;
          }
        }
        expect(searchNonces(h, target, start, 100)).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('returns null when no nonce in the range qualifies', () => {
    fc.assert(
      fc.property(header, (h) => {
        // Deliberately hard target (1 in 2^40): brute force confirms the range has no solution.
        const target = 1n << 216n;
        const found = searchNonces(h, target, 0n, 50);
        const brute = Array.from({ length: 50 }, (_, i) => nobleHeaderHash(h, BigInt(i))).some(
          (x) => x <= target,
        );
        expect(found === null).toBe(!brute);
      }),
      { numRuns: 20 },
    );
  });

  it('compares all 256 bits: a target equal to the hash qualifies, one less does not', () => {
    fc.assert(
      fc.property(header, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (h, nonce) => {
        const hash = nobleHeaderHash(h, nonce);
        expect(searchNonces(h, hash, nonce, 1)).toBe(nonce);
        expect(searchNonces(h, hash - 1n, nonce, 1)).toBeNull();
        expect(searchNonces(h, hash + 1n, nonce, 1)).toBe(nonce);
      }),
      { numRuns: 200 },
    );
  });

  it('crosses the boundary where the nonce high word changes', () => {
    const h = new Uint8Array(112).fill(7);
    const start = (5n << 32n) - 20n;
    const target = 1n << 253n; // 1 in 8
    const expected: bigint[] = [];
    for (let n = start; n < start + 40n; n++) if (nobleHeaderHash(h, n) <= target) expected.push(n);
    const found: bigint[] = [];
    let from = start;
    for (;;) {
      const n = searchNonces(h, target, from, Number(start + 40n - from));
      if (n === null) break;
      found.push(n);
      from = n + 1n;
    }
    expect(found).toEqual(expected);
    expect(found.some((n) => n < 5n << 32n) && found.some((n) => n >= 5n << 32n)).toBe(true);
  });

  it('stops at the top of the u64 nonce space and handles extreme targets', () => {
    const h = new Uint8Array(112).fill(1);
    const max = (1n << 64n) - 1n;
    expect(searchNonces(h, (1n << 256n) - 1n, max, 10)).toBe(max);
    expect(searchNonces(h, 1n << 300n, 3n, 10)).toBe(3n); // above 2^256: every hash qualifies
    expect(searchNonces(h, -1n, 0n, 10)).toBeNull();
    expect(searchNonces(h, 0n, 0n, 0)).toBeNull();
    expect(() => searchNonces(h, 1n, max + 1n, 1)).toThrow(RangeError);
    expect(() => searchNonces(h, 1n, 0n, -1)).toThrow(RangeError);
  });
});
