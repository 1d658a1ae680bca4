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
