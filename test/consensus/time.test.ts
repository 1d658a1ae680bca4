import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkBlockTime, MEDIAN_TIME_SPAN, medianTimePast } from '../../src/consensus/time.js';
import type { ChainParams } from '../../src/consensus/types.js';
import { ruleCode } from '../helpers/rule-code.js';

// checkBlockTime reads only maxFutureBlockTime; the rest of ChainParams does not matter here.
const params = { maxFutureBlockTime: 120 } as ChainParams;

describe('medianTimePast (Core: CBlockIndex::GetMedianTimePast)', () => {
  it('spans 11 blocks', () => {
    expect(MEDIAN_TIME_SPAN).toBe(11);
  });

  it('is the only time when there is one block (genesis)', () => {
    expect(medianTimePast([1234])).toBe(1234);
  });

  it('takes element floor(n/2) of the sorted times with fewer than 11 blocks', () => {
    expect(medianTimePast([10, 30])).toBe(30);
    expect(medianTimePast([30, 10, 20])).toBe(20);
    expect(medianTimePast([40, 10, 30, 20])).toBe(30);
  });

  it('uses only the last 11 times', () => {
    const times = [1000, 2000, 3000, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    expect(medianTimePast(times)).toBe(6);
  });

  it('does not reorder the caller’s array', () => {
    const times = [5, 1, 3];
    medianTimePast(times);
    expect(times).toEqual([5, 1, 3]);
  });

  it('is a member of the window with as many window times above it as below it (±1)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 30 }),
        (times) => {
          const window = times.slice(-MEDIAN_TIME_SPAN);
          const m = medianTimePast(times);
          expect(window).toContain(m);
          const below = window.filter((t) => t < m).length;
          const atMost = window.filter((t) => t <= m).length;
          const half = Math.floor(window.length / 2);
          expect(below <= half && half < atMost).toBe(true);
        },
      ),
    );
  });

  it('refuses an empty list', () => {
    expect(() => medianTimePast([])).toThrow(RangeError);
  });
});

describe('checkBlockTime', () => {
  const mtp = 1_000_000;
  const now = 2_000_000;

  it('accepts a time just after the median-time-past and up to the future limit', () => {
    expect(() => checkBlockTime(mtp + 1, mtp, now, params)).not.toThrow();
    expect(() => checkBlockTime(now + 120, mtp, now, params)).not.toThrow();
  });

  it('rejects a time equal to or before the median-time-past as TIME_TOO_OLD', () => {
    expect(ruleCode(() => checkBlockTime(mtp, mtp, now, params))).toBe('TIME_TOO_OLD');
    expect(ruleCode(() => checkBlockTime(mtp - 1, mtp, now, params))).toBe('TIME_TOO_OLD');
  });

  it('rejects a time beyond now + maxFutureBlockTime as TIME_TOO_NEW', () => {
    expect(ruleCode(() => checkBlockTime(now + 121, mtp, now, params))).toBe('TIME_TOO_NEW');
  });

  it('accepts the same too-new block once the clock has caught up', () => {
    const time = now + 500;
    expect(ruleCode(() => checkBlockTime(time, mtp, now, params))).toBe('TIME_TOO_NEW');
    expect(() => checkBlockTime(time, mtp, now + 380, params)).not.toThrow();
  });
});
