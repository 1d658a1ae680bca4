import { describe, expect, it } from 'vitest';
import { RULE_CODES, type RuleCode, RuleError, ruleKind } from '../../src/consensus/errors.js';
import { isMalformedBody, MALFORMED_BODY_CODES } from '../../src/consensus/validation.js';

describe('MALFORMED_BODY_CODES', () => {
  it('is exactly the rule codes of kind mutated: the four ways a body can betray an honest header', () => {
    expect([...MALFORMED_BODY_CODES].sort()).toEqual(
      ['BAD_ENCODING', 'BAD_MERKLE_ROOT', 'BLOCK_TOO_LARGE', 'DUPLICATE_TX'].sort(),
    );
    for (const code of Object.keys(RULE_CODES) as RuleCode[]) {
      expect(MALFORMED_BODY_CODES.has(code)).toBe(ruleKind(code) === 'mutated');
    }
  });

  it('isMalformedBody tells a mutated body from a bad header or state', () => {
    expect(isMalformedBody(new RuleError('BAD_MERKLE_ROOT', 'x'))).toBe(true);
    expect(isMalformedBody(new RuleError('INSUFFICIENT_FUNDS', 'x'))).toBe(false);
    expect(isMalformedBody(new RuleError('TIME_TOO_NEW', 'x'))).toBe(false);
    expect(isMalformedBody(new Error('BAD_MERKLE_ROOT'))).toBe(false);
  });
});
