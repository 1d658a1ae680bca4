import { describe, expect, it } from 'vitest';
import { formatCoins, groupedCoins } from '../../src/client/coins.js';
import { COIN, MAX_U64 } from '../../src/consensus/types.js';

describe('groupedCoins', () => {
  it('groups the whole part by thousands and keeps every decimal exactly', () => {
    expect(groupedCoins(0n)).toBe('0');
    expect(groupedCoins(1n)).toBe('0.00000001');
    expect(groupedCoins(999n * COIN)).toBe('999');
    expect(groupedCoins(1000n * COIN)).toBe('1,000');
    expect(groupedCoins(1_000_012n * COIN + COIN / 2n)).toBe('1,000,012.5');
    expect(groupedCoins(MAX_U64)).toBe('184,467,440,737.09551615');
    for (const units of [0n, 7n, 123_456_789_012n, MAX_U64]) {
      expect(groupedCoins(units).replaceAll(',', '')).toBe(formatCoins(units));
    }
  });
});
