import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { describe, expect, it } from 'vitest';
import { DEV_MNEMONIC, devKeys } from '../../wallet/dev-keys.js';
import { isWalletError } from '../../wallet/errors.js';
import { generateMnemonic, keyFromMnemonic, normalizeMnemonic, walletPath } from '../../wallet/keys.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isWalletError(e)) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('wallet keys', () => {
  it('create: 24 fresh English words with a valid checksum, different every time', () => {
    const a = generateMnemonic();
    expect(a.split(' ')).toHaveLength(24);
    expect(validateMnemonic(a, wordlist)).toBe(true);
    expect(generateMnemonic()).not.toBe(a);
  });

  it("derive at m/44'/1'/0'/0/index, the dev keys' scheme: the dev mnemonic gives dev0, dev1, …", () => {
    expect(walletPath()).toBe("m/44'/1'/0'/0/0");
    devKeys(3).forEach((dev, i) => {
      const key = keyFromMnemonic(DEV_MNEMONIC, walletPath(i));
      expect(key.privateKey).toEqual(dev.privateKey);
      expect(key.addressHash).toEqual(dev.addressHash);
    });
    expect(code(() => walletPath(-1))).toBe('BAD_INDEX');
    expect(code(() => walletPath(2 ** 31))).toBe('BAD_INDEX');
  });

  it('normalize typed words (case, spacing) and refuse bad ones without echoing them', () => {
    expect(normalizeMnemonic(`  TEST test\ttest test test test\n test test test test test junk `)).toBe(
      DEV_MNEMONIC,
    );
    expect(code(() => normalizeMnemonic('test test test'))).toBe('BAD_MNEMONIC');
    expect(code(() => normalizeMnemonic(DEV_MNEMONIC.replace('junk', 'test')))).toBe('BAD_MNEMONIC'); // checksum
    const message = (() => {
      try {
        normalizeMnemonic(DEV_MNEMONIC.replace('junk', 'zzzsecretword'));
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    })();
    expect(message).toMatch(/word 12 of the mnemonic is not in the BIP 39/);
    expect(message).not.toContain('zzzsecretword');
    expect(message).not.toContain('test');
  });
});
