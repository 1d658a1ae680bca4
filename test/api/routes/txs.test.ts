// POST /txs hands the tx to the mempool with the origin 'api' and the time it arrived (contract 2).
import { afterEach, describe, expect, it } from 'vitest';
import { ApiServer } from '../../../src/api/server.js';
import type { ApiMempool } from '../../../src/api/services.js';
import type { Origin } from '../../../src/chain/origin.js';
import { toHex } from '../../../src/consensus/bytes.js';
import { txId } from '../../../src/consensus/hash.js';
import { testKey, transfer } from '../../helpers/chain-fixtures.js';
import { type Fixture, openFixture, rawHex } from '../fixture.js';

let fx: Fixture | undefined;
let server: ApiServer | undefined;

afterEach(async () => {
  await server?.close();
  await fx?.close();
  server = undefined;
  fx = undefined;
});

describe('POST /txs', () => {
  it("passes originNow('api') to the real mempool, which then holds the tx", async () => {
    fx = await openFixture();
    const pool = fx.mempool;
    const origins: (Origin | undefined)[] = [];
    // The real mempool, with its `add` observed: the API must say where the tx came from.
    const observed: ApiMempool = {
      get size() {
        return pool.size;
      },
      get bytes() {
        return pool.bytes;
      },
      add: (tx, origin) => {
        origins.push(origin);
        return pool.add(tx, origin);
      },
      addMany: (txs, origin) => pool.addMany(txs, origin),
      get: (id) => pool.get(id),
      entries: () => pool.entries(),
      pendingNonce: (a) => pool.pendingNonce(a),
      on: (e, l) => pool.on(e, l),
      off: (e, l) => pool.off(e, l),
    };
    server = new ApiServer({ chain: fx.chain, mempool: observed });
    const tx = transfer(fx.params, testKey(0), testKey(1).address, 5n, 0n);
    const before = Date.now();
    const res = await server.app.inject({ method: 'POST', url: '/txs', payload: { raw: rawHex(tx) } });
    const after = Date.now();
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: toHex(txId(tx)) });
    expect(pool.get(txId(tx))).toBeDefined();
    expect(origins).toHaveLength(1);
    expect(origins[0]).toEqual({ origin: 'api', receivedAt: expect.any(Number) });
    expect(origins[0]!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(origins[0]!.receivedAt).toBeLessThanOrEqual(after);
  });
});

describe('POST /txs/batch', () => {
  /** The tx's raw hex with one signature byte flipped: decodes fine, verifies as BAD_SIGNATURE. */
  const tampered = (raw: string) => `${raw.slice(0, -2)}${raw.endsWith('00') ? '01' : '00'}`;

  it('answers every tx in order, each as POST /txs would alone, in one call to the mempool', async () => {
    fx = await openFixture({ policy: { maxNonceGap: 2 } });
    const f = fx;
    const k0 = testKey(0);
    const k1 = testKey(1);
    const to = testKey(3).address;
    // Six nonces of one sender in a row: past the gap of 2 from the pool's point of view before the
    // call, yet all fine, because the earlier ones of the batch come first.
    const run = [0n, 1n, 2n, 3n, 4n, 5n].map((n) => transfer(f.params, k0, to, 5n, n));
    const known = transfer(f.params, k1, to, 5n, 0n);
    await f.mempool.add(known);
    const badSig = transfer(f.params, k1, to, 6n, 1n);
    const lowFee = transfer(f.params, k1, to, 7n, 1n, 1n);
    const raws = [
      ...run.map(rawHex),
      rawHex(known), // ALREADY_KNOWN: in the pool
      tampered(rawHex(badSig)), // BAD_SIGNATURE
      rawHex(run[0]!), // ALREADY_KNOWN: twice in this batch
      'abcd', // BAD_ENCODING: decodes to nothing
      rawHex(lowFee), // FEE_TOO_LOW
      rawHex(transfer(f.params, testKey(2), to, 5n, 7n)), // NONCE_GAP_TOO_LARGE (gap 2)
    ];
    let calls = 0;
    const addMany = f.mempool.addMany.bind(f.mempool);
    f.mempool.addMany = (txs, origin) => {
      calls++;
      return addMany(txs, origin);
    };
    const res = await f.server.app.inject({ method: 'POST', url: '/txs/batch', payload: { txs: raws } });
    expect(res.statusCode).toBe(200);
    const { results } = res.json() as { results: Record<string, unknown>[] };
    expect(calls).toBe(1);
    expect(results).toHaveLength(raws.length);
    for (const [i, tx] of run.entries()) expect(results[i]).toEqual({ status: 202, id: toHex(txId(tx)) });
    const err = (i: number) => [results[i]!.status, (results[i]!.error as { code: string }).code];
    expect(err(6)).toEqual([400, 'ALREADY_KNOWN']);
    expect(err(7)).toEqual([400, 'BAD_SIGNATURE']);
    expect(err(8)).toEqual([400, 'ALREADY_KNOWN']);
    expect(err(9)).toEqual([400, 'BAD_ENCODING']);
    expect(err(10)).toEqual([400, 'FEE_TOO_LOW']);
    expect(err(11)).toEqual([400, 'NONCE_GAP_TOO_LARGE']);
    expect(results[6]!.id).toBe(toHex(txId(known)));
    expect(results[9]!.id).toBeUndefined(); // it never decoded
    for (const r of results.slice(6)) expect(typeof (r.error as { message: string }).message).toBe('string');
    // What was accepted is in the pool, nothing else.
    expect(f.mempool.size).toBe(run.length + 1);
    for (const tx of run) expect(f.mempool.get(txId(tx))).toBeDefined();
    // Each refusal counted once, by code, as POST /txs counts them.
    const metrics = (await f.server.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('cairn_rejected_txs_total{code="ALREADY_KNOWN"} 2');
    expect(metrics).toContain('cairn_rejected_txs_total{code="BAD_SIGNATURE"} 1');
  });

  it('gives the same status and error body as POST /txs for the same refusal', async () => {
    fx = await openFixture();
    const f = fx;
    const tx = transfer(f.params, testKey(0), testKey(1).address, 5n, 3n, 1n); // FEE_TOO_LOW
    const single = await f.server.app.inject({ method: 'POST', url: '/txs', payload: { raw: rawHex(tx) } });
    const batch = await f.server.app.inject({
      method: 'POST',
      url: '/txs/batch',
      payload: { txs: [rawHex(tx)] },
    });
    const [r] = (batch.json() as { results: Record<string, unknown>[] }).results;
    expect(r).toEqual({ status: single.statusCode, id: toHex(txId(tx)), ...single.json() });
  });

  it('takes a batch past the default 64 KiB body limit, and refuses malformed requests whole', async () => {
    fx = await openFixture();
    const f = fx;
    const post = (payload: unknown) =>
      f.server.app.inject({ method: 'POST', url: '/txs/batch', payload: payload as object });
    // 240 txs: 4 funded senders × 60 nonces each (the default gap of 16 is no obstacle in a batch).
    const raws: string[] = [];
    for (let n = 0n; n < 60n; n++) {
      for (let k = 0; k < 4; k++)
        raws.push(rawHex(transfer(f.params, testKey(k), testKey(9).address, 1n, n)));
    }
    expect(JSON.stringify({ txs: raws }).length).toBeGreaterThan(64 * 1024);
    const full = await post({ txs: raws });
    expect(full.statusCode).toBe(200);
    const results = (full.json() as { results: { status: number }[] }).results;
    expect(results.filter((r) => r.status === 202)).toHaveLength(240);
    expect(f.mempool.size).toBe(240);

    const code = async (payload: unknown) => {
      const res = await post(payload);
      return [res.statusCode, (res.json() as { error: { code: string } }).error.code];
    };
    expect(await code({ txs: [] })).toEqual([400, 'BAD_REQUEST']);
    expect(await code({ txs: new Array(1_001).fill(raws[0]) })).toEqual([400, 'BAD_REQUEST']);
    expect(await code({ txs: ['xyz'] })).toEqual([400, 'BAD_HEX']);
    expect(await code({ txs: [`${raws[0]}00`] })).toEqual([400, 'BAD_REQUEST']); // longer than a tx
    expect(await code({ raw: raws[0] })).toEqual([400, 'BAD_REQUEST']);
    expect(f.mempool.size).toBe(240);
  });
});
