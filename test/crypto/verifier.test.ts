// Every backend must give exactly the reference's answer: on Wycheproof's adversarial vectors, on random
// valid and mutated signatures, and on malformed input (false, never an exception). "Every backend" is
// every one that loads here: the portable two, plus native libsecp256k1 when the optional module is
// installed (test/crypto/native-secp256k1.test.ts says whether it is, and requires it in CI).
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import * as secp from '@noble/secp256k1';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bigIntToBytes, bytesToBigInt, concatBytes, fromHex } from '../../src/consensus/bytes.js';
import { CURVE_ORDER, publicKeyOf } from '../../src/consensus/signature.js';
import {
  allVerifiers,
  DEFAULT_BACKEND,
  defaultVerifier,
  loadedVerifiers,
  nobleVerifier,
  tinySecp256k1Verifier,
  verifierByName,
} from '../../src/crypto/verifier.js';
import { nativeStatus } from './native-status.js';

const backends = loadedVerifiers();
const backendNames = backends.map((v) => v.name).join(', ');

interface WycheproofTest {
  tcId: number;
  comment: string;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface WycheproofFile {
  numberOfTests: number;
  testGroups: { publicKey: { uncompressed: string }; tests: WycheproofTest[] }[];
}

const wycheproof = JSON.parse(
  readFileSync(
    new URL('../vectors/wycheproof/ecdsa_secp256k1_sha256_bitcoin_test.json', import.meta.url),
    'utf8',
  ),
) as WycheproofFile;

/**
 * Strict DER (X.690 §10, as Bitcoin's BIP 66 requires) → 64-byte r‖s, or null. Any alternative (BER)
 * encoding, negative or non-minimal integer, trailing byte, or integer wider than 256 bits is refused,
 * because Wycheproof's bitcoin file treats all of those as invalid signatures.
 */
function derToCompact(der: Uint8Array): Uint8Array | null {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2 || der[1]! >= 0x80) return null;
  let off = 2;
  const ints: Uint8Array[] = [];
  for (let k = 0; k < 2; k++) {
    if (der[off] !== 0x02) return null;
    const len = der[off + 1];
    if (len === undefined || len === 0 || len >= 0x80 || off + 2 + len > der.length) return null;
    const v = der.subarray(off + 2, off + 2 + len);
    if (v[0]! & 0x80) return null; // negative
    if (len > 1 && v[0] === 0 && !(v[1]! & 0x80)) return null; // non-minimal leading zero
    ints.push(v);
    off += 2 + len;
  }
  if (off !== der.length) return null;
  const out = new Uint8Array(64);
  for (let k = 0; k < 2; k++) {
    let v = ints[k]!;
    if (v.length === 33 && v[0] === 0) v = v.subarray(1);
    if (v.length > 32) return null;
    out.set(v, 32 * k + 32 - v.length);
  }
  return out;
}

describe('backend registry', () => {
  it('defaults to the WASM libsecp256k1 backend and knows every backend by name', () => {
    expect(DEFAULT_BACKEND).toBe('tiny-secp256k1');
    expect(defaultVerifier).toBe(tinySecp256k1Verifier);
    for (const v of allVerifiers) expect(verifierByName(v.name as typeof DEFAULT_BACKEND)).toBe(v);
    expect(allVerifiers.map((v) => v.name).sort()).toEqual(['noble', 'tiny-secp256k1']);
  });
});

describe(`Wycheproof ecdsa_secp256k1_sha256_bitcoin (high S is invalid, as on this chain) [${backendNames}; ${nativeStatus}]`, () => {
  it('every backend matches the expected result and the reference on every vector', () => {
    let total = 0;
    let verifiedValid = 0;
    let unparseable = 0;
    for (const group of wycheproof.testGroups) {
      const publicKey = secp.Point.fromHex(group.publicKey.uncompressed).toBytes(true);
      for (const t of group.tests) {
        total++;
        const msgHash = sha256(fromHex(t.msg)); // the file signs SHA-256(msg); we verify the digest
        const sig = derToCompact(fromHex(t.sig));
        const label = `tcId ${t.tcId} (${t.comment})`;
        if (sig === null) {
          // Not representable as r‖s at all: our wire format cannot even carry it.
          expect(t.result, label).not.toBe('valid');
          unparseable++;
          continue;
        }
        const reference = nobleVerifier.verify(msgHash, publicKey, sig);
        // "acceptable" (none in this version of the file) only has to agree with the reference.
        if (t.result !== 'acceptable') expect(reference, label).toBe(t.result === 'valid');
        for (const v of backends)
          expect(v.verify(msgHash, publicKey, sig), `${v.name} ${label}`).toBe(reference);
        if (reference) verifiedValid++;
      }
    }
    expect(total).toBe(wycheproof.numberOfTests);
    // Every valid vector really went through the backends (none lost to the DER parser).
    const validInFile = wycheproof.testGroups.flatMap((g) => g.tests).filter((t) => t.result === 'valid');
    expect(verifiedValid).toBe(validInFile.length);
    expect(unparseable).toBeGreaterThan(0);
  });
});

describe(`differential: every backend agrees with noble [${backendNames}]`, () => {
  const arbKey = fc.bigInt({ min: 1n, max: CURVE_ORDER - 1n }).map((d) => bigIntToBytes(d, 32));
  const arbMsg = fc.uint8Array({ minLength: 32, maxLength: 32 });

  it('on valid signatures from random keys and digests (all true)', () => {
    fc.assert(
      fc.property(arbKey, arbMsg, (d, msgHash) => {
        const sig = secp.sign(msgHash, d, { prehash: false });
        const q = publicKeyOf(d);
        for (const v of backends) expect(v.verify(msgHash, q, sig), v.name).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  const mutations = [
    'flip-msg-bit',
    'flip-sig-bit',
    'high-s',
    'other-key',
    'random-sig',
    'random-key-bytes',
  ] as const;

  it('on mutated signatures, digests and keys (same answer, never a throw)', () => {
    fc.assert(
      fc.property(
        arbKey,
        arbMsg,
        fc.constantFrom(...mutations),
        fc.nat(511),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (d, msgHash, mutation, bit, noise) => {
          let sig: Uint8Array = secp.sign(msgHash, d, { prehash: false });
          let q: Uint8Array = publicKeyOf(d);
          let h = msgHash;
          switch (mutation) {
            case 'flip-msg-bit':
              h = msgHash.slice();
              h[(bit >> 3) % 32]! ^= 1 << (bit & 7);
              break;
            case 'flip-sig-bit':
              sig = sig.slice();
              sig[bit >> 3]! ^= 1 << (bit & 7);
              break;
            case 'high-s': {
              const s = bytesToBigInt(sig.subarray(32));
              sig = concatBytes(sig.subarray(0, 32), bigIntToBytes(CURVE_ORDER - s, 32));
              break;
            }
            case 'other-key':
              q = publicKeyOf(bigIntToBytes((bytesToBigInt(d) % (CURVE_ORDER - 2n)) + 1n, 32));
              break;
            case 'random-sig':
              sig = noise;
              break;
            case 'random-key-bytes':
              q = Uint8Array.of(0x02 | (bit & 1), ...noise.subarray(0, 32));
              break;
          }
          const reference = nobleVerifier.verify(h, q, sig);
          if (mutation === 'high-s') expect(reference).toBe(false);
          for (const v of backends) expect(v.verify(h, q, sig), `${v.name} ${mutation}`).toBe(reference);
        },
      ),
      { numRuns: 120 },
    );
  });

  // The scalar range checks: r and s must be in [1, n − 1] (SEC 1 §4.1.4 step 1). Libraries differ on
  // how they refuse the rest (an exception, a parse failure, reduction mod n), so each edge is explicit.
  const n = CURVE_ORDER;
  const scalars: Record<string, (x: bigint) => bigint | null> = {
    zero: () => 0n,
    n: () => n,
    'n + x (≥ n, ≡ x mod n)': (x) => (x + n < 2n ** 256n ? x + n : null),
    '2^256 − 1': () => 2n ** 256n - 1n,
    'n − 1 (in range)': () => n - 1n,
  };
  const edges = Object.keys(scalars).flatMap((what) => [`r = ${what}`, `s = ${what}`]);

  it('on r or s zero or ≥ n (false, the same for every backend)', () => {
    fc.assert(
      fc.property(arbKey, arbMsg, fc.constantFrom(...edges), (d, msgHash, edge) => {
        const sig = secp.sign(msgHash, d, { prehash: false });
        const q = publicKeyOf(d);
        const which = edge.startsWith('r') ? 0 : 1;
        const x = bytesToBigInt(sig.subarray(32 * which, 32 * which + 32));
        const v = scalars[edge.slice(4)]!(x);
        if (v === null) return; // r + n does not fit in 32 bytes: no such signature on the wire
        const bad = sig.slice();
        bad.set(bigIntToBytes(v, 32), 32 * which);
        const reference = nobleVerifier.verify(msgHash, q, bad);
        // n − 1 is in range: a valid point, but not this signature (and s = n − 1 is high S anyway).
        expect(reference, edge).toBe(false);
        for (const b of backends) expect(b.verify(msgHash, q, bad), `${b.name} ${edge}`).toBe(false);
        // …while the untouched signature is valid for every backend.
        for (const b of backends) expect(b.verify(msgHash, q, sig), b.name).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe('malformed input', () => {
  const d = bigIntToBytes(12345n, 32);
  const h = sha256(new Uint8Array([1]));
  const q = publicKeyOf(d);
  const sig = secp.sign(h, d, { prehash: false });
  const uncompressed = secp.getPublicKey(d, false);

  it('is false, never an exception, for every backend', () => {
    const cases: [string, Uint8Array, Uint8Array, Uint8Array][] = [
      ['short digest', h.subarray(1), q, sig],
      ['long digest', concatBytes(h, Uint8Array.of(0)), q, sig],
      ['empty key', h, new Uint8Array(0), sig],
      ['uncompressed key (65 bytes)', h, uncompressed, sig],
      ['0x04 prefix on 33 bytes', h, Uint8Array.of(0x04, ...q.subarray(1)), sig],
      ['x ≥ p', h, Uint8Array.of(0x02, ...new Uint8Array(32).fill(0xff)), sig],
      ['63-byte signature', h, q, sig.subarray(1)],
      ['65-byte signature', h, q, concatBytes(sig, Uint8Array.of(1))],
      ['r = s = 0', h, q, new Uint8Array(64)],
      ['all-ones signature', h, q, new Uint8Array(64).fill(0xff)],
    ];
    for (const v of backends) {
      expect(v.verify(h, q, sig), v.name).toBe(true); // the untouched triple is valid
      for (const [what, hh, qq, ss] of cases) {
        expect(() => v.verify(hh, qq, ss), `${v.name}: ${what}`).not.toThrow();
        expect(v.verify(hh, qq, ss), `${v.name}: ${what}`).toBe(false);
      }
    }
  });
});
