// Every command that opens a datadir (start, mine, reindex) refuses one that holds another chain, with
// WRONG_CHAIN (exit 5), both genesis hashes and the flags that would match, BEFORE changing anything:
// a regtest datadir reindexed without --regtest used to be replayed under devnet rules and "corrected".
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { toHex } from '../../src/consensus/bytes.js';
import { loadParams } from '../../src/node/params.js';
import { ChainStore } from '../../src/storage/index.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { cairnArgs, ROOT, run } from './helpers.js';

const TO = encodeAddress(devKeys(1)[0]!.addressHash, 'cairn');
let home: string;
let devnetDir: string;
let regtestDir: string;
let otherGenesis: string;
let minedDevnet: Awaited<ReturnType<typeof run>>;
let minedRegtest: Awaited<ReturnType<typeof run>>;

/** Everything a replay could "correct": tip, digest, the main chain and every account. */
async function chainState(dir: string): Promise<unknown> {
  const store = await ChainStore.open(dir);
  try {
    const tip = await store.getTip();
    const digest = await store.getDigest();
    const main: string[] = [];
    for (let h = 0; ; h++) {
      const hash = await store.getMainHash(h);
      if (!hash) break;
      main.push(toHex(hash));
    }
    const accounts: [string, string, string][] = [];
    for await (const [address, a] of store.iterateAccounts()) {
      accounts.push([toHex(address), a.balance.toString(), a.nonce.toString()]);
    }
    return { tip: tip && toHex(tip), digest: digest && toHex(digest), main, accounts };
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'cairn-cli-datadir-'));
  devnetDir = join(home, 'devnet');
  regtestDir = join(home, 'regtest');
  // Another chain: the shipped genesis with another subsidy (so neither it nor its regtest variant match).
  const genesis = JSON.parse(await readFile(join(ROOT, 'genesis.json'), 'utf8')) as Record<string, unknown>;
  otherGenesis = join(home, 'other-genesis.json');
  await writeFile(otherGenesis, JSON.stringify({ ...genesis, initialSubsidy: '4000000000' }));
  [minedDevnet, minedRegtest] = await Promise.all([
    // Real difficulty: a few seconds a block, much longer on a loaded machine.
    run(cairnArgs('mine', '--datadir', devnetDir, '--blocks', '2', '--to', TO), { timeoutMs: 170_000 }),
    run(cairnArgs('mine', '--datadir', regtestDir, '--regtest', '--blocks', '3', '--to', TO, '--json')),
  ]);
  expect(minedDevnet.code, minedDevnet.stderr).toBe(0);
  expect(minedRegtest.code, minedRegtest.stderr).toBe(0);
}, 180_000);
afterAll(() => rm(home, { recursive: true, force: true }));

describe('cairn mine shows its progress', () => {
  it('blocks on stdout as found; blocks found and hash rate on stderr; --json: one document, nothing else', () => {
    const lines = minedDevnet.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const [i, line] of lines.entries()) expect(line).toMatch(new RegExp(`^${i + 1} [0-9a-f]{64}$`));
    // Real difficulty: the last line sums it up with the average hash rate.
    expect(minedDevnet.stderr).toMatch(
      /^mined 2 blocks in \d+(\.\d)? (s|min \d+ s), \d+(\.\d+)? [kMG]?H\/s on average$/m,
    );
    expect(minedRegtest.stderr).toBe('');
    const doc = JSON.parse(minedRegtest.stdout) as {
      blocks: { height: number; hash: string; txs: number }[];
      seconds: number;
      hashes: number;
      hashesPerSecond: number;
    };
    expect(minedRegtest.stdout.trim().split('\n')).toHaveLength(1);
    expect(doc.blocks.map((b) => b.height)).toEqual([1, 2, 3]);
    for (const b of doc.blocks) expect(b.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.seconds).toBeGreaterThan(0);
    // At least the one hash that met the target, per block; the rate is the count over the time.
    expect(doc.hashes).toBeGreaterThanOrEqual(3);
    expect(doc.hashesPerSecond).toBeCloseTo(doc.hashes / doc.seconds, 0);
  });
});

describe('cairn reindex shows its progress', () => {
  it('blocks replayed of the total and the rate on stderr; the verdict on stdout', async () => {
    const r = await run(cairnArgs('reindex', '--regtest', '--datadir', regtestDir));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^replayed 3 of 3 blocks, [\d,]+ blocks\/s$/);
    expect(r.stdout).toMatch(/^rebuilt \d+ accounts at height 3$/m);
    expect(r.stdout).toMatch(/^the stored state matched the blocks exactly$/m);
  }, 60_000);
});

describe('a datadir of another chain is refused before anything changes', () => {
  const devnet = loadParams();
  const regtest = loadParams({ regtest: true });
  // [what, datadir, chain flags, the stored genesis, the flags' genesis, the hint]
  const mismatches = (): [string, string, string[], Uint8Array, Uint8Array, RegExp][] => [
    [
      'regtest datadir, no --regtest',
      regtestDir,
      [],
      regtest.genesisHash,
      devnet.genesisHash,
      /It matches --regtest:/,
    ],
    [
      'devnet datadir, --regtest',
      devnetDir,
      ['--regtest'],
      devnet.genesisHash,
      regtest.genesisHash,
      /It matches the same flags without --regtest:/,
    ],
    [
      'regtest datadir, --genesis of another chain',
      regtestDir,
      ['--genesis', otherGenesis],
      regtest.genesisHash,
      loadParams({ genesis: otherGenesis }).genesisHash,
      /It matches --regtest and no --genesis:/,
    ],
  ];
  const commands: [string, string[]][] = [
    ['start', ['start', '--api-port', '0', '--p2p-port', '0']],
    ['mine', ['mine', '--blocks', '1', '--to', TO]],
    ['reindex', ['reindex']],
  ];

  it('start, mine and reindex × every mismatch: WRONG_CHAIN, exit 5, both hashes, the matching flag', async () => {
    const before = { devnet: await chainState(devnetDir), regtest: await chainState(regtestDir) };
    for (const [what, dir, flags, stored, expected, hint] of mismatches()) {
      for (const [name, args] of commands) {
        const r = await run(cairnArgs(...args, '--datadir', dir, ...flags));
        const label = `${name}: ${what}`;
        expect(r.code, `${label}\n${r.stderr}`).toBe(5);
        const lines = r.stderr.trim().split('\n');
        expect(lines, label).toHaveLength(1);
        expect(lines[0], label).toMatch(/^error: datadir .* holds another chain/);
        expect(lines[0], label).toContain('[WRONG_CHAIN]');
        expect(lines[0], label).toContain(toHex(stored));
        expect(lines[0], label).toContain(toHex(expected));
        expect(lines[0], label).toMatch(hint);
        expect(lines[0], label).toContain('Nothing was changed');
        expect(r.stdout, label).toBe('');
      }
      const json = await run(cairnArgs('reindex', '--datadir', dir, ...flags, '--json'));
      expect(json.code).toBe(5);
      expect(json.stderr).toBe('');
      expect(JSON.parse(json.stdout).error.code).toBe('WRONG_CHAIN');
    }
    expect({ devnet: await chainState(devnetDir), regtest: await chainState(regtestDir) }).toEqual(before);
  }, 300_000);

  it('a correct reindex afterwards finds nothing to correct', async () => {
    for (const [dir, flags, height] of [
      [regtestDir, ['--regtest'], 3],
      [devnetDir, [], 2],
    ] as const) {
      const r = await run(cairnArgs('reindex', '--datadir', dir, ...flags, '--json'));
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        height,
        mismatchedAccounts: 0,
        storedDigestMatched: true,
      });
    }
  }, 120_000);
});

describe('an unusable datadir, key or configuration exits with its code from the shared table', () => {
  // Issue 13 defect 6: each of these used to exit 1 as "unexpected error", with the OS's or LevelDB's
  // message and nothing about what to do.
  it('a datadir path that cannot be a directory, a database that does not open, a damaged peer key: DATADIR_UNUSABLE, exit 5', async () => {
    const file = join(home, 'a-file');
    await writeFile(file, 'not a directory\n');
    const broken = join(home, 'broken-db');
    await cp(regtestDir, broken, { recursive: true });
    await writeFile(join(broken, 'chain', 'CURRENT'), 'garbage\n');
    const badKey = join(home, 'bad-key');
    await mkdir(badKey);
    await writeFile(join(badKey, 'p2p-key'), 'garbage\n');
    const start = ['start', '--regtest', '--api-port', '0', '--p2p-port', '0', '--datadir'];
    const cases: [string, string[], RegExp][] = [
      ['start, datadir is a file', [...start, file], /datadir .* is unusable/],
      [
        'mine, datadir under a file',
        ['mine', '--regtest', '--blocks', '1', '--to', TO, '--datadir', join(file, 'x')],
        /ENOTDIR/,
      ],
      [
        'reindex, the database does not open',
        ['reindex', '--regtest', '--datadir', broken],
        /chain database .* is unusable/,
      ],
      ['start, the database does not open', [...start, broken], /chain database .* is unusable/],
      ['start, a damaged peer key', [...start, badKey], /peer key .* is unusable.*new peer id/],
    ];
    for (const [what, args, message] of cases) {
      const r = await run(cairnArgs(...args));
      expect(r.code, `${what}\n${r.stderr}`).toBe(5);
      expect(r.stderr, what).toContain('[DATADIR_UNUSABLE]');
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr, what).not.toMatch(/unexpected error/);
    }
  }, 120_000);

  it('a log level that does not exist: BAD_LOG_LEVEL, exit 2', async () => {
    const r = await run(cairnArgs('start', '--regtest', '--datadir', join(home, 'log'), '--api-port', '0'), {
      env: { CAIRN_LOG_LEVEL: 'loud' },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/CAIRN_LOG_LEVEL="loud" is not a log level.*\[BAD_LOG_LEVEL\]/);
  }, 60_000);
});
