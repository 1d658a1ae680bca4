// Signature verification backends behind one small interface. Verifying is the node's hottest path (every
// tx is checked once in the mempool and every block carries up to thousands), so the node uses the fastest
// backend that loads here, and proves each equivalent to the reference by differential tests
// (test/crypto/verifier.test.ts, including the Wycheproof vectors).
//
// Measured on the 2-core machine this was written on, one core, distinct keys and messages:
//   @noble/secp256k1 (pure JS, the reference)         ~410 verifications/s
//   node:crypto (OpenSSL, cached KeyObjects)          ~2,900/s, but only over a preimage (see below)
//   tiny-secp256k1 (libsecp256k1 compiled to WASM)    ~4,300/s   ← the portable default, ~10× noble
//   secp256k1 (libsecp256k1 as a native N-API addon)  see docs/BENCHMARKS.md (sig.native_vs_wasm)
//
// The native addon is an optional dependency (native-secp256k1.ts): chosen when it loads and passes its
// self-test, else the WASM build, which runs everywhere Node runs. CAIRN_VERIFIER or `cairn start
// --verifier` can force one; a forced backend that cannot load is an error, never a silent fallback.
//
// node:crypto is not a backend: its ECDSA verify always hashes the data it is given (`crypto.verify(null,
// …)` on an EC key picks SHA-256, and OpenSSL's "null" digest is not exposed), so it cannot check a
// signature over a digest we already computed, which is what this interface (and ECDSA itself) is about.
// It could verify Cairn txs by re-hashing the signing preimage, yet it is still slower than the WASM build
// of libsecp256k1, so it earns no place here.
import * as secp from '@noble/secp256k1';
import * as tiny from 'tiny-secp256k1';
import { CodedError, type OutcomeKind } from '../consensus/errors.js';
import { hasValidScalars, isLowS } from '../consensus/signature.js';
import { HASH_BYTES, PUBKEY_BYTES } from '../consensus/types.js';
import { loadNativeSecp256k1 } from './native-secp256k1.js';

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
export type BackendName = 'noble' | 'tiny-secp256k1' | 'secp256k1-native';

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

/**
 * libsecp256k1 built natively for this machine (the optional `secp256k1` package), or null when it is not
 * installed, does not load, or failed its self-test. Like the WASM build, its verify only accepts
 * normalised signatures and throws on unparseable ones (r or s ≥ n, x not on the curve): the guard
 * turns those into false.
 */
export function nativeVerifier(): SignatureVerifier | null {
  const native = loadNativeSecp256k1();
  if (!native.ok) return null;
  nativeBackend ??= guarded('secp256k1-native', (h, q, sig) => native.lib.ecdsaVerify(sig, h, q));
  return nativeBackend;
}
let nativeBackend: SignatureVerifier | undefined;

const BACKENDS: Readonly<Record<Exclude<BackendName, 'secp256k1-native'>, SignatureVerifier>> = {
  noble: nobleVerifier,
  'tiny-secp256k1': tinySecp256k1Verifier,
};

/** Every portable backend (they load wherever Node runs); see loadedVerifiers() for native too. */
export const allVerifiers: readonly SignatureVerifier[] = Object.values(BACKENDS);

/** Every backend that loads on this machine: the portable ones, plus native when available. */
export function loadedVerifiers(): readonly SignatureVerifier[] {
  const native = nativeVerifier();
  return native === null ? allVerifiers : [...allVerifiers, native];
}

/** The fastest portable backend on the measurements above: the fallback when native does not load. */
export const DEFAULT_BACKEND: BackendName = 'tiny-secp256k1';
export const defaultVerifier: SignatureVerifier = BACKENDS[DEFAULT_BACKEND];

/** The backend called `name`; throws VerifierError NATIVE_UNAVAILABLE if it is native and cannot load. */
export function verifierByName(name: BackendName): SignatureVerifier {
  if (name === 'secp256k1-native') {
    const native = nativeVerifier();
    if (native === null) throw nativeUnavailable(`backend ${name}`);
    return native;
  }
  const v = BACKENDS[name];
  if (v === undefined) {
    throw new VerifierError('UNKNOWN_VERIFIER', `unknown signature backend: ${String(name)}`);
  }
  return v;
}

// ---- Choosing a backend -------------------------------------------------------------------------------

/** What a person asks for (CAIRN_VERIFIER, `--verifier`): a kind of backend, not a package name. */
export const VERIFIER_CHOICES = ['auto', 'native', 'wasm', 'noble'] as const;
export type VerifierChoice = (typeof VERIFIER_CHOICES)[number];
export const VERIFIER_ENV = 'CAIRN_VERIFIER';

const BACKEND_OF_CHOICE: Readonly<Record<Exclude<VerifierChoice, 'auto'>, BackendName>> = {
  native: 'secp256k1-native',
  wasm: 'tiny-secp256k1',
  noble: 'noble',
};

/**
 * The backend to run: `requested` (a `--verifier` flag) if given, else $CAIRN_VERIFIER, else `auto`, which
 * is native when it loads and the WASM build otherwise. A forced choice must load, or this throws a
 * VerifierError (UNKNOWN_VERIFIER, NATIVE_UNAVAILABLE) saying why: a node asked to run native and quietly
 * running 4× slower would be worse than one that refuses to start.
 */
export function resolveBackend(requested?: string, env: NodeJS.ProcessEnv = process.env): BackendName {
  const choice = requested ?? (env[VERIFIER_ENV] || 'auto');
  if (!(VERIFIER_CHOICES as readonly string[]).includes(choice)) {
    const from = requested === undefined ? `${VERIFIER_ENV}=${choice}` : `verifier ${JSON.stringify(choice)}`;
    throw new VerifierError(
      'UNKNOWN_VERIFIER',
      `unknown signature verifier (${from}): choose one of ${VERIFIER_CHOICES.join(', ')}`,
    );
  }
  if (choice === 'auto') {
    return loadNativeSecp256k1(env).ok ? 'secp256k1-native' : DEFAULT_BACKEND;
  }
  const name = BACKEND_OF_CHOICE[choice as Exclude<VerifierChoice, 'auto'>];
  if (name === 'secp256k1-native' && !loadNativeSecp256k1(env).ok) {
    throw nativeUnavailable(requested === undefined ? `${VERIFIER_ENV}=native` : 'verifier native', env);
  }
  return name;
}

function nativeUnavailable(what: string, env: NodeJS.ProcessEnv = process.env): VerifierError {
  const load = loadNativeSecp256k1(env);
  const reason = load.ok ? 'unknown' : load.reason;
  return new VerifierError(
    'NATIVE_UNAVAILABLE',
    `${what} was asked for, but the native libsecp256k1 cannot be used: ${reason}. ` +
      'Use --verifier wasm (the same library compiled to WebAssembly), or auto to take the fastest that loads',
  );
}

// ---- Errors -------------------------------------------------------------------------------------------

/** Why a backend cannot be had; both are a person's configuration, so of kind `input` (CLI exit USAGE). */
export const VERIFIER_CODES = {
  UNKNOWN_VERIFIER: { kind: 'input' },
  NATIVE_UNAVAILABLE: { kind: 'input' },
} as const satisfies Record<string, { kind: OutcomeKind }>;
export type VerifierCode = keyof typeof VERIFIER_CODES;

export class VerifierError extends CodedError<VerifierCode> {
  override readonly name = 'VerifierError';

  constructor(code: VerifierCode, message: string) {
    super(code, message, VERIFIER_CODES[code]);
  }
}
