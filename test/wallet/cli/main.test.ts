// The real `cairn-wallet` binary, spawned as a user would run it (node --import tsx wallet/cli/main.ts),
// with a temporary wallet directory and a low scrypt N (CAIRN_WALLET_SCRYPT_N, test-only). Offline
// commands run on their own; the online ones talk to the fake node of ../fake-node.ts over real HTTP.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../../src/consensus/address.js';
import { fromHex, toHex } from '../../../src/consensus/bytes.js';
import { decodeTx } from '../../../src/consensus/encoding.js';
import { loadChainParams, regtestParams } from '../../../src/consensus/params.js';
import { checkTxSignature } from '../../../src/consensus/signature.js';
import { COIN } from '../../../src/consensus/types.js';
import { DEV_MNEMONIC, devKeys } from '../../../wallet/dev-keys.js';
import { keyFromMnemonic } from '../../../wallet/keys.js';
import { decryptKeystore, type KeystoreFile } from '../../../wallet/keystore.js';
import { readKeystore } from '../../../wallet/wallet-dir.js';
import { FakeNode } from '../fake-node.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const PASSWORD = 'correct horse battery';
const devnet = loadChainParams(await readFile(join(ROOT, 'genesis.json'), 'utf8'));
const regtest = regtestParams(devnet);
const dev = devKeys(5);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let home: string;
let walletDir: string;

function cli(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string } = {},
): Promise<Run> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('CAIRN_') && v !== undefined) env[k] = v;
  Object.assign(env, {
    HOME: home,
    CAIRN_WALLET_DIR: walletDir,
    CAIRN_WALLET_SCRYPT_N: '1024',
    CAIRN_WALLET_PASSWORD: PASSWORD,
  });
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'wallet/cli/main.ts', ...args], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  child.stdin.end(options.input ?? '');
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

/** Run at most `limit` CLIs at once: the machine has 2 cores, shared. */
async function all<T>(jobs: (() => Promise<T>)[], limit = 3): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

/** Every file in the wallet directory with its contents: "changes nothing" is checked against this. */
async function snapshot(): Promise<Record<string, string>> {
  const files = (await readdir(walletDir)).sort();
  const out: Record<string, string> = {};
  for (const f of files) out[f] = await readFile(join(walletDir, f), 'utf8');
  return out;
}

function oneLine(text: string): void {
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /); // no stack trace
}

async function until(condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'cairn-wallet-cli-'));
  walletDir = join(home, 'wallets');
});
afterAll(() => rm(home, { recursive: true, force: true }));

describe('cairn-wallet offline commands', { timeout: 180_000 }, () => {
  const texts: string[] = [];

  it('import-dev: imports dev0…dev4 (the keys genesis funds), warns loudly, shows each key, and is idempotent', async () => {
    const r = await cli(['import-dev']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/PUBLIC, INSECURE development keys/);
    // One progress line per key while scrypt runs.
    for (let i = 0; i < 5; i++) expect(r.stderr).toContain(`encrypting dev${i} (${i + 1} of 5)…`);
    // the keystores really hold the dev keys, under the given password
    const secret = decryptKeystore(await readKeystore(walletDir, 'dev3'), PASSWORD);
    expect(secret.privateKey).toEqual(dev[3]!.privateKey);
    // Again, with --json: nothing to do, nothing on stderr, the warning a field of the one document.
    const again = await cli(['import-dev', '--json']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    const out = JSON.parse(again.stdout) as {
      warning: string;
      wallets: { name: string; address: string; imported: boolean }[];
    };
    expect(out.warning).toMatch(/PUBLIC, INSECURE development keys/);
    expect(out.wallets.map((w) => w.name)).toEqual(['dev0', 'dev1', 'dev2', 'dev3', 'dev4']);
    out.wallets.forEach((w, i) => {
      // the addresses genesis funds, in order
      expect(devnet.allocations[i]!.address).toEqual(dev[i]!.addressHash);
      expect(w.address).toBe(encodeAddress(dev[i]!.addressHash, 'cairn'));
      expect(r.stdout).toContain(`dev${i}   ${w.address}`);
      texts.push(w.address);
      expect(w.imported).toBe(false);
    });
    const third = await cli(['import-dev']);
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(/dev0 +cairn1\S+ +\(already imported\)/);
    expect(third.stderr).not.toMatch(/encrypting/);
  });

  it('create: 24 words shown once with a warning; the keystore holds the key of those words', async () => {
    const [human, json] = await all([
      () => cli(['create', 'alice']),
      () => cli(['create', 'carol', '--json']),
    ]);
    expect(human!.code).toBe(0);
    expect(human!.stdout).toMatch(/WRITE THESE WORDS DOWN/);
    const words = [...human!.stdout.matchAll(/\d+\. (\w+)/g)].map((m) => m[1]);
    expect(words).toHaveLength(24);
    const alice = decryptKeystore(await readKeystore(walletDir, 'alice'), PASSWORD);
    expect(alice.mnemonic).toBe(words.join(' '));
    expect(alice.privateKey).toEqual(keyFromMnemonic(words.join(' ')).privateKey);
    const carol = JSON.parse(json!.stdout) as { address: string; mnemonic: string; path: string };
    expect(carol.path).toBe("m/44'/1'/0'/0/0");
    expect(carol.mnemonic.split(' ')).toHaveLength(24);
    expect(keyFromMnemonic(carol.mnemonic).privateKey).toEqual(
      decryptKeystore(await readKeystore(walletDir, 'carol'), PASSWORD).privateKey,
    );
  });

  it('import: --mnemonic and --mnemonic-file, at --index; the words are never echoed', async () => {
    const file = join(home, 'words.txt');
    await writeFile(file, `${DEV_MNEMONIC.toUpperCase()}\n`);
    const [a, b] = await all([
      () => cli(['import', 'bob', '--mnemonic', DEV_MNEMONIC, '--index', '2', '--json']),
      () => cli(['import', 'dave', '--mnemonic-file', file]),
    ]);
    expect(a!.code).toBe(0);
    expect(JSON.parse(a!.stdout)).toMatchObject({ name: 'bob', address: texts[2], path: "m/44'/1'/0'/0/2" });
    expect(b!.code).toBe(0);
    expect(b!.stdout).toContain(texts[0]);
    for (const r of [a!, b!]) expect(r.stdout + r.stderr).not.toMatch(/junk/i);
  });

  it('list and address need no password', async () => {
    const env = { CAIRN_WALLET_PASSWORD: undefined };
    const [list, listJson, addr] = await all([
      () => cli(['list'], { env }),
      () => cli(['--json', 'list'], { env }),
      () => cli(['address', 'dev1'], { env }),
    ]);
    expect(list!.code).toBe(0);
    expect(list!.stdout).toMatch(new RegExp(`^dev4 +${texts[4]}$`, 'm'));
    const names = (JSON.parse(listJson!.stdout) as { wallets: { name: string }[] }).wallets.map(
      (w) => w.name,
    );
    expect(names).toEqual(['alice', 'bob', 'carol', 'dave', 'dev0', 'dev1', 'dev2', 'dev3', 'dev4']);
    expect(addr!.stdout.trim()).toBe(texts[1]);
  });

  it('sign: offline raw tx for the chosen chain (--regtest or the default genesis.json)', async () => {
    const base = ['sign', '--from', 'dev0', '--to', texts[1]!, '--amount', '1.5', '--nonce', '3'];
    const [rt, dn] = await all([
      () => cli([...base, '--regtest', '--fee', '0.001']),
      () => cli([...base, '--json']),
    ]);
    expect(rt!.code).toBe(0);
    const tx = decodeTx(fromHex(rt!.stdout.trim()));
    expect(tx).toMatchObject({
      nonce: 3n,
      amount: 150_000_000n,
      fee: 100_000n,
      to: dev[1]!.addressHash,
      from: dev[0]!.publicKey,
    });
    expect(() => checkTxSignature(tx, regtest.genesisHash)).not.toThrow();
    expect(() => checkTxSignature(tx, devnet.genesisHash)).toThrow();
    const json = JSON.parse(dn!.stdout) as { raw: string; fee: string; network: string; genesisHash: string };
    expect(json).toMatchObject({
      fee: '10000',
      network: 'cairn-devnet',
      genesisHash: toHex(devnet.genesisHash),
    });
    expect(() => checkTxSignature(decodeTx(fromHex(json.raw)), devnet.genesisHash)).not.toThrow();
    expect(rt!.stdout + rt!.stderr + dn!.stdout + dn!.stderr).not.toContain(toHex(dev[0]!.privateKey));
  });

  it('every bad input: one clear line, the right exit status, and nothing changed', async () => {
    // Tamper copies of dev0's keystore: a flipped ciphertext byte, a flipped salt byte, a truncated file.
    const ks = JSON.parse(await readFile(join(walletDir, 'dev0.json'), 'utf8')) as KeystoreFile;
    const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    for (const [name, edit] of [
      [
        'flipct',
        (k: KeystoreFile) => ({ ...k, cipher: { ...k.cipher, ciphertext: flip(k.cipher.ciphertext) } }),
      ],
      ['flipsalt', (k: KeystoreFile) => ({ ...k, kdf: { ...k.kdf, salt: flip(k.kdf.salt) } })],
    ] as const) {
      await writeFile(join(walletDir, `${name}.json`), JSON.stringify(edit({ ...ks, name })), {
        mode: 0o600,
      });
    }
    const full = JSON.stringify({ ...ks, name: 'trunc' });
    await writeFile(join(walletDir, 'trunc.json'), full.slice(0, full.length / 2), { mode: 0o600 });

    const sign = (over: Record<string, string>, extra: string[] = []) => {
      const o = { from: 'dev0', to: texts[1]!, amount: '1', nonce: '0', ...over };
      return ['sign', '--from', o.from, '--to', o.to, `--amount=${o.amount}`, '--nonce', o.nonce, ...extra];
    };
    const badChecksum = `${texts[1]!.slice(0, -1)}${texts[1]!.endsWith('q') ? 'p' : 'q'}`;
    const cases: [string, string[], number, RegExp, Record<string, string | undefined>?][] = [
      ['wrong password', sign({}), 7, /wrong password/, { CAIRN_WALLET_PASSWORD: 'nope' }],
      [
        'flipped ciphertext byte',
        sign({ from: 'flipct' }),
        7,
        /wrong password, or the keystore file was modified/,
      ],
      [
        'flipped salt byte',
        sign({ from: 'flipsalt' }),
        7,
        /wrong password, or the keystore file was modified/,
      ],
      ['truncated keystore', sign({ from: 'trunc' }), 7, /corrupt: the file is not valid JSON/],
      ['bad checksum', sign({ to: badChecksum }), 2, /checksum does not match/],
      ['another chain', sign({ to: encodeAddress(dev[1]!.addressHash, 'tcairn') }), 2, /another chain/],
      [
        'a bech32 (not bech32m) address',
        sign({ to: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' }),
        2,
        /bech32m/,
      ],
      ['negative amount', sign({ amount: '-1' }), 2, /negative/],
      ['zero amount', sign({ amount: '0' }), 2, /zero/],
      ['non-numeric amount', sign({ amount: 'ten' }), 2, /not a number/],
      ['9 decimals', sign({ amount: '1.000000001' }), 2, /9 decimal places/],
      ['exponent', sign({ amount: '1e3' }), 2, /exponent/],
      ['u64 overflow', sign({ amount: '184467440738' }), 2, /u64/],
      ['bad fee', sign({}, ['--fee', '0.1.2']), 2, /fee .* not a number/],
      ['bad nonce', sign({ nonce: '-3' }), 2, /--nonce must be a whole number/],
      ['unknown wallet', sign({ from: 'nobody' }), 2, /no wallet named "nobody"/],
      ['address of unknown wallet', ['address', 'nobody'], 2, /no wallet named "nobody"/],
      ['name exists', ['create', 'dev0'], 2, /already exists/],
      ['bad name', ['create', '../evil'], 2, /is not allowed/],
      [
        'import: bad checksum',
        ['import', 'eve', '--mnemonic', DEV_MNEMONIC.replace('junk', 'test')],
        2,
        /checksum/,
      ],
      ['import: exists', ['import', 'dev1', '--mnemonic', DEV_MNEMONIC], 2, /already exists/],
      [
        'no password, no terminal',
        ['create', 'frank'],
        2,
        /no password given/,
        { CAIRN_WALLET_PASSWORD: undefined },
      ],
      [
        'unreachable node',
        ['send', '--from', 'dev0', '--to', texts[1]!, '--amount', '1', '--api', 'http://127.0.0.1:9'],
        3,
        /cannot reach the node at http:\/\/127.0.0.1:9 \(ECONNREFUSED\): is `cairn start` running\?/,
      ],
      ['bad API URL', ['balance', 'dev0', '--api', 'ftp://x'], 2, /http:\/\/ or https:\/\//],
      ['bad raw tx', ['broadcast', 'abcd'], 2, /not a signed Cairn tx/],
      ['unknown command', ['frobnicate'], 2, /unknown command/],
      ['missing option', ['send', '--from', 'dev0'], 2, /required option/],
      [
        'test-only scrypt N too low',
        ['create', 'gina'],
        2,
        /CAIRN_WALLET_SCRYPT_N/,
        { CAIRN_WALLET_SCRYPT_N: '16' },
      ],
    ];
    const before = await snapshot();
    const runs = await all(
      cases.map(
        ([, args, , , env]) =>
          () =>
            cli(args, { env }),
      ),
    );
    runs.forEach((r, i) => {
      const [what, , status, message] = cases[i]!;
      expect({ what, code: r.code }).toEqual({ what, code: status });
      expect(r.stdout, what).toBe('');
      oneLine(r.stderr);
      // One prefix for every failure, commander's own included.
      expect(r.stderr, what).toMatch(/^error: /);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr).not.toContain(PASSWORD);
      expect(r.stderr).not.toMatch(/junk/);
    });
    expect(await snapshot()).toEqual(before);
  });

  it('--json errors are the one JSON document on stdout, with a stable code; nothing on stderr', async () => {
    const r = await cli(
      ['--json', 'sign', '--from', 'dev0', '--to', texts[1]!, '--amount', '1', '--nonce', '0'],
      {
        env: { CAIRN_WALLET_PASSWORD: 'wrong' },
      },
    );
    expect(r.code).toBe(7);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      `${JSON.stringify({
        error: {
          code: 'WRONG_PASSWORD',
          message: 'cannot decrypt wallet "dev0": wrong password, or the keystore file was modified',
        },
      })}\n`,
    );
  });
});

describe('cairn-wallet against a (fake) regtest node', { timeout: 180_000 }, () => {
  const node = new FakeNode('regtest', regtest.genesisHash);
  let api: string;
  let texts: string[];
  beforeAll(async () => {
    walletDir = join(home, 'online-wallets');
    api = await node.start();
    for (const a of regtest.allocations) node.fund(a.address, a.amount);
    const r = await cli(['import-dev', '--json']);
    texts = (JSON.parse(r.stdout) as { wallets: { address: string }[] }).wallets.map((w) => w.address);
  });
  afterAll(() => node.stop());

  it('send --wait: submits with the next nonce and waits for the block; balance and history follow', async () => {
    const sending = cli([
      'send',
      '--from',
      'dev0',
      '--to',
      texts[1]!,
      '--amount',
      '2.5',
      '--api',
      api,
      '--wait',
      '--json',
    ]);
    await until(() => node.pending().length === 1);
    node.mine();
    const r = await sending;
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      id: string;
      status: string;
      height: number;
      nonce: string;
      fee: string;
    };
    expect(out).toMatchObject({
      status: 'confirmed',
      height: 1,
      nonce: '0',
      fee: '10000',
      amount: '250000000',
    });
    const start = regtest.allocations[0]!.amount;
    expect(node.account(dev[0]!.addressHash).balance).toBe(start - 250_000_000n - 10_000n);

    // two sends in a row without waiting: nonces 1 and 2, both accepted
    const a = await cli(['send', '--from', 'dev0', '--to', texts[2]!, '--amount', '1', '--api', api]);
    const b = await cli([
      'send',
      '--from',
      'dev0',
      '--to',
      texts[2]!,
      '--amount',
      '1',
      '--fee',
      '0',
      '--api',
      api,
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(node.pending().map((t) => t.tx.nonce)).toEqual([1n, 2n]);

    const [bal, hist] = await all([
      () => cli(['balance', 'dev0', '--api', api, '--json']),
      () => cli(['history', 'dev0', '--api', api, '--json']),
    ]);
    const confirmed = start - 250_000_000n - 10_000n;
    expect(JSON.parse(bal!.stdout)).toMatchObject({
      confirmed: confirmed.toString(),
      pending: (confirmed - 2n * COIN - 10_000n).toString(),
      pendingTxs: 2,
      nonce: '1',
    });
    const txs = (JSON.parse(hist!.stdout) as { txs: { id: string; status: string; nonce: string }[] }).txs;
    // Newest first: the two pending sends, then the confirmed one.
    expect(txs.map((t) => [t.nonce, t.status])).toEqual([
      ['2', 'pending'],
      ['1', 'pending'],
      ['0', 'confirmed'],
    ]);
    expect(txs[2]!.id).toBe(out.id);
  });

  it('history shows a tx the wallet signed offline and the node never saw: unknown, sent from the wallet', async () => {
    const signed = await cli([
      'sign',
      '--from',
      'dev1',
      '--to',
      texts[3]!,
      '--amount',
      '1',
      '--nonce',
      '7',
      '--regtest',
      '--json',
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    const { id } = JSON.parse(signed.stdout) as { id: string };
    const hist = await cli(['history', 'dev1', '--api', api, '--json']);
    expect(hist.code, hist.stderr).toBe(0);
    const txs = (JSON.parse(hist.stdout) as { txs: { id: string }[] }).txs;
    expect(txs.find((t) => t.id === id)).toMatchObject({
      status: 'unknown',
      direction: 'out',
      from: texts[1],
      to: texts[3],
      amount: COIN.toString(),
      nonce: '7',
      height: null,
    });
  });

  it('balance of an address, grouped; insufficient funds is answered in coins before any password or signing (exit 4)', async () => {
    const bal = await cli(['balance', texts[4]!, '--api', api]);
    expect(bal.code).toBe(0);
    expect(bal.stdout).toMatch(/confirmed: 1,000,000 coins/);
    const before = await snapshot();
    const posts = node.requests.filter((r) => r.method === 'POST').length;
    // No password given at all: the refusal comes before the keystore is unlocked.
    const r = await cli(['send', '--from', 'dev3', '--to', 'dev4', '--amount', '1000000', '--api', api], {
      env: { CAIRN_WALLET_PASSWORD: undefined },
    });
    expect(r.code).toBe(4);
    oneLine(r.stderr);
    expect(r.stderr).toBe(
      'error: wallet "dev3" cannot pay 1,000,000 coins + 0.0001 fee = 1,000,000.0001 coins: it has ' +
        '1,000,000 coins confirmed, so at most 999,999.9999 coins can be sent with this fee. Nothing was ' +
        'signed [INSUFFICIENT_FUNDS]\n',
    );
    expect(node.requests.filter((q) => q.method === 'POST').length).toBe(posts); // nothing submitted
    expect(await snapshot()).toEqual(before);
  });

  it('offline sign --regtest, then broadcast (also from stdin); a devnet-signed tx is refused as WRONG_CHAIN', async () => {
    const signed = await cli([
      'sign',
      '--from',
      'dev4',
      '--to',
      texts[0]!,
      '--amount',
      '3',
      '--nonce',
      '0',
      '--regtest',
    ]);
    const raw = signed.stdout.trim();
    const r = await cli(['broadcast', '-', '--api', api], { input: `${raw}\n` });
    expect(r.code).toBe(0);
    expect(node.txs.get(r.stdout.trim())?.raw).toBe(raw);
    const wrong = await cli(['sign', '--from', 'dev4', '--to', texts[0]!, '--amount', '3', '--nonce', '1']);
    const refused = await cli(['broadcast', wrong.stdout.trim(), '--api', api]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/WRONG_CHAIN|another chain/);
  });
});
