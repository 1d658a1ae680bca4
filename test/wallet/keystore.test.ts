import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gcm } from '@noble/ciphers/aes.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { describe, expect, it } from 'vitest';
import { addressHash, encodeAddress } from '../../src/consensus/address.js';
import { fromHex, toHex } from '../../src/consensus/bytes.js';
import { publicKeyOf } from '../../src/consensus/signature.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { isWalletError, type WalletError } from '../../wallet/errors.js';
import {
  DEFAULT_SCRYPT,
  decryptKeystore,
  deriveKey,
  encryptKeystore,
  type KeystoreFile,
  parseKeystore,
  scryptParamsFromEnv,
  serializeKeystore,
} from '../../wallet/keystore.js';

const FAST = { N: 1024, r: 8, p: 1 };
const [dev0, dev1] = devKeys(2);
const address0 = encodeAddress(dev0!.addressHash, 'cairn');
const MNEMONIC = 'test test test test test test test test test test test junk';

function make(overrides: Partial<Parameters<typeof encryptKeystore>[0]> = {}): KeystoreFile {
  return encryptKeystore({
    name: 'alice',
    address: address0,
    path: "m/44'/1'/0'/0/0",
    secret: { privateKey: dev0!.privateKey, mnemonic: MNEMONIC },
    password: 'correct horse',
    scrypt: FAST,
    ...overrides,
  });
}

function failure(fn: () => unknown): WalletError {
  try {
    fn();
  } catch (e) {
    if (isWalletError(e)) return e;
    throw e;
  }
  throw new Error('did not fail');
}

/** Flip one bit of the hex field at byte `index`. */
function flip(hex: string, index: number): string {
  const bytes = fromHex(hex);
  bytes[index]! ^= 0x01;
  return toHex(bytes);
}

describe('keystore encryption', () => {
  it('round trip: decrypt(encrypt(key, mnemonic)) gives both back, with random salt and nonce', () => {
    const a = make();
    const b = make();
    expect(decryptKeystore(a, 'correct horse')).toEqual({ privateKey: dev0!.privateKey, mnemonic: MNEMONIC });
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(a.cipher.nonce).not.toBe(b.cipher.nonce);
    expect(fromHex(a.kdf.salt)).toHaveLength(32);
    expect(fromHex(a.cipher.nonce)).toHaveLength(12);
    // a key without a mnemonic: 32 bytes of plaintext + 16 of tag
    const bare = make({ secret: { privateKey: dev0!.privateKey, mnemonic: null } });
    expect(fromHex(bare.cipher.ciphertext)).toHaveLength(48);
    expect(decryptKeystore(bare, 'correct horse').mnemonic).toBeNull();
  });

  it('is exactly the documented scrypt + AES-256-GCM construction (an independent decrypt)', () => {
    const ks = make();
    const key = scrypt(new TextEncoder().encode('correct horse'), fromHex(ks.kdf.salt), {
      N: 1024,
      r: 8,
      p: 1,
      dkLen: 32,
    });
    const aad = new TextEncoder().encode(`cairn-keystore/v1\n${ks.address}\n${ks.path}`);
    const plain = gcm(key, fromHex(ks.cipher.nonce), aad).decrypt(fromHex(ks.cipher.ciphertext));
    expect(plain.subarray(0, 32)).toEqual(dev0!.privateKey);
    expect(new TextDecoder().decode(plain.subarray(32))).toBe(MNEMONIC);
    expect(ks).toMatchObject({ version: 1, name: 'alice', kdf: { name: 'scrypt', N: 1024, r: 8, p: 1 } });
    expect(ks.cipher.name).toBe('aes-256-gcm');
  });

  it('never writes the key, the mnemonic or the password in the clear', () => {
    const text = serializeKeystore(make());
    expect(text).not.toContain(toHex(dev0!.privateKey));
    expect(text).not.toContain('junk');
    expect(text).not.toContain('correct horse');
  });

  it('treats passwords by Unicode NFKC, so a composed and a decomposed "é" unlock alike', () => {
    const ks = make({ password: 'caf\u00e9' });
    expect(decryptKeystore(ks, 'cafe\u0301').privateKey).toEqual(dev0!.privateKey);
  });

  it('refuses a wrong password with WRONG_PASSWORD (exit kind KEYSTORE)', () => {
    const e = failure(() => decryptKeystore(make(), 'Correct horse'));
    expect(e.code).toBe('WRONG_PASSWORD');
    expect(e.kind).toBe('KEYSTORE');
    expect(e.message).not.toContain('horse');
  });

  it('detects tampering: a flipped bit of ciphertext, tag, salt or nonce, or an edited address or path', () => {
    const ks = make();
    const n = fromHex(ks.cipher.ciphertext).length;
    const tampered: KeystoreFile[] = [
      { ...ks, cipher: { ...ks.cipher, ciphertext: flip(ks.cipher.ciphertext, 0) } },
      { ...ks, cipher: { ...ks.cipher, ciphertext: flip(ks.cipher.ciphertext, n - 1) } }, // the tag
      { ...ks, kdf: { ...ks.kdf, salt: flip(ks.kdf.salt, 5) } },
      { ...ks, kdf: { ...ks.kdf, N: 2048 } },
      { ...ks, cipher: { ...ks.cipher, nonce: flip(ks.cipher.nonce, 11) } },
      { ...ks, address: encodeAddress(dev1!.addressHash, 'cairn') },
      { ...ks, path: "m/44'/1'/0'/0/1" },
    ];
    for (const t of tampered)
      expect(failure(() => decryptKeystore(t, 'correct horse')).kind).toBe('KEYSTORE');
  });

  it('a key that does not match the address (impossible for an intact file) is CORRUPT_KEYSTORE', () => {
    // Encrypt dev1's key under dev0's address: the tag is valid, the content is not.
    const ks = make({ secret: { privateKey: dev1!.privateKey, mnemonic: null } });
    expect(failure(() => decryptKeystore(ks, 'correct horse')).code).toBe('CORRUPT_KEYSTORE');
    expect(encodeAddress(addressHash(publicKeyOf(dev1!.privateKey)), 'cairn')).not.toBe(address0);
  });
});

describe('parseKeystore', () => {
  const good = serializeKeystore(make());

  it('reads back exactly what serializeKeystore wrote', () => {
    const ks = parseKeystore(good, 'alice');
    expect(decryptKeystore(ks, 'correct horse').privateKey).toEqual(dev0!.privateKey);
  });

  it('refuses every truncation of the file with CORRUPT_KEYSTORE, before running scrypt', () => {
    for (let cut = 0; cut < good.length - 2; cut += 7) {
      expect(failure(() => parseKeystore(good.slice(0, cut), 'alice')).code).toBe('CORRUPT_KEYSTORE');
    }
  });

  it('accepts scrypt work up to four times the default (geth keystores use N = 2^18, r = 8, p = 1)', () => {
    const base = JSON.parse(good) as KeystoreFile;
    for (const kdf of [
      { N: 2 ** 18, r: 8, p: 1 },
      { N: 2 ** 17, r: 8, p: 4 },
      { N: 2 ** 14, r: 16, p: 16 },
    ]) {
      expect(
        parseKeystore(JSON.stringify({ ...base, kdf: { ...base.kdf, ...kdf } }), 'alice').kdf,
      ).toMatchObject(kdf);
    }
  });

  it('refuses wrong versions, names, kinds and hostile scrypt parameters, naming the field', () => {
    const base = JSON.parse(good) as KeystoreFile;
    const cases: [unknown, RegExp][] = [
      [{ ...base, version: 2 }, /version/],
      [{ ...base, name: 'bob' }, /name/],
      [{ ...base, address: 'cairn1qqqq' }, /address/],
      [{ ...base, path: '../../etc' }, /path/],
      [{ ...base, kdf: { ...base.kdf, name: 'pbkdf2' } }, /kdf/],
      [{ ...base, kdf: { ...base.kdf, N: 1000 } }, /power of two/],
      [{ ...base, kdf: { ...base.kdf, N: 3 * 2 ** 32 } }, /power of two/],
      [{ ...base, kdf: { ...base.kdf, N: 2 ** 30 } }, /memory/],
      // Within the memory bound (128·N·r = 256 MiB) but 32 times the default's work: 26 s per unlock
      // before the total work was bounded (issue 13 defect 6).
      [{ ...base, kdf: { ...base.kdf, N: 2 ** 16, r: 32, p: 16 } }, /N·r·p/],
      [{ ...base, kdf: { ...base.kdf, N: 2 ** 17, r: 8, p: 5 } }, /N·r·p/],
      [{ ...base, kdf: { ...base.kdf, r: 0 } }, /kdf\.r/],
      [{ ...base, kdf: { ...base.kdf, p: 1000 } }, /kdf\.p/],
      [{ ...base, kdf: { ...base.kdf, salt: 'zz' } }, /hex/],
      [{ ...base, kdf: { ...base.kdf, salt: '00' } }, /salt/],
      [{ ...base, cipher: { ...base.cipher, name: 'aes-128-cbc' } }, /cipher/],
      [{ ...base, cipher: { ...base.cipher, nonce: '00' } }, /nonce/],
      [{ ...base, cipher: { ...base.cipher, ciphertext: base.cipher.ciphertext.slice(0, 40) } }, /too short/],
      [[1, 2], /object/],
    ];
    for (const [json, why] of cases) {
      const e = failure(() => parseKeystore(JSON.stringify(json), 'alice'));
      expect(e.code).toBe('CORRUPT_KEYSTORE');
      expect(e.message).toMatch(why);
    }
  });
});

describe('scryptParamsFromEnv', () => {
  it('defaults to N = 2^17, r = 8, p = 1', () => {
    expect(scryptParamsFromEnv({})).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(DEFAULT_SCRYPT).toEqual({ N: 131072, r: 8, p: 1 });
  });
  it('lets tests lower N to a power of two no smaller than 2^10', () => {
    expect(scryptParamsFromEnv({ CAIRN_WALLET_SCRYPT_N: '1024' }).N).toBe(1024);
    for (const bad of ['512', '1000', 'abc', '-1024', '1e4', String(2 ** 18)]) {
      expect(failure(() => scryptParamsFromEnv({ CAIRN_WALLET_SCRYPT_N: bad })).code).toBe('BAD_SCRYPT_N');
    }
  });
});

describe('native scrypt (node:crypto)', () => {
  it('derives exactly the key @noble/hashes scrypt derives, for every parameter set a keystore may hold', () => {
    const salt = fromHex('5a'.repeat(16) + '0f'.repeat(16));
    const cases: [string, { N: number; r: number; p: number }][] = [
      ['correct horse', FAST],
      ['', { N: 2, r: 1, p: 1 }],
      ['p\u0061\u0301ssword', { N: 2048, r: 4, p: 2 }], // decomposed accent: NFKC makes it "pássword"
      ['🐪 long password '.repeat(20), { N: 4096, r: 8, p: 1 }],
      ['x', { N: 256, r: 32, p: 3 }],
    ];
    for (const [password, params] of cases) {
      const bytes = new TextEncoder().encode(password.normalize('NFKC'));
      const noble = scrypt(bytes, salt, { ...params, dkLen: 32 });
      const native = deriveKey(password, salt, params);
      expect(native).toBeInstanceOf(Uint8Array);
      expect(toHex(native)).toBe(toHex(noble));
    }
    // composed and decomposed spellings of one password give one key
    expect(toHex(deriveKey('p\u00e1ssword', salt, FAST))).toBe(
      toHex(deriveKey('pa\u0301ssword', salt, FAST)),
    );
  });

  it('opens a keystore written by the earlier @noble/hashes code (test/wallet/fixtures/legacy.json)', () => {
    const text = readFileSync(join(import.meta.dirname, 'fixtures', 'legacy.json'), 'utf8');
    const ks = parseKeystore(text, 'legacy');
    const secret = decryptKeystore(ks, 'pässwörd written by @noble/hashes scrypt');
    const dev2 = devKeys(3)[2]!;
    expect(secret.privateKey).toEqual(dev2.privateKey);
    expect(secret.mnemonic).toBe(MNEMONIC);
    expect(failure(() => decryptKeystore(ks, 'pässwörd written by @noble/hashes scrypT')).code).toBe(
      'WRONG_PASSWORD',
    );
  });
});
