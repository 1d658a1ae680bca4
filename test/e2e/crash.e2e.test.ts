// Crash safety, proven: a real process writes a chain (mining with `cairn mine`, or a writer that
// reorgs every few blocks) and is killed with SIGKILL at random moments. After every kill the datadir
// must reopen at once and hold a consistent state: the stored accounts equal a replay of the stored main
// chain, the stored digest matches, and the tip has its undo data. Then the short version of the crash
// soak (test/e2e/crash-network.ts; `npm run soak -- crash` runs 200 rounds and more): a network of three
// real nodes, with one killed during tx intake, during a reorg and during sync.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chain } from '../../src/chain/chain.js';
import { checkStoredState } from '../../src/chain/reindex.js';
import { encodeAddress } from '../../src/consensus/address.js';
import type { ChainParams } from '../../src/consensus/types.js';
import { loadParams } from '../../src/node/params.js';
import { ChainStore } from '../../src/storage/index.js';
import { referenceVerifier, testKey, testParams } from '../helpers/chain-fixtures.js';
import { runCrashRounds } from './crash-network.js';
import { cairnArgs, freshBuiltCairn, ROOT, spawnNode, waitFor } from './helpers.js';

const ROUNDS = 8;
let dirs: string[] = [];

beforeAll(() => {
  dirs = [];
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function verify(dir: string, params: ChainParams): Promise<number> {
  const store = await ChainStore.open(dir);
  try {
    const check = await checkStoredState(store, params);
    expect(check.mismatchedAccounts).toBe(0);
    expect(check.storedDigestMatches).toBe(true);
    expect(check.tipUndoOk).toBe(true);
    expect(check.damage).toEqual([]);
    // And the node itself opens on it with no replay: at the stored tip, or above it when the kill left
    // a stored body that extends it (the chain connects it at open, as Core's init ActivateBestChain).
    const chain = await Chain.open({
      params,
      store,
      verifier: referenceVerifier(params),
      recordTip: false,
    });
    expect(chain.height).toBeGreaterThanOrEqual(check.height);
    const reopened = await checkStoredState(store, params);
    expect(reopened).toMatchObject({
      height: chain.height,
      mismatchedAccounts: 0,
      storedDigestMatches: true,
    });
    return chain.height;
  } finally {
    await store.close();
  }
}

async function killAtRandom(
  args: string[],
  ready: RegExp,
  params: ChainParams,
  dir: string,
): Promise<number> {
  const p = spawnNode(args);
  // Starting a process under tsx on a loaded 2-core machine can take a while: a generous deadline.
  await waitFor(`the writer to start (stderr: ${p.stderr()})`, () => ready.test(p.stdout()), 90_000);
  // Let it write for a random while, then pull the plug.
  const lines = p.stdout().split('\n').length;
  const extra = 1 + Math.floor(Math.random() * 40);
  await waitFor('some blocks', () => p.stdout().split('\n').length >= lines + extra, 30_000, 5);
  await new Promise((r) => setTimeout(r, Math.random() * 20));
  p.child.kill('SIGKILL');
  expect(await p.exited).toBe('SIGKILL');
  return verify(dir, params);
}

describe('crash safety (SIGKILL at random moments)', () => {
  it(`survives ${ROUNDS} kills while mining and while reorging`, async () => {
    const regtest = loadParams({ regtest: true });
    const mineDir = await mkdtemp(join(tmpdir(), 'cairn-crash-mine-'));
    const reorgDir = await mkdtemp(join(tmpdir(), 'cairn-crash-reorg-'));
    dirs.push(mineDir, reorgDir);
    const to = encodeAddress(testKey(9).address, regtest.addressPrefix);
    let mined = 0;
    let reorged = 0;
    // The build starts several times faster than the sources under tsx; the sources when dist/ is stale.
    const cairn = (await freshBuiltCairn()) ?? cairnArgs;
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        const args = cairn('mine', '--datadir', mineDir, '--regtest', '--blocks', '100000', '--to', to);
        const h = await killAtRandom(args, /^\d+ [0-9a-f]{64}$/m, regtest, mineDir);
        expect(h).toBeGreaterThanOrEqual(mined); // nothing connected before a kill is lost
        mined = h;
      } else {
        const args = [
          '--import',
          'tsx',
          join(ROOT, 'test/e2e/fixtures/reorg-writer.ts'),
          reorgDir,
          String(round),
        ];
        reorged = await killAtRandom(args, /^ready/m, testParams(), reorgDir);
      }
    }
    expect(mined).toBeGreaterThan(0);
    expect(reorged).toBeGreaterThan(0);
  }, 240_000);
});

describe('crash soak, short version (three real nodes)', () => {
  it('a node killed during tx intake, during a reorg and during sync reopens at or above what it acknowledged, with the state of a clean replay', async () => {
    const dir = await mkdtemp(join(tmpdir(), `cairn-crash-net-${process.pid}-`));
    dirs.push(dir);
    const lines: string[] = [];
    const report = await runCrashRounds({
      dir,
      rounds: 3,
      seed: 1,
      first: ['txs', 'reorg', 'sync'],
      convergeEvery: 3,
      cairn: await freshBuiltCairn(), // the build starts faster; the sources when dist/ is stale
      log: (l) => lines.push(l),
    });
    expect(report.byScenario, lines.join('\n')).toEqual({ mining: 0, txs: 1, reorg: 1, sync: 1 });
    expect(report.convergences).toBeGreaterThanOrEqual(1);
  }, 600_000);
});
