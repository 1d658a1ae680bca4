// What every command shares: the global options, output in human or --json form, reading addresses and
// wallets, and unlocking a keystore.
import type { Command } from 'commander';
import { decodeAddress, encodeAddress } from '../../src/consensus/address.js';
import { isRuleError } from '../../src/consensus/errors.js';
import { ApiClient } from '../api-client.js';
import { loadParams, resolveApiUrl } from '../chain.js';
import { badInput } from '../errors.js';
import { keyFromMnemonic } from '../keys.js';
import {
  decryptKeystore,
  encryptKeystore,
  type KeySecret,
  type KeystoreFile,
  scryptParamsFromEnv,
} from '../keystore.js';
import { getPassword } from '../password.js';
import {
  readKeystore,
  resolveWalletDir,
  walletAlreadyExists,
  walletExists,
  writeNewKeystore,
} from '../wallet-dir.js';

export interface Globals {
  readonly walletDir: string;
  readonly json: boolean;
}

/** The program-level options (`--wallet-dir`, `--json`), which may come before or after the command. */
export function globals(cmd: Command): Globals {
  const o = cmd.optsWithGlobals<{ walletDir?: string; json?: boolean }>();
  return { walletDir: resolveWalletDir(o.walletDir, process.env), json: o.json === true };
}

/** JSON with bigints as decimal strings (the API's convention for amounts). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Print the result: one JSON line with --json, else the human text. */
export function emit(g: Globals, json: unknown, human: string): void {
  console.log(g.json ? toJson(json) : human);
}

/** A note for people (warnings, progress); on stderr so stdout stays clean for scripts. */
export function note(text: string): void {
  console.error(text);
}

/** Parse an address for the chain with prefix `hrp`; a bad one is BAD_ADDRESS (exit 2). */
export function parseAddress(text: string, hrp: string): Uint8Array {
  try {
    return decodeAddress(text, hrp);
  } catch (e) {
    if (isRuleError(e)) throw badInput('BAD_ADDRESS', e.message);
    throw e;
  }
}

export function apiClient(apiOption: string | undefined): ApiClient {
  return new ApiClient(resolveApiUrl(apiOption, process.env));
}

/** Read a wallet's keystore, get the password, decrypt. */
export async function unlock(
  g: Globals,
  name: string,
  passwordFile: string | undefined,
): Promise<{ keystore: KeystoreFile; secret: KeySecret }> {
  const keystore = await readKeystore(g.walletDir, name);
  const password = await getPassword({ passwordFile, purpose: `wallet "${name}"` });
  return { keystore, secret: decryptKeystore(keystore, password) };
}

/** A decimal u64 from the command line (a nonce): digits only. */
export function parseU64(text: string, what: string): bigint {
  if (!/^[0-9]{1,20}$/.test(text) || BigInt(text) > 0xffff_ffff_ffff_ffffn) {
    throw badInput(
      'BAD_NUMBER',
      `${what} must be a whole number from 0 to 2^64 - 1, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return BigInt(text);
}

/**
 * The shared end of `create` and `import`: refuse an existing name, ask for the new password, derive the
 * key at `path`, and write its encrypted keystore. Returns what the command shows.
 */
export async function saveMnemonicKey(
  g: Globals,
  name: string,
  mnemonic: string,
  path: string,
  passwordFile: string | undefined,
): Promise<{ address: string; file: string }> {
  if (await walletExists(g.walletDir, name)) throw walletAlreadyExists(g.walletDir, name);
  const params = loadParams();
  const scrypt = scryptParamsFromEnv(process.env);
  const password = await getPassword({ passwordFile, confirm: true, purpose: `new wallet "${name}"` });
  const key = keyFromMnemonic(mnemonic, path);
  const address = encodeAddress(key.addressHash, params.addressPrefix);
  const keystore = encryptKeystore({
    name,
    address,
    path,
    secret: { privateKey: key.privateKey, mnemonic },
    password,
    scrypt,
  });
  return { address, file: await writeNewKeystore(g.walletDir, keystore) };
}
