// What every command shares: the global options, output in human or --json form, reading addresses and
// wallets, and unlocking a keystore.
import type { Command } from 'commander';
import { resolveApiToken } from '../../src/client/api-url.js';
import { decodeAddress, encodeAddress } from '../../src/consensus/address.js';
import { isRuleError } from '../../src/consensus/errors.js';
import { ApiClient } from '../api-client.js';
import { DEFAULT_API, loadParams, resolveApiUrl } from '../chain.js';
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

/**
 * A note for people (warnings, progress), on stderr so stdout stays clean for scripts. With --json there
 * is none: the one JSON document on stdout is all the command prints (warnings are fields of it).
 */
export function note(g: Globals, text: string): void {
  if (!g.json) console.error(text);
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

/** The flags of every command that talks to a node. */
export interface ApiOptions {
  readonly api?: string;
  readonly apiToken?: string;
  readonly apiTokenFile?: string;
}

/** Adds --api, --api-token and --api-token-file (read the same way as `cairn`'s, src/client/api-url.ts). */
export function apiOptions(cmd: Command): Command {
  return cmd
    .option('--api <url>', `node API URL, e.g. ${DEFAULT_API} or localhost:8645 (default $CAIRN_API)`)
    .option('--api-token <token>', 'sent as "Authorization: Bearer <token>" (default $CAIRN_API_TOKEN)')
    .option('--api-token-file <file>', 'read the API token from the first line of this file');
}

export function apiClient(opts: ApiOptions): ApiClient {
  return new ApiClient(resolveApiUrl(opts.api, process.env), { token: resolveApiToken(opts, process.env) });
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A wallet name if such a wallet exists (`dev1`); else the text must be an address of this chain. */
export async function resolveTarget(walletDir: string, text: string, prefix: string): Promise<string> {
  if (NAME.test(text) && (await walletExists(walletDir, text)))
    return (await readKeystore(walletDir, text)).address;
  const looksLikeAddress = text.toLowerCase().startsWith(`${prefix}1`) || text.length > 30;
  if (!looksLikeAddress) {
    throw badInput(
      'NO_SUCH_WALLET',
      `${JSON.stringify(text.slice(0, 80))} is neither a wallet in ${walletDir} nor a ${prefix}1… address`,
    );
  }
  parseAddress(text, prefix);
  return text.toLowerCase();
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
