import { describe, expect, it } from 'vitest';
import { ClientError } from '../../src/client/errors.js';
import { EXIT, EXIT_HELP, exitForClientError, exitForKind } from '../../src/client/exit-codes.js';
import { OUTCOME_KINDS, RULE_CODES, type RuleCode } from '../../src/consensus/errors.js';
import { MEMPOOL_CODES } from '../../src/mempool/policy.js';

describe('the shared exit table', () => {
  it('contract 1: input → USAGE, wrong-chain → DATADIR, every other kind → REJECTED', () => {
    for (const kind of OUTCOME_KINDS) {
      const expected = kind === 'input' ? 2 : kind === 'wrong-chain' ? 5 : 4;
      expect(exitForKind(kind), kind).toBe(expected);
    }
    expect(exitForKind(RULE_CODES.WRONG_CHAIN.kind)).toBe(EXIT.DATADIR);
    for (const info of Object.values(MEMPOOL_CODES)) expect(exitForKind(info.kind)).toBe(EXIT.REJECTED);
  });

  it('distinct numbers for usage, unreachable, rejected, datadir, not found and keystore; all in --help', () => {
    const numbers = [
      EXIT.INTERNAL,
      EXIT.USAGE,
      EXIT.UNREACHABLE,
      EXIT.REJECTED,
      EXIT.DATADIR,
      EXIT.NOT_FOUND,
      EXIT.KEYSTORE,
    ];
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const n of [EXIT.OK, ...numbers]) expect(EXIT_HELP).toMatch(new RegExp(`^ {2}${n} {2}\\S`, 'm'));
  });

  it('client errors: by kind, a 404 is NOT_FOUND, a refusal with an input rule code is USAGE', () => {
    const err = (kind: ClientError['kind'], code: string, status?: number) =>
      new ClientError(kind, code, 'x', status === undefined ? {} : { status });
    expect(exitForClientError(err('BAD_INPUT', 'BAD_API_URL'))).toBe(EXIT.USAGE);
    expect(exitForClientError(err('NODE_UNREACHABLE', 'NODE_UNREACHABLE'))).toBe(EXIT.UNREACHABLE);
    expect(exitForClientError(err('NODE_REJECTED', 'NOT_FOUND', 404))).toBe(EXIT.NOT_FOUND);
    expect(exitForClientError(err('NODE_REJECTED', 'UNAUTHORIZED', 401))).toBe(EXIT.USAGE);
    expect(exitForClientError(err('NODE_REJECTED', 'INSUFFICIENT_FUNDS', 400))).toBe(EXIT.REJECTED);
    expect(exitForClientError(err('NODE_REJECTED', 'MEMPOOL_FULL', 503))).toBe(EXIT.REJECTED);
    const input = (Object.keys(RULE_CODES) as RuleCode[]).find((c) => RULE_CODES[c].kind === 'input');
    if (input) expect(exitForClientError(err('NODE_REJECTED', input, 400))).toBe(EXIT.USAGE);
    expect(exitForClientError(err('FAILED', 'BAD_RESPONSE'))).toBe(EXIT.INTERNAL);
  });
});
