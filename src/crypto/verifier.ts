// Signature verification backends behind one small interface. Verifying is the node's hottest path (every
// tx is checked once in the mempool and every block carries up to thousands), so the node uses the fastest
// backend that runs everywhere Node runs, and proves it equivalent to the reference by differential tests
// (test/crypto/verifier.test.ts, including the Wycheproof vectors).
//
// Measured on the 2-core machine this was written on, one core, distinct keys and messages:
//   @noble/secp256k1 (pure JS, the reference)         ~410 verifications/s
//   node:crypto (OpenSSL, cached KeyObjects)          ~2,900/s, but only over a preimage (see below)
//   tiny-secp256k1 (libsecp256k1 compiled to WASM)    ~4,300/s   ← the default, ~10× noble
//
// node:crypto is not a backend: its ECDSA verify always hashes the data it is given (`crypto.verify(null,
// …)` on an EC key picks SHA-256, and OpenSSL's "null" digest is not exposed), so it cannot check a
// signature over a digest we already computed, which is what this interface (and ECDSA itself) is about.
// It could verify Cairn txs by re-hashing the signing preimage, yet it is still slower than the WASM build
// of libsecp256k1, so it earns no place here.
import * as secp from '@noble/secp256k1';
import * as tiny from 'tiny-secp256k1';
import { hasValidScalars, isLowS } from '../consensus/signature.js';
import { HASH_BYTES, PUBKEY_BYTES } from '../consensus/types.js';

/**
 * Verifies one ECDSA/secp256k1 signature over a 32-byte digest. Synchronous and single-core: parallelism
 * is the VerifierPool's job. Returns true only for a 64-byte r‖s signature with r, s in [1, n − 1] and
 * s ≤ n/2, by the 33-byte compressed key, over exactly `msgHash` (never hashed again). Never throws:
 * malformed input is simply not a valid signature.
 */
export interface SignatureVerifier {
  readonly name: string;
  verify(msgHash: Uint8Array, publicKey: Uint8Array, signature: Uint8Array): boolean;
}

/** The backends the node can run, by name; a name is what crosses to a worker thread. */
export type BackendName = 'noble' | 'tiny-secp256k1';

/**
 * Wrap a library's raw verify with the checks every backend must agree on, done once here in JS so no
 * backend's own leniency (or strictness) can make the node accept or refuse differently: exact lengths,
 * a compressed-key prefix, r and s in range, low S. Then anything the library throws becomes `false`.
 */
function guarded(
  name: BackendName,
  raw: (msgHash: Uint8Array, publicKey: Uint8Array, signature: Uint8Array) => boolean,
): SignatureVerifier {
  return {
    name,
    verify(msgHash, publicKey, signature) {
      if (msgHash.length !== HASH_BYTES || publicKey.length !== PUBKEY_BYTES) return false;
      if (publicKey[0] !== 0x02 && publicKey[0] !== 0x03) return false;
      if (!hasValidScalars(signature) || !isLowS(signature)) return false;
      try {
        return raw(msgHash, publicKey, signature) === true;
      } catch {
        return false; // e.g. an x coordinate with no point on the curve
      }
    },
  };
}

/** The reference: @noble/secp256k1, the same code that signs (hooks set up by consensus/signature.ts). */
export const nobleVerifier: SignatureVerifier = guarded('noble', (h, q, sig) =>
  secp.verify(sig, h, q, { prehash: false, lowS: true }),
);

/**
 * libsecp256k1 (Bitcoin Core's own library) compiled to WebAssembly: portable (no native build), and
 * about ten times faster than pure JS. `strict` = true makes libsecp256k1 itself refuse high S too
 * (secp256k1_ecdsa_verify only accepts normalised signatures), though the guard already has.
 */
export const tinySecp256k1Verifier: SignatureVerifier = guarded('tiny-secp256k1', (h, q, sig) =>
  tiny.verify(h, q, sig, true),
);

const BACKENDS: Readonly<Record<BackendName, SignatureVerifier>> = {
  noble: nobleVerifier,
  'tiny-secp256k1': tinySecp256k1Verifier,
};

/** Every backend, for differential tests and benchmarks. */
export const allVerifiers: readonly SignatureVerifier[] = Object.values(BACKENDS);

/** The fastest portable backend on the measurements above. */
export const DEFAULT_BACKEND: BackendName = 'tiny-secp256k1';
export const defaultVerifier: SignatureVerifier = BACKENDS[DEFAULT_BACKEND];

export function verifierByName(name: BackendName): SignatureVerifier {
  const v = BACKENDS[name];
  if (v === undefined) throw new Error(`unknown signature backend: ${String(name)}`);
  return v;
}
