// The keystore: one versioned JSON file per key, its secret encrypted under a password.
//
//   {
//     "version": 1,
//     "name": "alice",
//     "address": "cairn1…",                         public, so `list` and `address` need no password
//     "path": "m/44'/1'/0'/0/0",                    BIP 32 path of the key, or null if unknown
//     "kdf": { "name": "scrypt", "N": 131072, "r": 8, "p": 1, "salt": "<32 bytes hex>" },
//     "cipher": { "name": "aes-256-gcm", "nonce": "<12 bytes hex>", "ciphertext": "<hex>" }
//   }
//
// key        = scrypt(NFKC(password), salt, N, r, p, dkLen 32)          (RFC 7914)
// plaintext  = private key (32 bytes) ‖ UTF-8 mnemonic (absent for keys imported without one)
// ciphertext = AES-256-GCM(key, nonce, plaintext, aad) ‖ 16-byte tag    (NIST SP 800-38D)
// aad        = UTF-8 "cairn-keystore/v1\n" ‖ address ‖ "\n" ‖ path
//
// Why scrypt: it is memory-hard (128·N·r bytes: 128 MiB at the default N = 2^17), so guessing passwords
// on GPUs or ASICs costs memory as well as time. It is what Ethereum's keystore v3 uses too. (Core's
// wallet encryption is EVP_BytesToKey SHA-512 with a calibrated iteration count, which is not memory-hard.)
// Why AES-GCM: it is authenticated. A wrong password or ANY changed byte of salt, nonce, ciphertext,
// parameters, address or path fails the tag check, so the wallet never signs with a garbled key and
// never shows an address that was swapped in the file. (GCM cannot tell a wrong password from a tampered
// file: both are "the tag does not match", and the message says so.)
// Why the address in the aad and not encrypted: a reader of the file can see the address anyway, and
// binding it means an edited address is caught the next time the password is used.
import { scryptSync } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { addressHash, decodeAddress } from '../src/consensus/address.js';
import { bytesEqual, fromHex, toHex } from '../src/consensus/bytes.js';
import { isRuleError } from '../src/consensus/errors.js';
import { publicKeyOf } from '../src/consensus/signature.js';
import { badInput, WalletError } from './errors.js';

export const KEYSTORE_VERSION = 1;

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** The defaults for new keystores: N = 2^17, r = 8, p = 1 (about 128 MiB and most of a second). */
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });
/** The lowest N the environment override accepts: below it a password is too cheap to guess. */
export const MIN_SCRYPT_N = 2 ** 10;
/** The highest memory (128·N·r bytes) a keystore may ask for: a hostile file must not exhaust RAM. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
/**
 * The most work (N·r·p, to which scrypt's time is proportional) a keystore may ask for: four times the
 * default's, a few seconds per unlock. The memory bound alone ignores p, the number of independent
 * passes: N = 2^16, r = 32, p = 16 fits in 256 MiB and costs 26 s per unlock, a password prompt that
 * seems to hang (and a cheap way to stall a wallet with one planted file).
 */
export const MAX_SCRYPT_WORK = 4 * DEFAULT_SCRYPT.N * DEFAULT_SCRYPT.r * DEFAULT_SCRYPT.p;
const SALT_BYTES = 32;
const NONCE_BYTES = 12; // GCM's standard 96-bit nonce
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface KeystoreFile {
  readonly version: 1;
  readonly name: string;
  readonly address: string;
  readonly path: string | null;
  readonly kdf: {
    readonly name: 'scrypt';
    readonly N: number;
    readonly r: number;
    readonly p: number;
    readonly salt: string;
  };
  readonly cipher: { readonly name: 'aes-256-gcm'; readonly nonce: string; readonly ciphertext: string };
}

/** What the password protects. */
export interface KeySecret {
  readonly privateKey: Uint8Array; // 32 bytes
  readonly mnemonic: string | null;
}

/**
 * Scrypt parameters for NEW keystores. CAIRN_WALLET_SCRYPT_N lowers N for tests only (a power of two,
 * at least 2^10); existing keystores always use the parameters stored in them.
 */
export function scryptParamsFromEnv(env: Readonly<Record<string, string | undefined>>): ScryptParams {
  const text = env.CAIRN_WALLET_SCRYPT_N;
  if (text === undefined || text === '') return DEFAULT_SCRYPT;
  const N = Number(text);
  if (!/^[0-9]+$/.test(text) || !isPowerOfTwo(N) || N < MIN_SCRYPT_N || N > DEFAULT_SCRYPT.N) {
    throw badInput(
      'BAD_SCRYPT_N',
      `CAIRN_WALLET_SCRYPT_N must be a power of two from ${MIN_SCRYPT_N} to ${DEFAULT_SCRYPT.N} (it is for tests only), got "${text}"`,
    );
  }
  return { ...DEFAULT_SCRYPT, N };
}

/** In bigint: the bitwise operators on numbers work on 32 bits, so `n & (n - 1)` would pass 3 · 2^32. */
function isPowerOfTwo(n: number): boolean {
  if (!Number.isSafeInteger(n) || n <= 1) return false;
  const b = BigInt(n);
  return (b & (b - 1n)) === 0n;
}

/**
 * The keystore key: scrypt (RFC 7914) of the NFKC password. node:crypto's scrypt is OpenSSL's native
 * code, several times faster than a JavaScript one (scripts/bench/cli.bench.ts measures it against
 * @noble/hashes, which wrote the first keystores) and byte-identical to it, so every existing keystore
 * still opens (test/wallet/keystore.test.ts checks both, and a keystore written by the old code).
 */
export function deriveKey(password: string, salt: Uint8Array, params: ScryptParams): Uint8Array {
  // NFKC so that the same password typed on two systems (composed or decomposed accents) is the same bytes.
  const bytes = new TextEncoder().encode(password.normalize('NFKC'));
  const key = scryptSync(bytes, salt, KEY_BYTES, {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: MAX_SCRYPT_MEMORY + 1024 * 1024,
  });
  return new Uint8Array(key.buffer, key.byteOffset, key.byteLength);
}

function aad(address: string, path: string | null): Uint8Array {
  return new TextEncoder().encode(`cairn-keystore/v1\n${address}\n${path ?? ''}`);
}

export interface EncryptInput {
  readonly name: string;
  readonly address: string;
  readonly path: string | null;
  readonly secret: KeySecret;
  readonly password: string;
  readonly scrypt?: ScryptParams;
  /** Source of salt and nonce; `crypto.getRandomValues` unless a test injects one. */
  readonly randomBytes?: (n: number) => Uint8Array;
}

function systemRandom(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Encrypt a key into a keystore value (write it with wallet-dir's writeNewKeystore). */
export function encryptKeystore(input: EncryptInput): KeystoreFile {
  if (input.secret.privateKey.length !== KEY_BYTES) {
    throw new RangeError(`a private key is ${KEY_BYTES} bytes, got ${input.secret.privateKey.length}`);
  }
  const params = input.scrypt ?? DEFAULT_SCRYPT;
  const random = input.randomBytes ?? systemRandom;
  const salt = random(SALT_BYTES);
  const nonce = random(NONCE_BYTES);
  const mnemonic = new TextEncoder().encode(input.secret.mnemonic ?? '');
  const plaintext = new Uint8Array(KEY_BYTES + mnemonic.length);
  plaintext.set(input.secret.privateKey, 0);
  plaintext.set(mnemonic, KEY_BYTES);
  const key = deriveKey(input.password, salt, params);
  const ciphertext = gcm(key, nonce, aad(input.address, input.path)).encrypt(plaintext);
  key.fill(0);
  plaintext.fill(0);
  return {
    version: KEYSTORE_VERSION,
    name: input.name,
    address: input.address,
    path: input.path,
    kdf: { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: toHex(salt) },
    cipher: { name: 'aes-256-gcm', nonce: toHex(nonce), ciphertext: toHex(ciphertext) },
  };
}

function wrongPassword(name: string): WalletError {
  return new WalletError(
    'KEYSTORE',
    'WRONG_PASSWORD',
    `cannot decrypt wallet "${name}": wrong password, or the keystore file was modified`,
  );
}

/**
 * Decrypt a keystore. Throws WalletError KEYSTORE: WRONG_PASSWORD when the GCM tag fails, CORRUPT_KEYSTORE
 * when the decrypted key does not belong to the file's address (which an intact file cannot produce).
 */
export function decryptKeystore(ks: KeystoreFile, password: string): KeySecret {
  const salt = fromHex(ks.kdf.salt);
  const key = deriveKey(password, salt, ks.kdf);
  let plaintext: Uint8Array;
  try {
    plaintext = gcm(key, fromHex(ks.cipher.nonce), aad(ks.address, ks.path)).decrypt(
      fromHex(ks.cipher.ciphertext),
    );
  } catch {
    throw wrongPassword(ks.name);
  } finally {
    key.fill(0);
  }
  const privateKey = plaintext.slice(0, KEY_BYTES);
  const mnemonicBytes = plaintext.subarray(KEY_BYTES);
  let mnemonic: string | null = null;
  try {
    mnemonic =
      mnemonicBytes.length === 0 ? null : new TextDecoder('utf-8', { fatal: true }).decode(mnemonicBytes);
    const hash = addressHash(publicKeyOf(privateKey));
    if (!bytesEqual(hash, decodeAddress(ks.address, prefixOf(ks.address)))) throw new Error('mismatch');
  } catch {
    throw corrupt(ks.name, 'the decrypted key does not match the address in the file');
  } finally {
    plaintext.fill(0);
  }
  return { privateKey, mnemonic };
}

function corrupt(name: string, why: string): WalletError {
  return new WalletError('KEYSTORE', 'CORRUPT_KEYSTORE', `keystore of wallet "${name}" is corrupt: ${why}`);
}

/** The bech32 human-readable prefix of an address: everything before the last "1". */
function prefixOf(address: string): string {
  return address.slice(0, Math.max(0, address.lastIndexOf('1'))).toLowerCase();
}

export function serializeKeystore(ks: KeystoreFile): string {
  return `${JSON.stringify(ks, null, 2)}\n`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parse and check a keystore file's text. Every field is checked for type and range BEFORE any scrypt
 * runs, so a truncated, edited or hostile file fails here with CORRUPT_KEYSTORE naming the problem
 * (and cannot make the wallet allocate gigabytes). `name` is the wallet name the file is stored under.
 */
export function parseKeystore(text: string, name: string): KeystoreFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt(name, 'the file is not valid JSON (truncated or edited?)');
  }
  if (!isRecord(json)) throw corrupt(name, 'the file does not hold a JSON object');
  if (json.version !== KEYSTORE_VERSION) {
    throw corrupt(
      name,
      `unsupported keystore version ${JSON.stringify(json.version)} (this wallet reads version ${KEYSTORE_VERSION})`,
    );
  }
  if (json.name !== name) {
    throw corrupt(
      name,
      `the file says its name is ${JSON.stringify(json.name)} (rename both the file and "name")`,
    );
  }
  const address = json.address;
  if (typeof address !== 'string') throw corrupt(name, '"address" is missing');
  try {
    decodeAddress(address, prefixOf(address));
  } catch (e) {
    if (!isRuleError(e)) throw e;
    throw corrupt(name, `"address" is not a valid address`);
  }
  const path = json.path ?? null;
  if (path !== null && (typeof path !== 'string' || !/^m(\/[0-9]+'?){0,10}$/.test(path))) {
    throw corrupt(name, '"path" is not a BIP 32 path');
  }
  const { kdf, cipher } = json;
  if (!isRecord(kdf) || kdf.name !== 'scrypt') throw corrupt(name, '"kdf" must be {"name": "scrypt", …}');
  const N = kdf.N;
  const r = kdf.r;
  const p = kdf.p;
  if (typeof N !== 'number' || !isPowerOfTwo(N)) throw corrupt(name, '"kdf.N" must be a power of two');
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > 32) {
    throw corrupt(name, '"kdf.r" must be an integer from 1 to 32');
  }
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 16) {
    throw corrupt(name, '"kdf.p" must be an integer from 1 to 16');
  }
  if (128 * N * r > MAX_SCRYPT_MEMORY) {
    throw corrupt(name, `scrypt N·r asks for more than ${MAX_SCRYPT_MEMORY / 2 ** 20} MiB of memory`);
  }
  if (N * r * p > MAX_SCRYPT_WORK) {
    throw corrupt(
      name,
      `scrypt N·r·p = ${N * r * p} is more work than the limit ${MAX_SCRYPT_WORK} (four times the default ` +
        `N = 2^17, r = 8, p = 1): unlocking it would take tens of seconds or more. cairn-wallet never writes such a file`,
    );
  }
  const salt = hexField(kdf.salt, name, 'kdf.salt');
  if (salt.length / 2 < 16) throw corrupt(name, '"kdf.salt" must be at least 16 bytes');
  if (!isRecord(cipher) || cipher.name !== 'aes-256-gcm') {
    throw corrupt(name, '"cipher" must be {"name": "aes-256-gcm", …}');
  }
  const nonce = hexField(cipher.nonce, name, 'cipher.nonce');
  if (nonce.length !== NONCE_BYTES * 2) throw corrupt(name, `"cipher.nonce" must be ${NONCE_BYTES} bytes`);
  const ciphertext = hexField(cipher.ciphertext, name, 'cipher.ciphertext');
  if (ciphertext.length / 2 < KEY_BYTES + TAG_BYTES) {
    throw corrupt(name, '"cipher.ciphertext" is too short to hold a key and its tag (truncated?)');
  }
  return {
    version: KEYSTORE_VERSION,
    name,
    address,
    path,
    kdf: { name: 'scrypt', N, r, p, salt },
    cipher: { name: 'aes-256-gcm', nonce, ciphertext },
  };
}

function hexField(v: unknown, name: string, field: string): string {
  if (typeof v !== 'string' || v.length % 2 !== 0 || !/^[0-9a-f]*$/.test(v)) {
    throw corrupt(name, `"${field}" must be lowercase hex`);
  }
  return v;
}
