// The development keys that genesis.json funds.
//
// ┌───────────────────────────────────────────────────────────────────────────────────────────────────┐
// │ INSECURE BY DESIGN. These keys come from a mnemonic printed in this file and in the docs of Hardhat │
// │ and Anvil. Everyone in the world knows them, and bots sweep any real coins sent to their addresses │
// │ within seconds. Use them ONLY on a local devnet or regtest. Never for anything of value.           │
// └───────────────────────────────────────────────────────────────────────────────────────────────────┘
//
// Why have them at all: a learner who starts a devnet wants money to send right away, on every machine and
// after every reset. Well-known keys make that work with no setup (`cairn-wallet import-dev`), and a
// fixed mnemonic makes genesis.json reproducible (scripts/gen-genesis.ts).
//
// Derivation is standard, so any BIP 39/32 tool reproduces it: BIP 39 mnemonic → seed (no passphrase),
// BIP 32 HD keys along BIP 44's m / purpose' / coin_type' / account' / change / index, with SLIP-44 coin
// type 1 ("testnet, all coins"), since Cairn is not a real currency.
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { addressHash } from '../consensus/address.js';

/** The well-known public development mnemonic of Hardhat and Anvil. INSECURE BY DESIGN. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
/** BIP 44 path of the dev keys' parent: purpose 44', coin type 1' (SLIP-44: any testnet), account 0', external chain 0. */
export const DEV_PATH = "m/44'/1'/0'/0";
/** How many dev keys genesis funds. */
export const DEV_KEY_COUNT = 5;

export interface DevKey {
  readonly name: string; // dev0, dev1, …
  readonly index: number;
  readonly privateKey: Uint8Array; // 32 bytes
  readonly publicKey: Uint8Array; // 33 bytes, compressed
  readonly addressHash: Uint8Array; // 20 bytes
}

let parent: HDKey | undefined;

/** The first `count` development keys: `${DEV_PATH}/0`, `${DEV_PATH}/1`, … named dev0, dev1, … */
export function devKeys(count = DEV_KEY_COUNT): DevKey[] {
  if (!Number.isSafeInteger(count) || count < 0 || count >= 0x8000_0000) {
    throw new RangeError(`dev key count must be an integer from 0 to 2^31 - 1, got ${count}`);
  }
  // The seed costs 2048 rounds of PBKDF2-HMAC-SHA512 (BIP 39); derive the shared parent once.
  parent ??= HDKey.fromMasterSeed(mnemonicToSeedSync(DEV_MNEMONIC)).derive(DEV_PATH);
  const keys: DevKey[] = [];
  for (let index = 0; index < count; index++) {
    const key = parent.deriveChild(index);
    if (!key.privateKey || !key.publicKey) throw new Error(`dev key ${index} has no private key`);
    keys.push({
      name: `dev${index}`,
      index,
      privateKey: key.privateKey,
      publicKey: key.publicKey,
      addressHash: addressHash(key.publicKey),
    });
  }
  return keys;
}
