// `npm run devnet -- attack fake-chain` end to end (issue 14): a chain with more blocks but less work,
// valid block by block, never becomes an honest node's tip; blocks with easier bits than the rules allow
// are refused. The test then asks the nodes itself: their tips list the fake branch, higher and lighter,
// beside the main chain they kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackRun, checkEventSequence, runAttack } from './attack-run.js';
import { getJson } from './helpers.js';

const NODES = ['honest0', 'honest1', 'attacker'];

interface Result {
  honest: { height: number; chainWork: string };
  fake: { length: number; chainWork: string; tipHash: string };
  attackerReorgDepth: number;
  handedToHonest0: Record<string, number>;
  easyBits: { honest0: string; honest1: string; child: string; beyondLimit: string };
  honestReorgs: number;
  finalHeight: number;
  finalTip: string;
}

interface Tip {
  hash: string;
  height: number;
  chainWork: string;
  status: string;
}

let run: AttackRun<Result>;

beforeAll(async () => {
  run = await runAttack<Result>('fake-chain', NODES, ['--honest-blocks', '30'], {
    keep: true,
    timeoutMs: 240_000,
  });
}, 300_000);

afterAll(async () => {
  await run?.cleanup();
});

describe('attack fake-chain (real processes)', () => {
  it('builds a fake chain that is longer and lighter than the honest one', () => {
    const { honest, fake } = run.report.result;
    expect(fake.length).toBeGreaterThan(honest.height);
    expect(BigInt(fake.chainWork)).toBeLessThan(BigInt(honest.chainWork));
  });

  it('no honest node ever switched to it; the attacker’s own node dropped it for the heavier chain', () => {
    const r = run.report.result;
    expect(r.honestReorgs).toBe(0); // the nodes' own reorg reports on the merged stream
    expect(r.attackerReorgDepth).toBe(r.fake.length);
    // Handed the whole chain block by block, honest0 kept every block on a side branch.
    expect(r.handedToHonest0).toEqual({ stored: r.fake.length });
  });

  it('refuses easier bits than ASERT requires, their children, and bits beyond the limit', () => {
    expect(run.report.result.easyBits).toEqual({
      honest0: 'BAD_DIFFBITS',
      honest1: 'BAD_DIFFBITS',
      child: 'INVALID_ANCESTOR',
      beyondLimit: 'BAD_TARGET',
    });
  });

  it('the nodes agree: one main chain, the fake branch a higher, lighter tip beside it', async () => {
    const r = run.report.result;
    for (const node of NODES) {
      const s = await getJson<{ height: number; tipHash: string; chainWork: string }>(
        `${run.api(node)}/status`,
      );
      expect(s.tipHash).toBe(r.finalTip);
      expect(s.height).toBe(r.finalHeight);
    }
    for (const node of ['honest0', 'honest1']) {
      const tips = await getJson<Tip[]>(`${run.api(node)}/chain/tips`);
      const active = tips.find((t) => t.status === 'active')!;
      const fake = tips.find((t) => t.hash === r.fake.tipHash)!;
      expect(fake).toBeDefined();
      expect(fake.height).toBeGreaterThan(active.height);
      expect(BigInt(fake.chainWork)).toBeLessThan(BigInt(active.chainWork));
      expect(fake.status).toBe('valid-headers'); // stored whole, never connected
    }
  });

  it('told the dashboard each step, ending with the account', () => {
    checkEventSequence(run.streamed, 'fake-chain');
    expect(run.streamed.at(-1)!.outcome).toBe('failed');
    expect(run.streamed.at(-1)!.text).toMatch(/Heaviest work, not longest chain/);
  });

  it('stops every node cleanly on Ctrl-C', async () => {
    expect(await run.stop()).toBe(0);
  });
});
