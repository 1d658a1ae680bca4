// The one mapping from errors to HTTP statuses.
import { describe, expect, it } from 'vitest';
import { ApiError, clientErrorOf, statusOfKind, toHttpError } from '../../src/api/errors.js';
import { OUTCOME_KINDS, RULE_CODES, type RuleCode, RuleError } from '../../src/consensus/errors.js';
import { MEMPOOL_CODES, type MempoolCode, MempoolError } from '../../src/mempool/policy.js';
import { StorageError } from '../../src/storage/index.js';

describe('toHttpError', () => {
  // Was "every rule code is 400": with TIME_TOO_NEW of kind `transient` (a block from the future may
  // become timely) the status follows the kind, so a transient code is 503 with Retry-After instead.
  it.each(Object.keys(RULE_CODES) as RuleCode[])(
    'rule code %s is 400, or 503 with Retry-After when its kind is transient, with that code',
    (code) => {
      const e = toHttpError(new RuleError(code, 'why'));
      const transient = RULE_CODES[code].kind === 'transient';
      expect(e).toMatchObject({
        status: transient ? 503 : 400,
        body: { error: { code, message: 'why' } },
        internal: false,
      });
      expect(e.headers?.['retry-after'] !== undefined).toBe(transient);
    },
  );

  it.each(Object.keys(MEMPOOL_CODES) as MempoolCode[])('mempool code %s keeps its code', (code) => {
    const e = toHttpError(new MempoolError(code, 'why'));
    expect(e.body).toEqual({ error: { code, message: 'why' } });
    // Only a full pool is the node's condition rather than the tx's: retry later.
    expect(e.status).toBe(code === 'MEMPOOL_FULL' ? 503 : 400);
    expect(e.headers?.['retry-after'] !== undefined).toBe(code === 'MEMPOOL_FULL');
  });

  it('derives the status of every rule and mempool code from its outcome kind alone', () => {
    const table = [
      ...Object.entries(RULE_CODES).map(([code, { kind }]) => ({
        kind,
        error: new RuleError(code as RuleCode, 'why'),
      })),
      ...Object.entries(MEMPOOL_CODES).map(([code, { kind }]) => ({
        kind,
        error: new MempoolError(code as MempoolCode, 'why'),
      })),
    ];
    const seen = new Set<string>();
    for (const { kind, error } of table) {
      expect(error.kind).toBe(kind);
      const e = toHttpError(error);
      const expected = kind === 'transient' ? 503 : 400;
      expect({ code: error.code, status: e.status }).toEqual({ code: error.code, status: expected });
      expect(e.status).toBe(statusOfKind(kind));
      expect({ code: error.code, retry: e.headers?.['retry-after'] }).toEqual({
        code: error.code,
        retry: expected === 503 ? expect.stringMatching(/^[1-9][0-9]*$/) : undefined,
      });
      seen.add(kind);
    }
    // Both sides of the mapping are exercised by real codes (TIME_TOO_NEW and MEMPOOL_FULL are transient).
    expect(seen.has('transient')).toBe(true);
    expect(seen.has('invalid')).toBe(true);
    // Every kind has a status, and only `transient` asks the client to come back.
    expect(OUTCOME_KINDS.filter((k) => statusOfKind(k) === 503)).toEqual(['transient']);
  });

  it('keeps the status and code of an ApiError, with a challenge on 401', () => {
    expect(toHttpError(new ApiError(404, 'NOT_FOUND', 'gone'))).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'gone' } },
    });
    expect(toHttpError(new ApiError(401, 'UNAUTHORIZED', 'no')).headers).toEqual({
      'www-authenticate': 'Bearer',
    });
  });

  it('maps schema failures to BAD_REQUEST, or BAD_HEX when a hex pattern failed', () => {
    const schema = Object.assign(new Error('body/raw must be string'), {
      validation: [{ keyword: 'type', params: { type: 'string' } }],
    });
    expect(toHttpError(schema)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    const hex = Object.assign(new Error('params/id must match pattern'), {
      validation: [{ keyword: 'pattern', params: { pattern: '^[0-9a-fA-F]{64}$' } }],
    });
    expect(toHttpError(hex)).toMatchObject({ status: 400, body: { error: { code: 'BAD_HEX' } } });
  });

  it.each([
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'BAD_JSON'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'BAD_JSON'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'BODY_TOO_LARGE'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ])('maps fastify %s to %i %s', (fst, status, code) => {
    const e = Object.assign(new Error('x'), { code: fst, statusCode: 500 });
    expect(toHttpError(e)).toMatchObject({ status, body: { error: { code } } });
  });

  it("maps the router's own refusals to their API codes", () => {
    const bad = Object.assign(new Error('bad url'), { statusCode: 400, code: 'FST_ERR_BAD_URL' });
    expect(toHttpError(bad)).toMatchObject({ status: 400, body: { error: { code: 'BAD_URL' } } });
    const long = Object.assign(new Error('long'), { statusCode: 414, code: 'FST_ERR_MAX_PARAM_LENGTH' });
    expect(toHttpError(long)).toMatchObject({ status: 414, body: { error: { code: 'URI_TOO_LONG' } } });
  });

  it('keeps other client-error statuses the framework sets', () => {
    const e = Object.assign(new Error('no'), { statusCode: 405, code: 'FST_ERR_SOMETHING_NEW' });
    expect(toHttpError(e)).toMatchObject({ status: 405, body: { error: { code: 'BAD_REQUEST' } } });
  });

  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'HEADERS_TOO_LARGE'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'REQUEST_TIMEOUT'],
    ['HPE_INVALID_URL', 400, 'BAD_REQUEST'],
    ['HPE_INVALID_METHOD', 400, 'BAD_REQUEST'],
    [undefined, 400, 'BAD_REQUEST'],
  ])('maps the HTTP parser error %s to %i %s', (code, status, api) => {
    expect(clientErrorOf(code)).toMatchObject({ status, internal: false, body: { error: { code: api } } });
  });

  it('hides the details of anything else behind a generic 500', () => {
    for (const thrown of [new Error('secret path /home/x'), 'a string', undefined, { statusCode: 503 }]) {
      const e = toHttpError(thrown);
      expect(e).toMatchObject({ status: 500, internal: true, body: { error: { code: 'INTERNAL' } } });
      expect(e.body.error.message).not.toContain('secret');
    }
  });

  it('answers a damaged stored record with 500 CORRUPT_RECORD naming the block (issue 13, defect 1)', () => {
    const damaged = new StorageError(
      'CORRUPT_RECORD',
      'the stored body of block at height 7 (ab…) is damaged',
      {
        height: 7,
        hash: 'ab'.repeat(32),
      },
    );
    const e = toHttpError(damaged);
    expect(e).toMatchObject({ status: 500, internal: true, body: { error: { code: 'CORRUPT_RECORD' } } });
    expect(e.body.error.message).toMatch(/height 7/);
    expect(e.body.error.message).toContain('ab'.repeat(32));
    expect(e.body.error.message).toMatch(/cairn reindex/);
  });
});
