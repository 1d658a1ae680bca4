// Transaction signatures: ECDSA over secp256k1 (SEC 1 §4.1, SEC 2 §2.4.1), exactly as docs/PROTOCOL.md
// §4.2 and §4.3 fix them.
//
//   signing hash = SHA-256( utf8("cairn/tx/v1") ‖ genesisHash ‖ encodeUnsignedTx(tx) )
//   signature    = r ‖ s, 32 bytes each, big-endian, with 1 ≤ r < n and 1 ≤ s ≤ n/2 (low-S)
//
// This module is the REFERENCE: it signs (deterministic nonces, RFC 6979) and verifies with
// @noble/secp256k1, audited pure JS that reads like the spec. The node's hot path verifies through the
// faster backends in src/crypto/, which are differentially tested against `checkTxSignature` here.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as secp from '@noble/secp256k1';
import { bigIntToBytes, bytesEqual, compareBytes, concatBytes } from './bytes.js';
import { encodeUnsignedTx } from './encoding.js';
import { ensure } from './errors.js';
import { HASH_BYTES, PUBKEY_BYTES, SIGNATURE_BYTES, type Tx, type UnsignedTx } from './types.js';

// noble ships without a synchronous SHA-256 so that it has zero dependencies; its sync `sign` (HMAC-DRBG
// of RFC 6979) and `verify` need one. Wiring the hooks is the library's documented setup, done once here
// at import, before anything can sign. It is the one module-level effect in src/consensus, and a benign
// one: it installs the same pure functions every time, so no result ever depends on import order.
secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key, message) => hmac(sha256, key, message);

/**
 * The domain tag. Prefixing a purpose-specific string keeps a tx signature from ever being valid for any
 * other message Cairn (or anyone else using the same key) might sign: the idea of BIP 340's tagged hashes,
 * in its simplest form (BIP 340 prefixes SHA-256(tag) twice, filling one 64-byte block so implementations
 * can cache the midstate; one fixed tag needs no such trick). The `/v1` lets a future tx format change
 * the tag instead of risking a collision with old signatures.
 */
export const TX_SIGNING_TAG = 'cairn/tx/v1';
const TAG_BYTES = new TextEncoder().encode(TX_SIGNING_TAG);

/** secp256k1's group order n (SEC 2 §2.4.1): the valid scalars are 1 … n − 1. */
export const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** ⌊n/2⌋ as 32 big-endian bytes: the largest `s` that BIP 62/146 "low S" allows. */
const HALF_ORDER_BYTES = bigIntToBytes(CURVE_ORDER >> 1n, 32);
const ORDER_BYTES = bigIntToBytes(CURVE_ORDER, 32);
const ZERO_32 = new Uint8Array(32);

/**
 * The 32-byte digest a sender signs (Core: SignatureHash, which serialises the spending tx and hashes it).
 * Committing to the genesis hash binds the signature to one chain: the same transfer, signed for a
 * devnet, is BAD_SIGNATURE on regtest or any other network, so it can never be replayed there even when
 * the same key holds funds on both. One SHA-256 is enough: the input has a fixed length and a fixed
 * prefix, so length extension gives an attacker nothing to sign.
 */
export function signingHash(tx: UnsignedTx, genesisHash: Uint8Array): Uint8Array {
  if (genesisHash.length !== HASH_BYTES) {
    throw new RangeError(`genesis hash must be ${HASH_BYTES} bytes, got ${genesisHash.length}`);
  }
  return sha256(concatBytes(TAG_BYTES, genesisHash, encodeUnsignedTx(tx)));
}

/** The 33-byte compressed public key (SEC 1 §2.3.3) of a 32-byte private key; this is a tx's `from`. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return secp.getPublicKey(privateKey, true);
}

/**
 * Sign a tx. The nonce k comes from RFC 6979 (HMAC-DRBG over key and digest), so the same tx and key
 * always give the same signature and a broken random number generator can never leak the key. noble
 * returns low-S by default; `prehash: false` because the digest is already our own `signingHash`
 * (letting noble hash it again would sign SHA-256 of the digest instead). Core: CKey::Sign.
 */
export function signTx(tx: UnsignedTx, privateKey: Uint8Array, genesisHash: Uint8Array): Tx {
  // A signature by any other key could never verify against `from`; say so now, not at the node.
  if (!bytesEqual(publicKeyOf(privateKey), tx.from)) {
    throw new Error('signTx: the private key does not belong to the tx sender (`from`)');
  }
  const signature = secp.sign(signingHash(tx, genesisHash), privateKey, {
    prehash: false,
    lowS: true,
    format: 'compact',
  });
  return {
    version: tx.version,
    nonce: tx.nonce,
    fee: tx.fee,
    amount: tx.amount,
    to: tx.to,
    from: tx.from,
    signature,
  };
}

/**
 * Is this 64-byte r‖s signature's `s` in the lower half, s ≤ ⌊n/2⌋ (BIP 62 rule 5, BIP 146 LOW_S)?
 * For every valid (r, s), (r, n − s) is valid too; accepting both would let anyone change a tx's
 * bytes, and so its id, without the key (malleability). Core: CPubKey::CheckLowS.
 * Compared as bytes, not bigints: this runs once per signature on the hot path.
 */
export function isLowS(signature: Uint8Array): boolean {
  return signature.length === SIGNATURE_BYTES && compareBytes(signature.subarray(32), HALF_ORDER_BYTES) <= 0;
}

/** Is this 32-byte big-endian number a valid scalar, 1 ≤ x < n? ECDSA is undefined outside that range. */
function isScalar(x: Uint8Array): boolean {
  return compareBytes(x, ZERO_32) > 0 && compareBytes(x, ORDER_BYTES) < 0;
}

/**
 * Is `signature` well formed: 64 bytes, r and s both in [1, n − 1]? (Not yet low-S; that is its own
 * rule with its own code.) r = 0 or s = 0 must be refused explicitly: a verifier that computes s⁻¹ of 0
 * as 0 accepts such a signature for any message (CVE-2022-21449, "psychic signatures").
 */
export function hasValidScalars(signature: Uint8Array): boolean {
  return (
    signature.length === SIGNATURE_BYTES &&
    isScalar(signature.subarray(0, 32)) &&
    isScalar(signature.subarray(32, 64))
  );
}

/** Is `publicKey` a 33-byte compressed encoding (0x02/0x03 ‖ x) of a point on the curve? */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBKEY_BYTES || (publicKey[0] !== 0x02 && publicKey[0] !== 0x03)) return false;
  try {
    secp.Point.fromBytes(publicKey); // decompresses, and throws if x has no point on the curve
    return true;
  } catch {
    return false;
  }
}

/**
 * The reference signature check: returns if `tx.signature` is a valid low-S ECDSA signature by
 * `tx.from` over the tx's signing hash on the chain of `genesisHash`, else throws a RuleError:
 * BAD_PUBKEY (not a compressed curve point), BAD_SIGNATURE (r or s outside [1, n − 1], or the ECDSA
 * equation fails) or HIGH_S (well formed but s > n/2). Core: CheckInputScripts → VerifyScript →
 * CPubKey::Verify (with SCRIPT_VERIFY_LOW_S).
 */
export function checkTxSignature(tx: Tx, genesisHash: Uint8Array): void {
  ensure(
    isValidPublicKey(tx.from),
    'BAD_PUBKEY',
    'the sender key is not a 33-byte compressed secp256k1 point (0x02/0x03 followed by an x on the curve)',
  );
  ensure(
    hasValidScalars(tx.signature),
    'BAD_SIGNATURE',
    'the signature is not 64 bytes r‖s with r and s both in [1, n − 1]',
  );
  ensure(
    isLowS(tx.signature),
    'HIGH_S',
    'the signature has s > n/2; only the low-S form is valid, so a tx id cannot be malleated (BIP 62/146)',
  );
  const digest = signingHash(tx, genesisHash); // an unencodable field throws BAD_ENCODING here
  let valid: boolean;
  try {
    valid = secp.verify(tx.signature, digest, tx.from, { prehash: false, lowS: true });
  } catch {
    valid = false; // noble throws on inputs it cannot parse; the checks above should leave none
  }
  ensure(
    valid,
    'BAD_SIGNATURE',
    'the signature does not verify for this sender, these fields and this chain (genesis hash)',
  );
}
