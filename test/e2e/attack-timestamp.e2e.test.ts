// `npm run devnet -- attack timestamp` end to end (issue 14): a block stamped at the median time past is
// invalid for good; one second later it is valid (even before its parent); one beyond the future limit
// is refused only until the clock catches up, then the very same block is accepted; a day ahead is
// refused. What ASERT would have done is checked against the pure consensus function here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACK_POW_LIMIT_BITS } from '../../scripts/devnet/attack/genesis.js';
import type { TimestampCase } from '../../scripts/devnet/attack/timestamp.js';
import { type AttackRun, checkEventSequence, runAttack } from './attack-run.js';
import { getJson } from './helpers.js';

const NODES = ['honest0', 'honest1'];

let run: AttackRun<{ cases: TimestampCase[]; finalHeight: number; maxFutureBlockTime: number }>;

beforeAll(async () => {
  run = await runAttack('timestamp', NODES, [], { keep: true, timeoutMs: 240_000 });
}, 300_000);

afterAll(async () => {
  await run?.cleanup();
});

describe('attack timestamp (real processes)', () => {
  it('a time at the median time past is invalid on every node, and remembered as such', () => {
    const c = run.report.result.cases[0]!;
    expect(c.vsMtp).toBe(0);
    expect(c.answers).toEqual(['TIME_TOO_OLD', 'TIME_TOO_OLD']);
    expect(c.again).toBe('INVALID_ANCESTOR');
    expect(c.nextTargetRatio).toBeLessThan(1); // earlier looks ahead of schedule: harder
  });

  it('one second after the median is valid, whatever the parent says', () => {
    const c = run.report.result.cases[1]!;
    expect(c.vsMtp).toBe(1);
    expect(c.vsParent).toBeLessThanOrEqual(0);
    expect(c.answers).toEqual(['connected', 'connected']);
  });

  it('beyond the future limit is refused only until the clock catches up (transient)', () => {
    const { cases, maxFutureBlockTime } = run.report.result;
    const c = cases[2]!;
    expect(c.vsClock).toBeGreaterThan(maxFutureBlockTime);
    expect(c.answers).toEqual(['TIME_TOO_NEW', 'TIME_TOO_NEW']);
    expect(c.again).toBe('connected');
    expect(c.acceptedAfterMs).toBeGreaterThanOrEqual(1000);
    expect(c.nextTargetRatio).toBeGreaterThan(1); // the lie made the next block easier
  });

  it('a day ahead is refused, and ASERT would have dropped the difficulty to the limit', () => {
    const c = run.report.result.cases[3]!;
    expect(c.answers).toEqual(['TIME_TOO_NEW', 'TIME_TOO_NEW']);
    expect(c.asertDoublings).toBeGreaterThan(4000);
    expect(Number.parseInt(c.nextBits, 16)).toBe(ATTACK_POW_LIMIT_BITS); // the chain's easiest target
    expect(c.nextTargetRatio).toBeGreaterThan(1);
  });

  it('both nodes end on the same tip, holding the accepted blocks', async () => {
    const [a, b] = await Promise.all(
      NODES.map((n) => getJson<{ height: number; tipHash: string }>(`${run.api(n)}/status`)),
    );
    expect(a!.tipHash).toBe(b!.tipHash);
    expect(a!.height).toBe(run.report.result.finalHeight);
  });

  it('told the dashboard each step, ending with the account', () => {
    checkEventSequence(run.streamed, 'timestamp');
    expect(run.streamed.at(-1)!.text).toMatch(/transient/);
  });

  it('stops every node cleanly on Ctrl-C', async () => {
    expect(await run.stop()).toBe(0);
  });
});
