import { describe, expect, test } from 'vitest';
import { RULE_CODES, type RuleCode, RuleError } from '../../src/consensus/errors.js';
import { MEMPOOL_CODES, type MempoolCode, MempoolError } from '../../src/mempool/policy.js';
import { ProtocolError } from '../../src/p2p/framing.js';
import { gossipVerdict } from '../../src/p2p/outcome.js';

describe('gossipVerdict: the one mapping from outcomes to ACCEPT / IGNORE / REJECT', () => {
  test('blocks: new ones are forwarded, duplicates and orphans are not, and cost nothing', () => {
    expect(gossipVerdict({ block: 'connected' })).toBe('accept');
    expect(gossipVerdict({ block: 'stored' })).toBe('accept');
    expect(gossipVerdict({ block: 'duplicate' })).toBe('ignore');
    expect(gossipVerdict({ block: 'orphan' })).toBe('ignore');
    expect(gossipVerdict({ tx: 'added' })).toBe('accept');
  });

  test('every rule code rejects, except a missing parent and a time ahead of our clock', () => {
    for (const code of Object.keys(RULE_CODES) as RuleCode[]) {
      const expected = code === 'UNKNOWN_PARENT' || code === 'TIME_TOO_NEW' ? 'ignore' : 'reject';
      expect([code, gossipVerdict({ error: new RuleError(code, 'x') })]).toEqual([code, expected]);
    }
  });

  test('mempool policy refusals are never the sender\u2019s fault', () => {
    for (const code of Object.keys(MEMPOOL_CODES) as MempoolCode[]) {
      expect(gossipVerdict({ error: new MempoolError(code, 'x') })).toBe('ignore');
    }
  });

  test('a payload of the wrong shape rejects; our own failures ignore', () => {
    expect(gossipVerdict({ error: new ProtocolError('OVERSIZED', 'x') })).toBe('reject');
    expect(gossipVerdict({ error: new Error('LevelDB is closed') })).toBe('ignore');
  });
});
