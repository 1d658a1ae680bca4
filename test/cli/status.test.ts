// `cairn status`'s sync line, from the `syncing` and `sync` fields of GET /status.
import { describe, expect, it } from 'vitest';
import { syncLine } from '../../src/cli/status.js';

describe('syncLine', () => {
  it('synced / target, the rate and the time left while syncing', () => {
    expect(syncLine({ syncing: true, sync: { height: 1_200, target: 5_000, blocksPerSecond: 38 } })).toBe(
      '1,200 / 5,000 blocks, 38 blocks/s, about 1 min 40 s left (syncing)',
    );
    // Headers still coming, no block connected yet: no rate, no guess at the time.
    expect(syncLine({ syncing: true, sync: { height: 10, target: 900, blocksPerSecond: 0 } })).toBe(
      '10 / 900 blocks (syncing)',
    );
  });

  it('in sync; and a node older than the sync state says only whether it syncs', () => {
    expect(syncLine({ syncing: false, sync: { height: 42, target: 42, blocksPerSecond: 0 } })).toBe(
      '42 / 42 blocks (in sync)',
    );
    expect(syncLine({ syncing: true })).toBe('syncing');
    expect(syncLine({ syncing: false })).toBe('in sync');
  });
});
