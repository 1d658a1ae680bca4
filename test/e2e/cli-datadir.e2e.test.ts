// Every command that opens a datadir (start, mine, reindex) refuses one that holds another chain, with
// WRONG_CHAIN (exit 5), both genesis hashes and the flags that would match, BEFORE changing anything:
// a regtest datadir reindexed without --regtest used to be replayed under devnet rules and "corrected".
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
