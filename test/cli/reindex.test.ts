// `cairn reindex` progress: blocks done of total, the rate and the time left (the e2e in
// test/e2e/cli-datadir.e2e.test.ts checks the last line of a real reindex).
import { describe, expect, it } from 'vitest';
import { reindexProgress } from '../../src/cli/reindex.js';

describe('reindexProgress', () => {
  it('says blocks done of total, blocks per second and the time left, grouped for people', () => {
    expect(reindexProgress({ done: 1_500, total: 10_000, blocksPerSecond: 2_340.4 })).toBe(
      'replayed 1,500 of 10,000 blocks, 2,340 blocks/s, about 3.6 s left',
    );
    expect(reindexProgress({ done: 500, total: 100_000, blocksPerSecond: 250 })).toBe(
      'replayed 500 of 100,000 blocks, 250 blocks/s, about 6 min 38 s left',
    );
  });

  it('at the end, no time left; one block is singular', () => {
    expect(reindexProgress({ done: 10_000, total: 10_000, blocksPerSecond: 2_000 })).toBe(
      'replayed 10,000 of 10,000 blocks, 2,000 blocks/s',
    );
    expect(reindexProgress({ done: 1, total: 1, blocksPerSecond: 30 })).toBe(
      'replayed 1 of 1 block, 30 blocks/s',
    );
  });
});
