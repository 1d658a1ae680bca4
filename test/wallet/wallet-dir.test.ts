import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { encryptKeystore } from '../../wallet/keystore.js';
import {
  appendSentLog,
  checkName,
  listWallets,
  readKeystore,
  readSentLog,
  resolveWalletDir,
  type SentRecord,
  walletExists,
  writeNewKeystore,
} from '../../wallet/wallet-dir.js';
import { code } from './error-code.js';

const [dev0] = devKeys(1);
const address = encodeAddress(dev0!.addressHash, 'cairn');
let root: string;

function keystore(name: string) {
  return encryptKeystore({
    name,
    address,
    path: null,
    secret: { privateKey: dev0!.privateKey, mnemonic: null },
    password: 'pw',
    scrypt: { N: 1024, r: 8, p: 1 },
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cairn-wd-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('wallet directory', () => {
  it('resolves --wallet-dir, then CAIRN_WALLET_DIR, then ~/.cairn/wallets', () => {
    expect(resolveWalletDir('/a', { CAIRN_WALLET_DIR: '/b' })).toBe('/a');
    expect(resolveWalletDir(undefined, { CAIRN_WALLET_DIR: '/b' })).toBe('/b');
    expect(resolveWalletDir(undefined, {})).toBe(join(homedir(), '.cairn', 'wallets'));
  });

  it('accepts plain names and refuses anything that could escape the directory', () => {
    expect(checkName('alice_2-b')).toBe('alice_2-b');
    for (const bad of ['', '../x', 'a/b', '.hidden', 'a.json', 'a b', '-x', 'x'.repeat(65)]) {
      expect(() => checkName(bad)).toThrow(expect.objectContaining({ code: 'BAD_NAME' }));
    }
  });

  it('creates the directory 0700 and keystores 0600, atomically (no temp file left behind)', async () => {
    const dir = join(root, 'new', 'wallets');
    const path = await writeNewKeystore(dir, keystore('alice'));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['alice.json']);
    expect((await readKeystore(dir, 'alice')).address).toBe(address);
    expect(await walletExists(dir, 'alice')).toBe(true);
  });

  it('refuses to overwrite an existing wallet and leaves it byte-for-byte unchanged', async () => {
    const dir = join(root, 'exists');
    const path = await writeNewKeystore(dir, keystore('bob'));
    const before = await readFile(path, 'utf8');
    expect(await code(writeNewKeystore(dir, keystore('bob')))).toBe('WALLET_EXISTS');
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('missing wallet: NO_SUCH_WALLET; truncated file: CORRUPT_KEYSTORE; list flags it and goes on', async () => {
    const dir = join(root, 'mixed');
    await writeNewKeystore(dir, keystore('good'));
    const text = await readFile(join(dir, 'good.json'), 'utf8');
    await writeFile(join(dir, 'broken.json'), text.slice(0, 100));
    await writeFile(join(dir, 'notes.txt'), 'ignored');
    expect(await code(readKeystore(dir, 'nobody'))).toBe('NO_SUCH_WALLET');
    expect(await code(readKeystore(dir, 'broken'))).toBe('CORRUPT_KEYSTORE');
    const list = await listWallets(dir);
    expect(list.map((w) => [w.name, w.address])).toEqual([
      ['broken', null],
      ['good', address],
    ]);
    expect(list[0]!.problem).toMatch(/not valid JSON/);
    expect(await listWallets(join(root, 'absent'))).toEqual([]);
  });

  it('sent log: appends records, reads them back, skips a torn last line', async () => {
    const dir = join(root, 'log');
    await writeNewKeystore(dir, keystore('carol'));
    const record = (n: number): SentRecord => ({
      id: n.toString(16).padStart(64, '0'),
      kind: 'sent',
      to: address,
      amount: '5',
      fee: '10000',
      nonce: String(n),
      network: 'regtest',
      time: '2025-01-01T00:00:00.000Z',
      raw: 'ab',
    });
    expect(await readSentLog(dir, 'carol')).toEqual([]);
    await appendSentLog(dir, 'carol', record(1));
    await appendSentLog(dir, 'carol', record(2));
    await appendFile(join(dir, 'carol.sent.jsonl'), '{"id": "torn');
    expect(await readSentLog(dir, 'carol')).toEqual([record(1), record(2)]);
    expect((await stat(join(dir, 'carol.sent.jsonl'))).mode & 0o777).toBe(0o600);
    // the log is not mistaken for a keystore
    expect((await listWallets(dir)).map((w) => w.name)).toEqual(['carol']);
  });
});
