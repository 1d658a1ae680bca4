// Bad input never crashes the node and never changes state: each gets its 4xx and
// {"error": {"code", "message"}} with the rule or mempool code where there is one (docs/ARCHITECTURE.md §5).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { bigIntToBytes, bytesToBigInt, concatBytes, toHex } from '../../src/consensus/bytes.js';
import { encodeTx } from '../../src/consensus/encoding.js';
import { CURVE_ORDER } from '../../src/consensus/signature.js';
import type { Tx } from '../../src/consensus/types.js';
import { FUNDING, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';
import { type Fixture, openFixture, rawHex } from './fixture.js';

let f: Fixture;

beforeAll(async () => {
  f = await openFixture();
});

afterAll(async () => {
  await f.close();
});

interface Case {
  readonly name: string;
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: () => unknown;
  readonly contentType?: string;
  readonly status: number;
  readonly code: string;
}

function txWith(fields: Partial<Tx>, key = testKey(0)): Tx {
  const p = f.params;
  return { ...transfer(p, key, testKey(1).address, 10n, 0n), ...fields };
}

function signed(amount: bigint, nonce: bigint, fee = 1_000n, key = testKey(0)): string {
  return rawHex(transfer(f.params, key, testKey(1).address, amount, nonce, fee));
}

const unknownHash = 'ab'.repeat(32);

const cases: Case[] = [
  // The body is not JSON at all.
  {
    name: 'malformed JSON',
    method: 'POST',
    url: '/txs',
    body: () => '{"raw": ',
    status: 400,
    code: 'BAD_JSON',
  },
  { name: 'empty JSON body', method: 'POST', url: '/txs', body: () => '', status: 400, code: 'BAD_JSON' },
  {
    name: 'prototype poisoning',
    method: 'POST',
    url: '/txs',
    body: () => '{"raw": "00", "__proto__": {"admin": true}}',
    status: 400,
    code: 'BAD_JSON',
  },
  {
    name: 'text/plain body',
    method: 'POST',
    url: '/txs',
    body: () => 'hello',
    contentType: 'text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'huge body',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: '00'.repeat(40_000) }),
    status: 413,
    code: 'BODY_TOO_LARGE',
  },
  // JSON of the wrong shape.
  {
    name: 'raw is a number',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: 5 }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  { name: 'raw is missing', method: 'POST', url: '/txs', body: () => ({}), status: 400, code: 'BAD_REQUEST' },
  { name: 'body is an array', method: 'POST', url: '/txs', body: () => [], status: 400, code: 'BAD_REQUEST' },
  { name: 'body is null', method: 'POST', url: '/txs', body: () => 'null', status: 400, code: 'BAD_REQUEST' },
  {
    name: 'unknown field',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: signed(1n, 0n), extra: 1 }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  // Hex and encoding.
  {
    name: 'non-hex raw',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: 'zz' }),
    status: 400,
    code: 'BAD_HEX',
  },
  {
    name: 'odd-length raw',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: 'abc' }),
    status: 400,
    code: 'BAD_HEX',
  },
  {
    name: 'truncated tx',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: signed(1n, 0n).slice(0, 100) }),
    status: 400,
    code: 'BAD_ENCODING',
  },
  {
    name: 'trailing bytes',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: `${signed(1n, 0n)}00` }),
    status: 400,
    code: 'BAD_ENCODING',
  },
  // Invalid txs: consensus rule codes.
  {
    name: 'bad signature (amount changed after signing)',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: rawHex(txWith({ amount: 11n })) }),
    status: 400,
    code: 'BAD_SIGNATURE',
  },
  {
    name: 'signed for another chain',
    method: 'POST',
    url: '/txs',
    body: () => {
      const other = testParams({ network: 'other' });
      return { raw: rawHex(transfer(other, testKey(0), testKey(1).address, 10n, 0n)) };
    },
    status: 400,
    code: 'BAD_SIGNATURE',
  },
  {
    name: 'high-S signature',
    method: 'POST',
    url: '/txs',
    body: () => {
      const tx = txWith({});
      const s = bytesToBigInt(tx.signature.subarray(32));
      const high = concatBytes(tx.signature.subarray(0, 32), bigIntToBytes(CURVE_ORDER - s, 32));
      return { raw: toHex(encodeTx({ ...tx, signature: high })) };
    },
    status: 400,
    code: 'HIGH_S',
  },
  {
    name: 'amount 0',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: signed(0n, 0n) }),
    status: 400,
    code: 'BAD_AMOUNT',
  },
  // Invalid txs: mempool policy codes.
  {
    name: 'nonce far ahead',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: signed(1n, 1_000n) }),
    status: 400,
    code: 'NONCE_GAP_TOO_LARGE',
  },
  {
    name: 'more than the balance',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: signed(FUNDING, 0n) }),
    status: 400,
    code: 'INSUFFICIENT_FUNDS',
  },
  {
    name: 'unfunded sender',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: signed(1n, 0n, 1_000n, testKey(50)) }),
    status: 400,
    code: 'INSUFFICIENT_FUNDS',
  },
  {
    name: 'fee below the minimum',
    method: 'POST',
    url: '/txs',
    body: () => ({ raw: signed(1n, 0n, 1n) }),
    status: 400,
    code: 'FEE_TOO_LOW',
  },
  // Unknown ids and bad path parameters.
  { name: 'tx id not hex', url: '/txs/not-a-hash', status: 400, code: 'BAD_HEX' },
  { name: 'tx id too short', url: '/txs/abcd', status: 400, code: 'BAD_HEX' },
  { name: 'unknown tx', url: `/txs/${unknownHash}`, status: 404, code: 'NOT_FOUND' },
  { name: 'unknown block hash', url: `/blocks/${unknownHash}`, status: 404, code: 'NOT_FOUND' },
  { name: 'height above the tip', url: '/blocks/999', status: 404, code: 'NOT_FOUND' },
  { name: 'height beyond u32', url: '/blocks/99999999999', status: 400, code: 'BAD_REQUEST' },
  { name: 'negative height', url: '/blocks/-1', status: 400, code: 'BAD_REQUEST' },
  { name: 'neither hash, height nor tip', url: '/blocks/top', status: 400, code: 'BAD_REQUEST' },
  {
    name: 'address typo',
    url: '/accounts/cairn1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq',
    status: 400,
    code: 'BAD_ADDRESS',
  },
  { name: 'not an address', url: '/accounts/hello', status: 400, code: 'BAD_ADDRESS' },
  {
    name: 'address of another chain',
    url: `/accounts/${encodeAddress(testKey(0).address, 'other')}`,
    status: 400,
    code: 'BAD_ADDRESS',
  },
  { name: 'unknown route', url: '/nope', status: 404, code: 'NOT_FOUND' },
  { name: 'wrong method', method: 'DELETE', url: '/status', status: 404, code: 'NOT_FOUND' },
  // Query strings.
  { name: 'limit 0', url: '/mempool?limit=0', status: 400, code: 'BAD_REQUEST' },
  { name: 'limit too large', url: '/mempool?limit=100001', status: 400, code: 'BAD_REQUEST' },
  { name: 'limit not a number', url: '/mempool?limit=ten', status: 400, code: 'BAD_REQUEST' },
  { name: 'unknown query parameter', url: '/mempool?sort=fee', status: 400, code: 'BAD_REQUEST' },
  // POST /mine.
  ...[0, 1001, 1.5, -1, '5', null].map(
    (blocks): Case => ({
      name: `mine ${JSON.stringify(blocks)} blocks`,
      method: 'POST',
      url: '/mine',
      body: () => ({ blocks, to: f.address(testKey(0).address) }),
      status: 400,
      code: 'BAD_REQUEST',
    }),
  ),
  {
    name: 'mine without to',
    method: 'POST',
    url: '/mine',
    body: () => ({ blocks: 1 }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'mine to a bad address',
    method: 'POST',
    url: '/mine',
    body: () => ({ blocks: 1, to: 'cairn1nope' }),
    status: 400,
    code: 'BAD_ADDRESS',
  },
];

async function send(c: Pick<Case, 'method' | 'url' | 'body' | 'contentType'>) {
  const payload = c.body?.();
  const raw = typeof payload === 'string';
  return f.server.app.inject({
    method: c.method ?? 'GET',
    url: c.url,
    ...(payload === undefined ? {} : { payload: raw ? payload : JSON.stringify(payload) }),
    headers: payload === undefined ? {} : { 'content-type': c.contentType ?? 'application/json' },
  });
}

function expectErrorShape(body: unknown, code?: string): void {
  expect(body).toEqual({ error: { code: code ?? expect.any(String), message: expect.any(String) } });
  expect((body as { error: { message: string } }).error.message.length).toBeGreaterThan(0);
}

describe('bad requests', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const res = await send(c);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect({ status: res.statusCode, code: res.json().error?.code }).toEqual({
      status: c.status,
      code: c.code,
    });
    expectErrorShape(res.json(), c.code);
  });

  it('left the node untouched: same tip, empty mempool, still answering', async () => {
    expect(f.chain.height).toBe(0);
    expect(f.mempool.size).toBe(0);
    const res = await f.server.app.inject({ method: 'GET', url: '/status' });
    expect(res.statusCode).toBe(200);
  });

  it('refuses a tx whose nonce a block already used (NONCE_TOO_LOW) and a duplicate (ALREADY_KNOWN)', async () => {
    const raw = signed(1n, 0n, 1_000n, testKey(2));
    expect((await send({ method: 'POST', url: '/txs', body: () => ({ raw }) })).statusCode).toBe(202);
    const again = await send({ method: 'POST', url: '/txs', body: () => ({ raw }) });
    expect(again.statusCode).toBe(400);
    expectErrorShape(again.json(), 'ALREADY_KNOWN');
    await f.mine(1);
    const replay = await send({
      method: 'POST',
      url: '/txs',
      body: () => ({ raw: signed(2n, 0n, 1_000n, testKey(2)) }),
    });
    expect(replay.statusCode).toBe(400);
    expectErrorShape(replay.json(), 'NONCE_TOO_LOW');
  });

  it('answers any JSON body to the POST routes with a 4xx error, never a crash (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/txs', '/mine'), fc.jsonValue(), async (url, value) => {
        const res = await send({ method: 'POST', url, body: () => JSON.stringify(value) });
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        expectErrorShape(res.json());
      }),
      { numRuns: 150 },
    );
  });

  it('answers any path segment with a 4xx error or a 200, never a 5xx (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/blocks/', '/txs/', '/accounts/'),
        fc.string({ maxLength: 120 }),
        async (prefix, segment) => {
          const res = await f.server.app.inject({ method: 'GET', url: prefix + encodeURIComponent(segment) });
          expect(res.statusCode).toBeLessThan(500);
          if (res.statusCode !== 200) expectErrorShape(res.json());
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('the node cannot serve it now: 503', () => {
  it('POST /mine without a miner is 503 UNAVAILABLE', async () => {
    const g = await openFixture({ noMiner: true });
    try {
      const res = await g.server.app.inject({
        method: 'POST',
        url: '/mine',
        payload: { blocks: 1, to: g.address(testKey(0).address) },
      });
      expect(res.statusCode).toBe(503);
      expectErrorShape(res.json(), 'UNAVAILABLE');
    } finally {
      await g.close();
    }
  });

  it('a tx that does not fit a full mempool is 503 MEMPOOL_FULL with Retry-After', async () => {
    const g = await openFixture({ policy: { maxCount: 1 } });
    try {
      const post = (raw: string) => g.server.app.inject({ method: 'POST', url: '/txs', payload: { raw } });
      const tx = (key: number) =>
        rawHex(transfer(g.params, testKey(key), testKey(9).address, 1n, 0n, 1_000n));
      expect((await post(tx(0))).statusCode).toBe(202);
      const res = await post(tx(1));
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expectErrorShape(res.json(), 'MEMPOOL_FULL');
    } finally {
      await g.close();
    }
  });
});
