import { createHash } from 'node:crypto';
import { bech32, bech32m } from '@scure/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressHash, decodeAddress, encodeAddress } from '../../src/consensus/address.js';
import { isRuleError, type RuleError } from '../../src/consensus/errors.js';
import { arbAddressHash, arbPublicKeyBytes } from './arbitraries.js';

const HRP = 'cairn';
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function badAddress(text: string, hrp = HRP): RuleError {
  try {
    decodeAddress(text, hrp);
  } catch (e) {
    if (isRuleError(e) && e.code === 'BAD_ADDRESS') return e;
    throw e;
  }
  throw new Error(`"${text}" decoded, but should have been rejected`);
}

const someHash = Uint8Array.from({ length: 20 }, (_, i) => i * 13);

describe('addressHash', () => {
  it('is the first 20 bytes of SHA-256 of the 33-byte compressed public key', () => {
    fc.assert(
      fc.property(arbPublicKeyBytes(), (pk) => {
        const expected = new Uint8Array(createHash('sha256').update(pk).digest()).subarray(0, 20);
        expect(addressHash(pk)).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });
  it('refuses anything but 33 bytes (an uncompressed key would give another address)', () => {
    for (const n of [0, 32, 65]) {
      expect(() => addressHash(new Uint8Array(n))).toThrow(expect.objectContaining({ code: 'BAD_PUBKEY' }));
    }
  });
});

describe('encodeAddress / decodeAddress', () => {
  it('round-trips every 20-byte hash, as 44 lowercase characters starting with the prefix', () => {
    fc.assert(
      fc.property(arbAddressHash(), (hash) => {
        const text = encodeAddress(hash, HRP);
        expect(text).toMatch(/^cairn1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{38}$/);
        expect(decodeAddress(text, HRP)).toEqual(hash);
      }),
    );
  });

  it('is standard bech32m (BIP 350): the library decodes ours and we read its words', () => {
    const text = encodeAddress(someHash, HRP);
    const decoded = bech32m.decode(text as `${string}1${string}`);
    expect(decoded.prefix).toBe(HRP);
    expect(bech32m.fromWords(decoded.words)).toEqual(someHash);
  });

  it('accepts an all-uppercase address (e.g. from a QR code)', () => {
    const text = encodeAddress(someHash, HRP);
    expect(decodeAddress(text.toUpperCase(), HRP)).toEqual(someHash);
  });

  it('refuses a hash that is not 20 bytes', () => {
    expect(() => encodeAddress(new Uint8Array(19), HRP)).toThrow(
      expect.objectContaining({ code: 'BAD_ADDRESS' }),
    );
  });
});

describe('decodeAddress says exactly what is wrong', () => {
  it('any single-character typo fails the checksum', () => {
    const text = encodeAddress(someHash, HRP);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length - 1 }), fc.constantFrom(...CHARSET), (at, ch) => {
        fc.pre(text[at] !== ch && text[at] !== '1');
        const typo = text.slice(0, at) + ch + text.slice(at + 1);
        const e = badAddress(typo);
        // A typo in the prefix is a checksum failure too: the prefix is inside the checksum.
        expect(e.message).toMatch(/checksum does not match/);
      }),
    );
  });

  it('two swapped neighbours fail the checksum', () => {
    const text = encodeAddress(someHash, HRP);
    for (let i = 6; i + 1 < text.length; i++) {
      if (text[i] === text[i + 1]) continue;
      const swapped = text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
      expect(badAddress(swapped).message).toMatch(/checksum/);
    }
  });

  it('an address of another chain names both prefixes', () => {
    const other = encodeAddress(someHash, 'tcairn');
    const e = badAddress(other);
    expect(e.message).toMatch(/another chain/);
    expect(e.message).toContain('"tcairn"');
    expect(e.message).toContain('"cairn"');
    expect(decodeAddress(other, 'tcairn')).toEqual(someHash);
  });

  it('a bech32 (BIP 173) checksum is recognised and named', () => {
    const old = bech32.encode(HRP, bech32.toWords(someHash));
    expect(badAddress(old).message).toMatch(/bech32 \(BIP 173\).*bech32m \(BIP 350\)/);
  });

  it('a payload of the wrong length is reported with both lengths', () => {
    for (const n of [0, 19, 21, 32]) {
      const text = bech32m.encode(HRP, bech32m.toWords(new Uint8Array(n)));
      const e = badAddress(text);
      expect(e.message).toMatch(/data characters; an address has 32 \(20 bytes\)/);
    }
  });

  it('mixed case is refused', () => {
    const text = encodeAddress(someHash, HRP);
    expect(badAddress(`C${text.slice(1)}`).message).toMatch(/mixes upper and lower case/);
  });

  it('characters outside the bech32 alphabet (1, b, i, o) are named with their position', () => {
    const text = encodeAddress(someHash, HRP);
    for (const ch of ['b', 'i', 'o']) {
      const e = badAddress(`${text.slice(0, 10)}${ch}${text.slice(11)}`);
      expect(e.message).toContain(`character "${ch}" at position 10`);
    }
  });

  it('no separator, too short, too long, empty', () => {
    expect(badAddress('cairnqqqqqqqq').message).toMatch(/no "1"/);
    expect(badAddress('').message).toMatch(/no "1"/);
    expect(badAddress('cairn1qqq').message).toMatch(/too short/);
    expect(badAddress(`cairn1${'q'.repeat(90)}`).message).toMatch(/limit is 90/);
  });

  it('checks the checksum exactly as BIP 350 and BIP 173 define it (their test vectors)', () => {
    // Valid bech32m strings from BIP 350: the checksum passes, so the complaint is about the payload.
    for (const s of [
      'A1LQFN3A',
      'a1lqfn3a',
      'split1checkupstagehandshakeupstreamerranterredcaperredlc445v',
    ]) {
      const hrp = s.slice(0, s.lastIndexOf('1')).toLowerCase();
      expect(badAddress(s, hrp).message, s).toMatch(/data characters/);
    }
    // This BIP 350 vector carries the whole alphabet backwards, words 31..0: exactly 160 bits, so it is a
    // well-formed address for the prefix "abcdef". Pack the words by hand to get its 20 bytes.
    let bits = 0n;
    for (let w = 31n; w >= 0n; w--) bits = (bits << 5n) | w;
    const packed = Uint8Array.from({ length: 20 }, (_, i) => Number((bits >> BigInt(8 * (19 - i))) & 0xffn));
    expect(decodeAddress('abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx', 'abcdef')).toEqual(packed);
    // Valid bech32 (BIP 173) strings are recognised as the older checksum.
    for (const s of ['A12UEL5L', 'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw']) {
      const hrp = s.slice(0, s.lastIndexOf('1')).toLowerCase();
      expect(badAddress(s, hrp).message, s).toMatch(/BIP 173/);
    }
  });

  it('never throws anything but BAD_ADDRESS on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 100 }), fc.stringMatching(/^cairn1[a-z0-9]{0,45}$/)),
        (s) => {
          try {
            decodeAddress(s, HRP);
          } catch (e) {
            expect(isRuleError(e) && e.code === 'BAD_ADDRESS').toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
