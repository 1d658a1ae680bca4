// Load libsecp256k1 as a native addon (the optional npm package `secp256k1`, N-API, with prebuilt
// binaries for linux-x64, darwin-arm64 and win32-x64 inside the package), or say precisely why not.
//
// Optional means: an install without it (`npm install --omit=optional`, another platform, a binary that
// will not load) still runs, on the WASM build of the same library. Checked means: a module that loads is
// only used after it has given the right verdict on a known valid signature and on three known-bad
// twins of it, so a broken or mismatched binary is refused here instead of splitting the node from the
// network later.
//
// We require `secp256k1/bindings`, never the package's main entry: that one silently falls back to a
// pure-JS implementation (elliptic) when the addon does not load, and we would measure and report
// "native" while running the slowest code of all.
import { createRequire } from 'node:module';
import { concatBytes, fromHex } from '../consensus/bytes.js';

/** The one function of the package's API that the node uses. */
export interface NativeSecp256k1 {
  /** True or false for a 64-byte r‖s; throws on a signature with r or s ≥ n, or a key not on the curve. */
  ecdsaVerify(signature: Uint8Array, msgHash: Uint8Array, publicKey: Uint8Array): boolean;
}

export type NativeLoad =
  | { readonly ok: true; readonly lib: NativeSecp256k1 }
  | { readonly ok: false; readonly reason: string };

/**
 * Set to 1 to make the loader behave as if the package were missing: the fallback path (WASM) can then be
 * run and tested on a machine where the native module works (.ci/run does so for test/crypto).
 */
export const DISABLE_NATIVE_ENV = 'CAIRN_DISABLE_NATIVE';

/** The platforms the package ships a prebuilt binary for; elsewhere it needs a C++ toolchain. */
export const PREBUILT_PLATFORMS: readonly string[] = ['linux-x64', 'darwin-arm64', 'win32-x64'];

let cached: NativeLoad | undefined;

/** Load (once per thread) and self-test the native module. Never throws. */
export function loadNativeSecp256k1(env: NodeJS.ProcessEnv = process.env): NativeLoad {
  if (env[DISABLE_NATIVE_ENV] === '1') {
    return { ok: false, reason: `disabled by ${DISABLE_NATIVE_ENV}=1` };
  }
  cached ??= load();
  return cached;
}

function load(): NativeLoad {
  let lib: NativeSecp256k1;
  try {
    lib = createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason =
      err.code === 'MODULE_NOT_FOUND'
        ? 'the optional package secp256k1 is not installed (or has no binary for this platform)'
        : `the secp256k1 addon failed to load: ${err.message}`;
    return { ok: false, reason };
  }
  const failed = selfTest(lib);
  if (failed !== null) return { ok: false, reason: `the secp256k1 addon failed its self-test: ${failed}` };
  return { ok: true, lib };
}

// A fixed known answer (made with @noble/secp256k1, the reference): key = SHA-256("cairn native secp256k1
// self-test key"), digest = SHA-256("cairn native secp256k1 self-test message"), RFC 6979 low-S signature.
const SELF_TEST = {
  publicKey: '03a4389c96a14bb2d12d23a7b7117d31124dac85acd77a3a2879831c661bd851e5',
  otherKey: '03944312e7a07e4ad88493867d2f9caf53a63d161719b96aebd2bae1ca519eec83',
  msgHash: '9ca129a8dc65b0199f2624ad5f798433d4a1b90ddb830dff5e0207fece922028',
  signature:
    'fbb7e0d6e2ed10619a07df2ce01372f18135564d3c971bc3d9045ce69888519c' +
    '586bce59bf69b787dd6993e2349466e4416a0147e02381bb64aa858962672086',
  /** n − s: the same signature's high-S twin. */
  highS: 'a79431a64096487822966c1dcb6b991a7944db9ecf251e805b27d9036dcf20bb',
} as const;

/** One check per verdict that matters; null when all pass, else what went wrong. */
function selfTest(lib: NativeSecp256k1): string | null {
  const q = fromHex(SELF_TEST.publicKey);
  const h = fromHex(SELF_TEST.msgHash);
  const sig = fromHex(SELF_TEST.signature);
  const otherDigest = h.slice();
  otherDigest[0]! ^= 1;
  const highS = concatBytes(sig.subarray(0, 32), fromHex(SELF_TEST.highS));
  try {
    if (lib.ecdsaVerify(sig, h, q) !== true) return 'refused a valid signature';
    if (lib.ecdsaVerify(sig, otherDigest, q) !== false) return 'accepted a signature over another digest';
    if (lib.ecdsaVerify(sig, h, fromHex(SELF_TEST.otherKey)) !== false) {
      return 'accepted a signature by another key';
    }
    // libsecp256k1's verify only accepts normalised (low-S) signatures. The JS guard checks that too, but
    // a build that disagrees with Core's library on it is not the library we meant to load.
    if (lib.ecdsaVerify(highS, h, q) !== false) return 'accepted a high-S signature';
    return null;
  } catch (e) {
    return `threw ${(e as Error).message}`;
  }
}
