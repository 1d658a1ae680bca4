// The real `cairn-wallet` against the real `cairn start --regtest` (one node for the whole file): dev keys,
// `send --wait`, several sends in a row, offline `sign` + `broadcast`, balances and history, and every bad
// input of issue 6 refused with one line, its exit status, and nothing changed (docs/WALLET.md).
//
// Blocks come only from POST /mine by the test, so every balance is exact: the only movements are the
// ones a test makes. Each CLI spawn costs about a second under tsx, so one spawn proves several things.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { blockSubsidy } from '../../src/consensus/subsidy.js';
import { COIN } from '../../src/consensus/types.js';
import { loadParams } from '../../src/node/params.js';
import { formatCoins, groupedCoins } from '../../wallet/amount.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { DEFAULT_FEE } from '../../wallet/tx-builder.js';
import { testKey } from '../helpers/chain-fixtures.js';
import {
  getJson,
  postJson,
  type RunningNode,
  run,
  type Spawned,
  snapshotDir,
  spawnNode,
  startNode,
  waitFor,
  walletArgs,
} from './helpers.js';

const params = loadParams({ regtest: true });
const hrp = params.addressPrefix;
const dev = devKeys().map((k) => encodeAddress(k.addressHash, hrp));
const miner = encodeAddress(testKey(91).address, hrp);
const PASSWORD = 'e2e correct horse';
/** A stopped port: nothing listens on the discard port here. */
const NO_NODE = 'http://127.0.0.1:9';

let root: string;
let walletDir: string;
let node: RunningNode;
let alice: { address: string; mnemonic: string };

type Result = Awaited<ReturnType<typeof run>>;

/** `cairn-wallet --wallet-dir W ARGS` with a cheap scrypt (test-only) and the password in the environment. */
function wallet(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return run(walletArgs('--wallet-dir', walletDir, ...args), {
    env: { ...walletEnv(), ...env },
    timeoutMs: 30_000,
  });
}

function walletEnv(): NodeJS.ProcessEnv {
  return {
    CAIRN_WALLET_SCRYPT_N: '1024',
    CAIRN_WALLET_PASSWORD: PASSWORD,
    CAIRN_WALLET_DIR: '',
    CAIRN_API: NO_NODE, // every command that needs the node is given --api; a forgotten one fails loudly
    CAIRN_WALLET_DEBUG: '',
  };
}

/** A successful --json command: exit 0, its stdout is one JSON line, and nothing else is printed. */
function ok<T = Record<string, unknown>>(r: Result): T {
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as T;
}

async function balanceOf(address: string): Promise<bigint> {
  return BigInt((await getJson<{ balance: string }>(`${node.api}/accounts/${address}`)).balance);
}

/** Several confirmed balances at once, typed as a tuple of the same length. */
function balancesOf<const A extends readonly string[]>(...addresses: A): Promise<{ [K in keyof A]: bigint }> {
  return Promise.all(addresses.map(balanceOf)) as Promise<{ [K in keyof A]: bigint }>;
}

async function accountNonce(address: string): Promise<bigint> {
  return BigInt((await getJson<{ nonce: string }>(`${node.api}/accounts/${address}`)).nonce);
}

interface MempoolEntry {
  id: string;
  from: string;
  nonce: string;
}

async function mempool(): Promise<MempoolEntry[]> {
  return getJson<MempoolEntry[]>(`${node.api}/mempool?limit=10000`);
}

async function height(): Promise<number> {
  return (await getJson<{ height: number }>(`${node.api}/status`)).height;
}

/** Mine one block to the test miner; returns its height. */
async function mineOne(): Promise<number> {
  const mined = await postJson(`${node.api}/mine`, { blocks: 1, to: miner });
  expect(mined.status).toBe(200);
  return height();
}

/**
 * Runs `cairn-wallet send ARGS` (a `--wait`ing send) in the background, since it waits on its own while the
 * test mines, and hands `body` the process and its transaction once `sender`'s transaction is in the pool.
 * The send is killed after `killAfterMs`, and in any case when `body` ends.
 */
async function whileSendWaits(
  args: readonly string[],
  sender: string,
  killAfterMs: number,
  body: (send: Spawned, pending: MempoolEntry) => Promise<void>,
): Promise<void> {
  const send = spawnNode(walletArgs('--wallet-dir', walletDir, 'send', ...args), walletEnv());
  const timer = setTimeout(() => send.child.kill('SIGKILL'), killAfterMs);
  try {
    const pending = await waitFor(
      'the send in the mempool',
      async () => (await mempool()).find((e) => e.from === sender),
      30_000,
    );
    await body(send, pending);
  } finally {
    clearTimeout(timer);
    send.child.kill('SIGKILL');
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cairn-wallet-e2e-'));
  walletDir = join(root, 'wallets');
  node = await startNode(join(root, 'node'), '--regtest');
  // Blocks so the miner's account exists and heights are past genesis; no tx yet.
  await postJson(`${node.api}/mine`, { blocks: 2, to: miner });

  const imported = await wallet(['import-dev', '--json']);
  const dev0to4 = ok<{ wallets: { name: string; address: string; imported: boolean }[] }>(imported);
  expect(dev0to4.wallets).toEqual(
    dev.map((address, i) => expect.objectContaining({ name: `dev${i}`, address, imported: true })),
  );
  // With --json the warning is a field of the one document (and stderr stays empty).
  expect((dev0to4 as unknown as { warning: string }).warning).toMatch(/PUBLIC, INSECURE/);

  const created = ok<{ name: string; address: string; mnemonic: string; keystore: string }>(
    await wallet(['create', 'alice', '--json']),
  );
  expect(created.mnemonic.split(' ')).toHaveLength(24);
  expect(created.keystore).toBe(join(walletDir, 'alice.json'));
  expect((await stat(created.keystore)).mode & 0o777).toBe(0o600);
  // CAIRN_WALLET_SCRYPT_N reached the keystore, and the file holds no secret in the clear.
  const keystore = await readFile(created.keystore, 'utf8');
  expect(JSON.parse(keystore).kdf.N).toBe(1024);
  expect(keystore).not.toContain(created.mnemonic);
  alice = { address: created.address, mnemonic: created.mnemonic };
}, 90_000);

afterAll(async () => {
  await node?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('cairn-wallet against a regtest node (end to end)', () => {
  it('list shows the imported and created wallets', async () => {
    const listed = ok<{ wallets: { name: string; address: string | null }[] }>(
      await wallet(['list', '--json']),
    );
    expect(listed.wallets.map((w) => [w.name, w.address])).toEqual([
      ['alice', alice.address],
      ...dev.map((address, i) => [`dev${i}`, address]),
    ]);
  });

  it('send --wait: confirmed; the sender pays amount + fee, the recipient gets the amount, the miner subsidy + fee', async () => {
    const amount = 150_000_000n; // 1.5 coins
    const [dev0Before, dev1Before, minerBefore] = await balancesOf(dev[0]!, dev[1]!, miner);
    // The wallet waits on its own; the test mines as soon as the tx is in the pool.
    await whileSendWaits(
      [
        '--from',
        'dev0',
        '--to',
        'dev1', // a wallet name, as `balance` takes one
        '--amount',
        '1.5',
        '--api',
        node.api,
        '--wait',
        '--timeout',
        '30',
        '--json',
      ],
      dev[0]!,
      40_000,
      async (send, pending) => {
        const minedAt = await mineOne();
        expect(await send.exited, send.stderr()).toBe(0);
        const out = ok<Record<string, unknown>>({ code: 0, stdout: send.stdout(), stderr: send.stderr() });
        expect(out).toMatchObject({
          id: pending.id,
          status: 'confirmed',
          height: minedAt,
          from: dev[0],
          to: dev[1],
          amount: amount.toString(),
          fee: DEFAULT_FEE.toString(),
        });
      },
    );
    const h = await height();
    expect(await balanceOf(dev[0]!)).toBe(dev0Before - amount - DEFAULT_FEE);
    expect(await balanceOf(dev[1]!)).toBe(dev1Before + amount);
    expect(await balanceOf(miner)).toBe(minerBefore + blockSubsidy(h, params) + DEFAULT_FEE);

    // The wallet reads the same: by name (--json) and by address (for people).
    const [byName, byAddress] = await Promise.all([
      wallet(['balance', 'dev0', '--api', node.api, '--json']),
      wallet(['balance', dev[1]!, '--api', node.api]),
    ]);
    expect(ok(byName)).toMatchObject({
      address: dev[0],
      confirmed: (dev0Before - amount - DEFAULT_FEE).toString(),
      pending: (dev0Before - amount - DEFAULT_FEE).toString(),
      pendingTxs: 0,
      nonce: '1',
    });
    expect(byAddress.code, byAddress.stderr).toBe(0);
    expect(byAddress.stdout).toContain(`confirmed: ${groupedCoins(dev1Before + amount)} coins`);
    // The recipient's history shows the transfer it received (not only what it sent).
    const incoming = ok<{ txs: Record<string, unknown>[] }>(
      await wallet(['history', 'dev1', '--api', node.api, '--json']),
    );
    expect(incoming.txs).toContainEqual(
      expect.objectContaining({
        direction: 'in',
        status: 'confirmed',
        from: dev[0],
        to: dev[1],
        amount: amount.toString(),
        confirmations: 1,
      }),
    );
  }, 120_000);

  it('five sends in a row without waiting: consecutive nonces, all pending, all mined in one block', async () => {
    const from = 'dev2';
    const amounts = [1n, 2n, 3n, 4n, 5n].map((i) => (i * COIN) / 10n); // 0.1 … 0.5 coins
    const fees = [DEFAULT_FEE, DEFAULT_FEE, 25_000n, DEFAULT_FEE, 12_345n];
    const [senderBefore, aliceBefore] = await balancesOf(dev[2]!, alice.address);
    const nonce0 = await accountNonce(dev[2]!);
    const ids: string[] = [];
    for (let i = 0; i < amounts.length; i++) {
      const sent = ok<{ id: string; nonce: string; status: string }>(
        await wallet([
          'send',
          '--from',
          from,
          '--to',
          alice.address,
          '--amount',
          formatCoins(amounts[i]!),
          '--fee',
          formatCoins(fees[i]!),
          '--api',
          node.api,
          '--json',
        ]),
      );
      expect(sent).toMatchObject({ status: 'pending', nonce: (nonce0 + BigInt(i)).toString() });
      ids.push(sent.id);
    }
    expect(new Set(ids).size).toBe(5);
    const pool = await mempool();
    expect(
      pool
        .filter((e) => e.from === dev[2])
        .map((e) => [e.id, e.nonce])
        .sort(),
    ).toEqual(ids.map((id, i) => [id, (nonce0 + BigInt(i)).toString()]).sort());

    const spent = amounts.reduce((a, b) => a + b, 0n) + fees.reduce((a, b) => a + b, 0n);
    const received = amounts.reduce((a, b) => a + b, 0n);
    // While pending: confirmed unchanged, pending moved, on both sides; history shows them pending.
    const [senderView, aliceView, historyPending] = await Promise.all([
      wallet(['balance', from, '--api', node.api, '--json']),
      wallet(['balance', 'alice', '--api', node.api, '--json']),
      wallet(['history', from, '--api', node.api, '--json']),
    ]);
    expect(ok(senderView)).toMatchObject({
      confirmed: senderBefore.toString(),
      pending: (senderBefore - spent).toString(),
      pendingOutgoing: spent.toString(),
      pendingTxs: 5,
      exact: true,
      nonce: nonce0.toString(),
    });
    expect(ok(aliceView)).toMatchObject({
      address: alice.address,
      confirmed: aliceBefore.toString(),
      pending: (aliceBefore + received).toString(),
      pendingIncoming: received.toString(),
    });
    // History is newest first: the last send on top.
    const before = ok<{ txs: { id: string; direction: string; status: string; nonce: string }[] }>(
      historyPending,
    );
    expect(before.txs.map((t) => [t.id, t.direction, t.status, t.nonce])).toEqual(
      ids.map((id, i) => [id, 'out', 'pending', (nonce0 + BigInt(i)).toString()]).reverse(),
    );

    const minedAt = await mineOne();
    expect((await mempool()).filter((e) => e.from === dev[2])).toEqual([]);
    for (const id of ids) {
      expect(await getJson(`${node.api}/txs/${id}`)).toMatchObject({ status: 'confirmed', height: minedAt });
    }
    expect(await balanceOf(dev[2]!)).toBe(senderBefore - spent);
    expect(await balanceOf(alice.address)).toBe(aliceBefore + received);
    expect(await accountNonce(dev[2]!)).toBe(nonce0 + 5n);
    const [after, aliceHistory] = await Promise.all([
      wallet(['history', from, '--api', node.api, '--json']),
      wallet(['history', alice.address, '--api', node.api]),
    ]);
    expect(
      ok<{ txs: { id: string; status: string; height: number | null }[] }>(after).txs.map((t) => [
        t.id,
        t.status,
        t.height,
      ]),
    ).toEqual(ids.map((id) => [id, 'confirmed', minedAt]).reverse());
    // The recipient's history, by address, lists the same five as received (the address index).
    expect(aliceHistory.code, aliceHistory.stderr).toBe(0);
    for (const [i, id] of ids.entries()) {
      expect(aliceHistory.stdout).toContain(`tx ${id}`);
      expect(aliceHistory.stdout).toMatch(
        new RegExp(
          `height ${minedAt} \\(1 confirmation\\) +received ${formatCoins(amounts[i]!).replace('.', '\\.')} coins from ${dev[2]}`,
        ),
      );
    }
  }, 120_000);

  it('send --wait --confirmations 2: each confirmation shown on stderr as blocks come, then the summary', async () => {
    try {
      await whileSendWaits(
        [
          '--from',
          'dev4',
          '--to',
          'alice',
          '--amount',
          '1234.5',
          '--api',
          node.api,
          '--wait',
          '--confirmations',
          '2',
          '--timeout',
          '60',
        ],
        dev[4]!,
        90_000,
        async (send, pending) => {
          await waitFor(
            'the submitted line',
            () => send.stderr().includes(`submitted ${pending.id}`),
            30_000,
          );
          const first = await mineOne();
          await waitFor(
            'the first confirmation',
            () => send.stderr().includes('1 of 2 confirmations'),
            30_000,
          );
          expect(send.child.exitCode).toBeNull(); // one is not enough
          await mineOne();
          expect(await send.exited, send.stderr()).toBe(0);
          expect(send.stderr()).toContain(`in block ${first}: 1 of 2 confirmations`);
          expect(send.stderr()).toContain(`in block ${first}: 2 of 2 confirmations`);
          expect(send.stdout()).toBe(
            `${pending.id}\nconfirmed at height ${first} in block ${(await getJson<{ hash: string }>(`${node.api}/blocks/${first}`)).hash} (2 confirmations): sent 1,234.5 coins to ${alice.address}\n`,
          );
        },
      );
    } finally {
      // Leave the pool empty for the next test, whatever happened here.
      if ((await mempool()).length > 0) await mineOne();
    }
  }, 120_000);

  it('offline sign --regtest --nonce N, then broadcast RAW: accepted and mined', async () => {
    const amount = 25_000_000n; // 0.25 coins
    const fee = 20_000n;
    const [senderBefore, aliceBefore] = await balancesOf(dev[3]!, alice.address);
    const nonce = await accountNonce(dev[3]!);
    const sign = (...chain: string[]) =>
      wallet([
        'sign',
        '--from',
        'dev3',
        '--to',
        alice.address,
        '--amount',
        '0.25',
        '--fee',
        '0.0002',
        '--nonce',
        nonce.toString(),
        ...chain,
        '--json',
      ]);
    // No --api, and CAIRN_API points at nothing: signing needs no node. The same transfer is also signed
    // for the devnet (no --regtest), whose signature the regtest node must not accept.
    const [forRegtest, forDevnet] = await Promise.all([sign('--regtest'), sign()]);
    type Signed = { id: string; raw: string; nonce: string; network: string; from: string };
    const signed = ok<Signed>(forRegtest);
    const devnet = ok<Signed>(forDevnet);
    expect(signed).toMatchObject({ nonce: nonce.toString(), network: 'regtest', from: dev[3] });
    expect(devnet).toMatchObject({ nonce: nonce.toString(), network: 'cairn-devnet', from: dev[3] });
    expect(signed.raw).toMatch(/^[0-9a-f]+$/);
    expect(devnet.raw).not.toBe(signed.raw);
    expect((await mempool()).map((e) => e.id)).toEqual([]); // signing sent nothing

    const wrongChain = await wallet(['broadcast', devnet.raw, '--api', node.api]);
    expect(wrongChain.code).toBe(2);
    expect(wrongChain.stderr.trim()).toMatch(
      /^error: the tx's signature is not valid on the node's chain "regtest" \(BAD_SIGNATURE\): was it signed for another chain\?[^\n]*$/,
    );
    expect((await mempool()).map((e) => e.id)).toEqual([]);

    const sent = ok<{ id: string; status: string; network: string }>(
      await wallet(['broadcast', signed.raw, '--api', node.api, '--json']),
    );
    expect(sent).toEqual({ id: signed.id, status: 'pending', network: 'regtest' });
    expect(await getJson(`${node.api}/txs/${signed.id}`)).toMatchObject({ status: 'pending' });
    const minedAt = await mineOne();
    expect(await getJson(`${node.api}/txs/${signed.id}`)).toMatchObject({
      status: 'confirmed',
      height: minedAt,
    });
    expect(await balanceOf(dev[3]!)).toBe(senderBefore - amount - fee);
    expect(await balanceOf(alice.address)).toBe(aliceBefore + amount);
  }, 60_000);
});

describe('cairn-wallet refuses bad input with one line, its exit status, and changes nothing', () => {
  const brokenDir = (): string => join(root, 'broken');

  beforeAll(async () => {
    // Three damaged copies of a real keystore, in a wallet directory of their own.
    const { mkdir } = await import('node:fs/promises');
    await mkdir(brokenDir(), { mode: 0o700 });
    const original = JSON.parse(await readFile(join(walletDir, 'dev4.json'), 'utf8'));
    const save = (name: string, text: string) => writeFile(join(brokenDir(), `${name}.json`), text);
    // One flipped byte of the ciphertext: AES-GCM's tag fails (indistinguishable from a wrong password).
    const ct: string = original.cipher.ciphertext;
    const flipped = `${ct.slice(0, 10)}${ct[10] === '0' ? '1' : '0'}${ct.slice(11)}`;
    await save(
      'tampered',
      JSON.stringify({ ...original, name: 'tampered', cipher: { ...original.cipher, ciphertext: flipped } }),
    );
    // Half a file, as a crash of a non-atomic writer would leave.
    const whole = JSON.stringify({ ...original, name: 'truncated' }, null, 2);
    await save('truncated', whole.slice(0, whole.length / 2));
    // Well-formed JSON asking scrypt for 2^40 × 8 × 128 bytes: refused before scrypt runs.
    await save(
      'garbled',
      JSON.stringify({ ...original, name: 'garbled', kdf: { ...original.kdf, N: 2 ** 40 } }),
    );
  });

  /** What must not change: both wallet directories, and the chain and mempool as the node sees them. */
  async function state(): Promise<unknown> {
    const watched = [...dev, alice.address, miner];
    return {
      wallets: await snapshotDir(walletDir),
      broken: await snapshotDir(brokenDir()),
      status: await getJson(`${node.api}/status`).then((s) => [s.height, s.tipHash]),
      mempool: (await mempool()).map((e) => e.id),
      balances: await Promise.all(watched.map(balanceOf)),
    };
  }

  /** `send` from dev0 to dev1 of 1 coin, with any of them replaced. */
  const send = (o: { from?: string; to?: string; amount?: string }, ...extra: string[]) => [
    'send',
    '--from',
    o.from ?? 'dev0',
    '--to',
    o.to ?? dev[1]!,
    '--amount',
    o.amount ?? '1',
    ...extra,
  ];
  /** dev1's key with another chain's prefix. */
  const otherChain = (): string => encodeAddress(devKeys(2)[1]!.addressHash, 'tcairn');
  const badChecksum = (): string => {
    const a = dev[1]!;
    return `${a.slice(0, -1)}${a.at(-1) === 'q' ? 'p' : 'q'}`;
  };

  // [what, args (a function: some need values known only after setup), extra env, exit, code, message]
  // A `--json` case checks the one JSON document on stdout (and nothing on stderr); the others check the
  // one line people read on stderr (and nothing on stdout).
  const cases: [string, () => string[], NodeJS.ProcessEnv, number, string, RegExp][] = [
    [
      'wrong password',
      () => send({}, '--api', node.api),
      { CAIRN_WALLET_PASSWORD: 'not the password' },
      7,
      'WRONG_PASSWORD',
      /^error: cannot decrypt wallet "dev0": wrong password/,
    ],
    [
      'a keystore with a corrupted byte',
      () => ['--wallet-dir', brokenDir(), ...send({ from: 'tampered' }, '--api', node.api, '--json')],
      {},
      7,
      'WRONG_PASSWORD',
      /cannot decrypt wallet "tampered": wrong password, or the keystore file was modified/,
    ],
    [
      'a truncated keystore',
      () => ['--wallet-dir', brokenDir(), ...send({ from: 'truncated' }, '--api', node.api, '--json')],
      {},
      7,
      'CORRUPT_KEYSTORE',
      /keystore of wallet "truncated" is corrupt: the file is not valid JSON/,
    ],
    [
      'a keystore with impossible scrypt parameters',
      () => ['--wallet-dir', brokenDir(), ...send({ from: 'garbled' }, '--api', node.api)],
      {},
      7,
      'CORRUPT_KEYSTORE',
      /^error: keystore of wallet "garbled" is corrupt/,
    ],
    [
      'an address with a bad checksum',
      () => send({ to: badChecksum() }, '--api', node.api),
      {},
      2,
      'BAD_ADDRESS',
      /^error: "cairn1\w+" is not a valid address: the checksum does not match/,
    ],
    [
      'an address for another chain',
      () => send({ to: otherChain() }, '--api', node.api, '--json'),
      {},
      2,
      'BAD_ADDRESS',
      /another chain: prefix "tcairn", this chain uses "cairn"/,
    ],
    [
      'a negative amount',
      () => send({ amount: '-1' }, '--api', node.api),
      {},
      2,
      'BAD_AMOUNT',
      /^error: amount "-1" is negative/,
    ],
    [
      'a zero amount',
      () => send({ amount: '0' }, '--api', node.api, '--json'),
      {},
      2,
      'BAD_AMOUNT',
      /"0" is zero/,
    ],
    [
      'a non-numeric amount',
      () => send({ amount: '1,5' }, '--api', node.api),
      {},
      2,
      'BAD_AMOUNT',
      /^error: amount "1,5" is not a number of coins/,
    ],
    [
      'an amount with 9 decimals',
      () => send({ amount: '1.000000001' }, '--api', node.api, '--json'),
      {},
      2,
      'BAD_AMOUNT',
      /has 9 decimal places; a coin has at most 8/,
    ],
    [
      'an amount past u64',
      () => send({ amount: '184467440737.09551616' }, '--api', node.api, '--json'), // 2^64 base units
      {},
      2,
      'BAD_AMOUNT',
      /larger than the most a u64 can hold/,
    ],
    [
      'insufficient funds',
      () => send({ amount: '2000000' }, '--api', node.api), // genesis gave dev0 1,000,000 coins
      {},
      4,
      'INSUFFICIENT_FUNDS',
      // answered by the wallet, in coins, before the password is asked or anything is signed
      /^error: wallet "dev0" cannot pay 2,000,000 coins \+ 0\.0001 fee = 2,000,000\.0001 coins: it has [\d,.]+ coins confirmed.* Nothing was signed \[INSUFFICIENT_FUNDS\]$/,
    ],
    [
      'an unreachable node',
      () => send({}, '--api', NO_NODE),
      {},
      3,
      'NODE_UNREACHABLE',
      /^error: cannot reach the node at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): is `cairn start` running\? \[NODE_UNREACHABLE\]$/,
    ],
    [
      'create with a name that exists',
      () => ['create', 'alice', '--json'],
      {},
      2,
      'WALLET_EXISTS',
      /"alice" already exists/,
    ],
    [
      'import with a name that exists',
      () => ['import', 'dev1', '--mnemonic', alice.mnemonic],
      {},
      2,
      'WALLET_EXISTS',
      /^error: a wallet named "dev1" already exists/,
    ],
    [
      'a name that does not exist',
      () => send({ from: 'nobody', amount: '1' }, '--api', node.api, '--json'),
      {},
      2,
      'NO_SUCH_WALLET',
      /no wallet named "nobody"/,
    ],
  ];

  it.each(cases)('%s', async (_what, args, env, exit, code, message) => {
    const before = await state();
    const argv = args();
    const r = await wallet(argv, env);
    expect(r.code, r.stderr).toBe(exit);
    const json = argv.includes('--json');
    expect(json ? r.stderr : r.stdout).toBe('');
    const out = json ? r.stdout : r.stderr;
    const lines = out.trim().split('\n');
    expect(lines, out).toHaveLength(1);
    const line = lines[0]!;
    if (json) {
      const error = (JSON.parse(line) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    } else {
      expect(line).toMatch(message);
      expect(line.endsWith(`[${code}]`), line).toBe(true);
    }
    // Secrets never appear in an error.
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('not the password');
      expect(text).not.toContain(alice.mnemonic.split(' ').slice(0, 3).join(' '));
    }
    expect(await state()).toEqual(before);
  });
});
