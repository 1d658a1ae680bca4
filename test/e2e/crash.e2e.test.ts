// Crash safety, proven: a real process writes a chain (mining with `cairn mine`, or a writer that
// reorgs every few blocks) and is killed with SIGKILL at random moments. After every kill the datadir
// must reopen at once and hold a consistent state: the stored accounts equal a replay of the stored main
// chain, the stored digest matches, and the tip has its undo data.
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
import { cairnArgs, ROOT, spawnNode, waitFor } from './helpers.js';

const ROUNDS = 24;
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
    // And the node itself opens on it, at the stored tip, with no replay.
    const chain = await Chain.open({
      params,
      store,
      verifier: referenceVerifier(params),
    });
    expect(chain.height).toBe(check.height);
    return check.height;
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
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        const args = cairnArgs('mine', '--datadir', mineDir, '--regtest', '--blocks', '100000', '--to', to);
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
