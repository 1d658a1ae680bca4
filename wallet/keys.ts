// Keys from mnemonics. A new wallet is a BIP 39 mnemonic of 24 English words (256 bits of entropy plus
// an 8-bit checksum); its key is the BIP 32 child at BIP 44's
//
//   m / 44' / 1' / 0' / 0 / index        (purpose 44', SLIP-44 coin type 1' = "any testnet", account 0',
//                                          external chain 0)
//
// the same scheme as the development keys (wallet/dev-keys.ts, DEV_PATH), so any BIP 39/32 tool can
// recover a Cairn key from its words, and `import --mnemonic "<dev mnemonic>" --index 2` gives dev2.
// Core has no mnemonics (they came from the wider Bitcoin ecosystem); its nearest equivalent is the HD
// seed of a descriptor wallet (`sethdseed`).
import { HDKey } from '@scure/bip32';
import { generateMnemonic as bip39Generate, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { addressHash } from '../src/consensus/address.js';
import { DEV_PATH } from './dev-keys.js';
import { badInput } from './errors.js';

/** The path of a wallet key with child index `index`; index 0 is what `create` uses. */
export function walletPath(index = 0): string {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 0x8000_0000) {
    throw badInput('BAD_INDEX', `a key index must be an integer from 0 to 2147483647, got ${index}`);
  }
  return `${DEV_PATH}/${index}`;
}

export interface DerivedKey {
  readonly privateKey: Uint8Array; // 32 bytes
  readonly publicKey: Uint8Array; // 33 bytes, compressed
  readonly addressHash: Uint8Array; // 20 bytes
  readonly path: string;
}

/**
 * A fresh 24-word mnemonic. Its entropy comes from `crypto.getRandomValues` (the operating system's
 * CSPRNG) inside @scure/bip39.
 */
export function generateMnemonic(): string {
  return bip39Generate(wordlist, 256);
}

/**
 * Tidy a typed mnemonic: Unicode NFKD (BIP 39 hashes the NFKD form), lowercase, single spaces. Then
 * check its words and checksum. The error never repeats the words: they are the secret.
 */
export function normalizeMnemonic(text: string): string {
  const words = text.normalize('NFKD').toLowerCase().trim().split(/\s+/).filter(Boolean);
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    throw badInput(
      'BAD_MNEMONIC',
      `a BIP 39 mnemonic has 12, 15, 18, 21 or 24 words; this one has ${words.length}`,
    );
  }
  const unknown = words.findIndex((w) => !wordlist.includes(w));
  if (unknown >= 0) {
    throw badInput(
      'BAD_MNEMONIC',
      `word ${unknown + 1} of the mnemonic is not in the BIP 39 English word list`,
    );
  }
  const mnemonic = words.join(' ');
  if (!validateMnemonic(mnemonic, wordlist)) {
    throw badInput(
      'BAD_MNEMONIC',
      'the mnemonic checksum does not match: a word is wrong or out of order (the words are not shown)',
    );
  }
  return mnemonic;
}

/** Derive the key at `path` from a (normalized) mnemonic, with no BIP 39 passphrase. */
export function keyFromMnemonic(mnemonic: string, path = walletPath(0)): DerivedKey {
  const key = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic)).derive(path);
  if (!key.privateKey || !key.publicKey) throw new Error(`no private key at ${path}`);
  return {
    privateKey: key.privateKey,
    publicKey: key.publicKey,
    addressHash: addressHash(key.publicKey),
    path,
  };
}
