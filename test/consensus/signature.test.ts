import { createHash, createPublicKey, verify as opensslVerify } from 'node:crypto';
import * as secp from '@noble/secp256k1';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bigIntToBytes, bytesToBigInt, concatBytes, fromHex, toHex } from '../../src/consensus/bytes.js';
import { decodeTx, encodeTx, encodeUnsignedTx } from '../../src/consensus/encoding.js';
import { isRuleError, type RuleCode } from '../../src/consensus/errors.js';
import {
  CURVE_ORDER,
  checkTxSignature,
  hasValidScalars,
  isLowS,
  isValidPublicKey,
  publicKeyOf,
  signingHash,
  signTx,
  TX_SIGNING_TAG,
} from '../../src/consensus/signature.js';
import type { Tx, UnsignedTx } from '../../src/consensus/types.js';
import { arbAddressHash, arbHash, arbU64 } from './arbitraries.js';

const GENESIS_A = new Uint8Array(32).fill(0xaa);
const GENESIS_B = new Uint8Array(32).fill(0xbb);
const N = CURVE_ORDER;

/** A valid private key derived from a small seed (1 ≤ d < n). */
function key(seed: number): Uint8Array {
  return bigIntToBytes(BigInt(seed) * 0x9e3779b97f4a7c15n + 1n, 32);
}

function unsignedFrom(privateKey: Uint8Array, over: Partial<UnsignedTx> = {}): UnsignedTx {
  return {
    version: 1,
    nonce: 7n,
    fee: 1_000n,
    amount: 250_000_000n,
    to: new Uint8Array(20).fill(0x11),
    from: publicKeyOf(privateKey),
    ...over,
  };
}

function withSig(tx: Tx, r: bigint, s: bigint): Tx {
  return { ...tx, signature: concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32)) };
}

function codeOf(fn: () => void): RuleCode | 'none' {
  try {
    fn();
    return 'none';
  } catch (e) {
    if (isRuleError(e)) return e.code;
    throw e;
  }
}

const arbPrivateKey = (): fc.Arbitrary<Uint8Array> =>
  fc.bigInt({ min: 1n, max: N - 1n }).map((d) => bigIntToBytes(d, 32));

const arbUnsigned = (): fc.Arbitrary<Omit<UnsignedTx, 'from'>> =>
  fc.record({
    version: fc.integer({ min: 0, max: 0xff }),
    nonce: arbU64(),
    fee: arbU64(),
    amount: arbU64(),
    to: arbAddressHash(),
  });

describe('signingHash', () => {
  it('is SHA-256 of the utf-8 tag, the genesis hash and the 78 unsigned bytes', () => {
    fc.assert(
      fc.property(arbUnsigned(), arbHash(), (fields, genesis) => {
        const tx = { ...fields, from: publicKeyOf(key(1)) };
        // Computed independently with OpenSSL's SHA-256, from the spec's description.
        const expected = createHash('sha256')
          .update(Buffer.from('cairn/tx/v1', 'utf8'))
          .update(genesis)
          .update(encodeUnsignedTx(tx))
          .digest();
        expect(toHex(signingHash(tx, genesis))).toBe(expected.toString('hex'));
      }),
      { numRuns: 50 },
    );
    expect(TX_SIGNING_TAG).toBe('cairn/tx/v1');
  });

  it('changes with the genesis hash', () => {
    const tx = unsignedFrom(key(1));
    expect(toHex(signingHash(tx, GENESIS_A))).not.toBe(toHex(signingHash(tx, GENESIS_B)));
  });

  it('refuses a genesis hash that is not 32 bytes', () => {
    expect(() => signingHash(unsignedFrom(key(1)), new Uint8Array(31))).toThrow(RangeError);
  });
});

describe('publicKeyOf', () => {
  it('gives the compressed generator point for private key 1 (SEC 2 §2.4.1)', () => {
    expect(toHex(publicKeyOf(bigIntToBytes(1n, 32)))).toBe(
      '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    );
  });

  it('gives 33 bytes with an 0x02/0x03 prefix that is a valid point', () => {
    fc.assert(
      fc.property(arbPrivateKey(), (d) => {
        const q = publicKeyOf(d);
        expect(q.length).toBe(33);
        expect([0x02, 0x03]).toContain(q[0]);
        expect(isValidPublicKey(q)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });
});

describe('signTx / checkTxSignature round trip', () => {
  it('signs so that the reference verifier accepts, low-S and deterministically', () => {
    fc.assert(
      fc.property(arbPrivateKey(), arbUnsigned(), arbHash(), (d, fields, genesis) => {
        const unsigned = { ...fields, from: publicKeyOf(d) };
        const tx = signTx(unsigned, d, genesis);
        expect(tx.signature.length).toBe(64);
        expect(isLowS(tx.signature)).toBe(true);
        expect(codeOf(() => checkTxSignature(tx, genesis))).toBe('none');
        // RFC 6979: no randomness, so signing again gives the same bytes.
        expect(toHex(signTx(unsigned, d, genesis).signature)).toBe(toHex(tx.signature));
      }),
      { numRuns: 25 },
    );
  });

  it('produces signatures that OpenSSL verifies as ECDSA-SHA256 over tag ‖ genesis ‖ unsigned tx', () => {
    // An independent implementation checks both the digest construction and the r‖s encoding.
    const d = key(3);
    const tx = signTx(unsignedFrom(d), d, GENESIS_A);
    const spki = concatBytes(fromHex('3036301006072a8648ce3d020106052b8104000a032200'), tx.from);
    const pub = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    const preimage = concatBytes(new TextEncoder().encode('cairn/tx/v1'), GENESIS_A, encodeUnsignedTx(tx));
    const ok = (sig: Uint8Array) =>
      opensslVerify('sha256', preimage, { key: pub, dsaEncoding: 'ieee-p1363' }, sig);
    expect(ok(tx.signature)).toBe(true);
    expect(ok(signTx(unsignedFrom(d), d, GENESIS_B).signature)).toBe(false);
  });

  it('refuses to sign for a sender whose key it is not', () => {
    expect(() => signTx(unsignedFrom(key(1)), key(2), GENESIS_A)).toThrow(/does not belong/);
  });

  it('survives the wire: decode(encode(signed tx)) still verifies', () => {
    const d = key(4);
    const tx = signTx(unsignedFrom(d), d, GENESIS_A);
    expect(codeOf(() => checkTxSignature(decodeTx(encodeTx(tx)), GENESIS_A))).toBe('none');
  });

  it('rejects any single flipped bit of the signed tx', () => {
    const d = key(5);
    const wire = encodeTx(signTx(unsignedFrom(d), d, GENESIS_A));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: wire.length * 8 - 1 }), (bit) => {
        const bytes = wire.slice();
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        expect(['BAD_SIGNATURE', 'HIGH_S', 'BAD_PUBKEY']).toContain(
          codeOf(() => checkTxSignature(decodeTx(bytes), GENESIS_A)),
        );
      }),
      { numRuns: 60 },
    );
  });
});

describe('checkTxSignature rule codes', () => {
  const d = key(6);
  const tx = signTx(unsignedFrom(d), d, GENESIS_A);
  const r = bytesToBigInt(tx.signature.subarray(0, 32));
  const s = bytesToBigInt(tx.signature.subarray(32));

  it('BAD_SIGNATURE for the same tx on another chain (domain separation by genesis hash)', () => {
    expect(codeOf(() => checkTxSignature(tx, GENESIS_A))).toBe('none');
    expect(codeOf(() => checkTxSignature(tx, GENESIS_B))).toBe('BAD_SIGNATURE');
  });

  it('BAD_SIGNATURE for a signature over the digest without the tag', () => {
    const untagged = createHash('sha256').update(GENESIS_A).update(encodeUnsignedTx(tx)).digest();
    const sig = secp.sign(untagged, d, { prehash: false });
    expect(codeOf(() => checkTxSignature({ ...tx, signature: sig }, GENESIS_A))).toBe('BAD_SIGNATURE');
  });

  it('HIGH_S for the malleated twin (r, n − s), which is otherwise a valid ECDSA signature', () => {
    const twin = withSig(tx, r, N - s);
    expect(isLowS(twin.signature)).toBe(false);
    // Mathematically valid: only the low-S rule (BIP 62/146) refuses it.
    expect(
      secp.verify(twin.signature, signingHash(tx, GENESIS_A), tx.from, { prehash: false, lowS: false }),
    ).toBe(true);
    expect(codeOf(() => checkTxSignature(twin, GENESIS_A))).toBe('HIGH_S');
  });

  it('BAD_SIGNATURE for r or s outside [1, n − 1] (s ≥ n is malformed, not merely high)', () => {
    for (const [rr, ss] of [
      [0n, s],
      [r, 0n],
      [N, s],
      [N + 1n, s],
      [r, N],
      [r, N + 1n],
    ] as const) {
      expect(codeOf(() => checkTxSignature(withSig(tx, rr, ss), GENESIS_A))).toBe('BAD_SIGNATURE');
    }
  });

  it('BAD_SIGNATURE for a changed field, and for another valid key', () => {
    expect(codeOf(() => checkTxSignature({ ...tx, amount: tx.amount + 1n }, GENESIS_A))).toBe(
      'BAD_SIGNATURE',
    );
    expect(codeOf(() => checkTxSignature({ ...tx, from: publicKeyOf(key(7)) }, GENESIS_A))).toBe(
      'BAD_SIGNATURE',
    );
  });

  it('BAD_PUBKEY for a key that is not a compressed curve point', () => {
    // An x with no y on the curve: x³ + 7 is a non-residue mod p for about half of all x; find one.
    let offCurve: Uint8Array | null = null;
    for (let x = 1n; offCurve === null; x++) {
      const candidate = concatBytes(Uint8Array.of(0x02), bigIntToBytes(x, 32));
      try {
        secp.Point.fromBytes(candidate);
      } catch {
        offCurve = candidate;
      }
    }
    const uncompressedPrefix = Uint8Array.of(0x04, ...tx.from.subarray(1));
    const xAboveP = Uint8Array.of(0x02, ...new Uint8Array(32).fill(0xff));
    for (const from of [offCurve, uncompressedPrefix, Uint8Array.of(0x00, ...tx.from.subarray(1)), xAboveP]) {
      expect(codeOf(() => checkTxSignature({ ...tx, from }, GENESIS_A))).toBe('BAD_PUBKEY');
      expect(isValidPublicKey(from)).toBe(false);
    }
    expect(codeOf(() => checkTxSignature({ ...tx, from: tx.from.subarray(1) }, GENESIS_A))).toBe(
      'BAD_PUBKEY',
    );
  });
});

describe('isLowS and hasValidScalars', () => {
  const r = 1n;
  const sig = (s: bigint) => concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32));

  it('accepts s up to ⌊n/2⌋ exactly and refuses above', () => {
    expect(isLowS(sig(N / 2n))).toBe(true);
    expect(isLowS(sig(N / 2n + 1n))).toBe(false);
    expect(isLowS(sig(1n))).toBe(true);
    expect(isLowS(sig(N - 1n))).toBe(false);
    expect(isLowS(new Uint8Array(63))).toBe(false);
  });

  it('requires 1 ≤ r, s ≤ n − 1', () => {
    expect(hasValidScalars(sig(1n))).toBe(true);
    expect(hasValidScalars(sig(N - 1n))).toBe(true);
    expect(hasValidScalars(sig(0n))).toBe(false);
    expect(hasValidScalars(sig(N))).toBe(false);
    expect(hasValidScalars(concatBytes(bigIntToBytes(N, 32), bigIntToBytes(1n, 32)))).toBe(false);
    expect(hasValidScalars(new Uint8Array(65))).toBe(false);
  });
});
