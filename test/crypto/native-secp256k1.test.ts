// The optional native backend: it loads where the package ships a binary (and CI insists on it there),
// it can be switched off to prove the fallback, and choosing a backend is explicit about what it got.
// Whether it gives the reference's verdicts is verifier.test.ts's job (it runs every loaded backend).
import { describe, expect, it } from 'vitest';
import {
  DISABLE_NATIVE_ENV,
  loadNativeSecp256k1,
  PREBUILT_PLATFORMS,
} from '../../src/crypto/native-secp256k1.js';
import {
  DEFAULT_BACKEND,
  loadedVerifiers,
  nativeVerifier,
  resolveBackend,
  VerifierError,
  verifierByName,
} from '../../src/crypto/verifier.js';
import { VerifierPool } from '../../src/crypto/verifier-pool.js';
import { NATIVE, nativeStatus } from './native-status.js';

const DISABLED = { [DISABLE_NATIVE_ENV]: '1' };
/** Whether the module itself loads, whatever this process's environment says (the tests pass their own). */
const moduleLoads = loadNativeSecp256k1({}).ok;

function errorOf(fn: () => unknown): VerifierError {
  try {
    fn();
  } catch (e) {
    if (e instanceof VerifierError) return e;
    throw e;
  }
  throw new Error('expected a VerifierError');
}

describe('loading the native module', () => {
  it(`is available here, or says why (${nativeStatus})`, () => {
    if (NATIVE.expected) {
      // CI on a platform with a prebuilt binary: a native module that does not load is a broken install.
      expect(NATIVE.load.ok, nativeStatus).toBe(true);
    }
    if (!NATIVE.load.ok) {
      expect(NATIVE.load.reason.length).toBeGreaterThan(10);
      expect(nativeVerifier()).toBeNull();
      expect(loadedVerifiers().map((v) => v.name)).not.toContain('secp256k1-native');
    } else {
      expect(nativeVerifier()?.name).toBe('secp256k1-native');
      expect(loadedVerifiers().map((v) => v.name)).toContain('secp256k1-native');
    }
    expect(PREBUILT_PLATFORMS).toContain('linux-x64');
  });

  it(`behaves as if it were missing under ${DISABLE_NATIVE_ENV}=1`, () => {
    const load = loadNativeSecp256k1(DISABLED);
    expect(load.ok).toBe(false);
    if (!load.ok) expect(load.reason).toContain(DISABLE_NATIVE_ENV);
  });
});

describe('choosing a backend', () => {
  it('auto: native when it loads, else the WASM build', () => {
    expect(resolveBackend(undefined, {})).toBe(moduleLoads ? 'secp256k1-native' : DEFAULT_BACKEND);
    expect(resolveBackend('auto', {})).toBe(resolveBackend(undefined, {}));
    expect(resolveBackend(undefined, DISABLED)).toBe('tiny-secp256k1');
  });

  it('a flag or CAIRN_VERIFIER forces one, and the flag wins over the environment', () => {
    expect(resolveBackend('wasm', {})).toBe('tiny-secp256k1');
    expect(resolveBackend('noble', {})).toBe('noble');
    expect(resolveBackend(undefined, { CAIRN_VERIFIER: 'noble' })).toBe('noble');
    expect(resolveBackend(undefined, { CAIRN_VERIFIER: 'wasm' })).toBe('tiny-secp256k1');
    expect(resolveBackend('noble', { CAIRN_VERIFIER: 'wasm' })).toBe('noble');
    expect(resolveBackend(undefined, { CAIRN_VERIFIER: '' })).toBe(resolveBackend(undefined, {}));
  });

  it('a forced native that cannot load is an error with a code, never a silent fallback', () => {
    const flag = errorOf(() => resolveBackend('native', DISABLED));
    expect(flag.code).toBe('NATIVE_UNAVAILABLE');
    expect(flag.kind).toBe('input');
    expect(flag.message).toMatch(/verifier native.*disabled by CAIRN_DISABLE_NATIVE=1.*--verifier wasm/);
    const env = errorOf(() => resolveBackend(undefined, { ...DISABLED, CAIRN_VERIFIER: 'native' }));
    expect(env.code).toBe('NATIVE_UNAVAILABLE');
    expect(env.message).toMatch(/CAIRN_VERIFIER=native/);
    if (moduleLoads) expect(resolveBackend('native', {})).toBe('secp256k1-native');
  });

  it('an unknown name is UNKNOWN_VERIFIER, naming the choices', () => {
    const e = errorOf(() => resolveBackend('openssl', {}));
    expect(e.code).toBe('UNKNOWN_VERIFIER');
    expect(e.message).toMatch(/"openssl".*auto, native, wasm, noble/);
    expect(errorOf(() => resolveBackend(undefined, { CAIRN_VERIFIER: 'fast' })).message).toMatch(
      /CAIRN_VERIFIER=fast/,
    );
    expect(errorOf(() => verifierByName('openssl' as 'noble')).code).toBe('UNKNOWN_VERIFIER');
  });

  // Only meaningful where the module really is missing (or switched off for the whole process).
  it.skipIf(NATIVE.load.ok)('a pool refuses a native backend that cannot load, before any worker', () => {
    const e = errorOf(() => new VerifierPool({ size: 1, backend: 'secp256k1-native' }));
    expect(e.code).toBe('NATIVE_UNAVAILABLE');
  });
});
