import { isRuleError, type RuleCode } from '../../src/consensus/errors.js';

/** The RuleError code `fn` throws, or undefined if it returns; any other error is rethrown. */
export function ruleCode(fn: () => unknown): RuleCode | undefined {
  try {
    fn();
  } catch (e) {
    if (isRuleError(e)) return e.code;
    throw e;
  }
  return undefined;
}
