// Whether this test run has the native backend, and whether it must. An install where the optional
// module cannot load still passes every test (the native ones are skipped, and say why in their titles);
// but in CI (CI=true), on a platform the package ships a binary for, a module that fails to load fails
// the run, because there it means a broken install rather than an unsupported machine.
import {
  DISABLE_NATIVE_ENV,
  loadNativeSecp256k1,
  PREBUILT_PLATFORMS,
} from '../../src/crypto/native-secp256k1.js';

const load = loadNativeSecp256k1();
const platform = `${process.platform}-${process.arch}`;

export const NATIVE = {
  load,
  expected:
    process.env.CI === 'true' &&
    process.env[DISABLE_NATIVE_ENV] !== '1' &&
    PREBUILT_PLATFORMS.includes(platform),
} as const;

/** For test titles: what this run has, e.g. "native loaded" or "native unavailable: …". */
export const nativeStatus = load.ok
  ? 'native loaded'
  : `native unavailable on ${platform}: ${load.reason}${NATIVE.expected ? ' (REQUIRED in CI)' : ''}`;
