import { getPublicKey } from '@noble/secp256k1';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { describe, expect, it } from 'vitest';
import { addressHash } from '../../src/consensus/address.js';
import { toHex } from '../../src/consensus/bytes.js';
import { DEV_KEY_COUNT, DEV_MNEMONIC, DEV_PATH, devKeys } from '../../wallet/dev-keys.js';

const seed = mnemonicToSeedSync(DEV_MNEMONIC);

describe('development keys', () => {
  it('use the well-known Hardhat/Anvil mnemonic (its first Ethereum account key is public knowledge)', () => {
    expect(validateMnemonic(DEV_MNEMONIC, wordlist)).toBe(true);
    // Hardhat's and Anvil's account #0 is m/44'/60'/0'/0/0 of this mnemonic; its key is printed in their docs.
    const eth0 = HDKey.fromMasterSeed(seed).derive("m/44'/60'/0'/0/0");
    expect(toHex(eth0.privateKey!)).toBe('ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
  });

  it(`are ${DEV_KEY_COUNT} keys dev0… derived at ${DEV_PATH}/i (SLIP-44 coin type 1)`, () => {
    expect(DEV_PATH).toBe("m/44'/1'/0'/0");
    const keys = devKeys();
    expect(keys).toHaveLength(DEV_KEY_COUNT);
    const master = HDKey.fromMasterSeed(seed);
    keys.forEach((k, i) => {
      expect(k.name).toBe(`dev${i}`);
      expect(k.index).toBe(i);
      const expected = master.derive(`${DEV_PATH}/${i}`);
      expect(k.privateKey).toEqual(expected.privateKey);
      expect(k.privateKey).toHaveLength(32);
    });
  });

  it('carry the 33-byte compressed public key of the private key, and its address hash', () => {
    for (const k of devKeys()) {
      expect(k.publicKey).toHaveLength(33);
      expect(k.publicKey).toEqual(getPublicKey(k.privateKey, true));
      expect(k.addressHash).toEqual(addressHash(k.publicKey));
    }
  });

  it('are distinct, and devKeys(n) is a prefix of devKeys(m) for n < m', () => {
    const seven = devKeys(7);
    expect(new Set(seven.map((k) => toHex(k.addressHash))).size).toBe(7);
    expect(devKeys(2).map((k) => toHex(k.privateKey))).toEqual(
      seven.slice(0, 2).map((k) => toHex(k.privateKey)),
    );
    expect(devKeys(0)).toEqual([]);
    expect(() => devKeys(-1)).toThrow(RangeError);
  });
});
