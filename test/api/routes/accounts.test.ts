// GET /accounts/:address/txs: an address's confirmed txs in both directions, newest first, paginated,
// from the chain's address index; after a reorg the txs of the losing branch are gone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../src/consensus/bytes.js';
import { blockHash, txId } from '../../../src/consensus/hash.js';
import type { Block } from '../../../src/consensus/types.js';
import { testKey, transfer } from '../../helpers/chain-fixtures.js';
import { type Fixture, openFixture, rawHex } from '../fixture.js';

let f: Fixture;
const [a, b, c] = [testKey(0), testKey(1), testKey(2)];

interface Row {
  id: string;
  from: string;
  to: string;
  amount: string;
  direction: 'in' | 'out' | 'self';
  height: number;
  position: number;
  blockHash: string;
  time: number;
  confirmations: number;
}
interface Page {
  address: string;
  txs: Row[];
  next: string | null;
}

async function page(address: Uint8Array | string, query = ''): Promise<{ status: number; body: Page }> {
  const text = typeof address === 'string' ? address : f.address(address);
  const res = await f.server.app.inject({ url: `/accounts/${text}/txs${query}` });
  return { status: res.statusCode, body: res.json() as Page };
}

beforeEach(async () => {
  f = await openFixture();
});
afterEach(async () => {
  await f.close();
});

describe('GET /accounts/:address/txs', () => {
  it('lists incoming and outgoing txs, newest first, with direction, block, time and confirmations', async () => {
    const toB = transfer(f.params, a, b.address, 500n, 0n);
    await f.server.app.inject({ method: 'POST', url: '/txs', payload: { raw: rawHex(toB) } });
    await f.mine(1);
    const back = transfer(f.params, b, a.address, 200n, 0n);
    const self = transfer(f.params, a, a.address, 1n, 1n);
    for (const tx of [back, self]) {
      const r = await f.server.app.inject({ method: 'POST', url: '/txs', payload: { raw: rawHex(tx) } });
      expect(r.statusCode).toBe(202);
    }
    const [second] = await f.mine(2);
    const { status, body } = await page(a.address);
    expect(status).toBe(200);
    expect(body.address).toBe(f.address(a.address));
    expect(body.next).toBeNull();
    // Block 2 holds `back` and `self` in the miner's order; block 1 holds `toB`.
    expect(body.txs.map((t) => [t.id, t.direction, t.height])).toEqual(
      expect.arrayContaining([
        [toHex(txId(back)), 'in', 2],
        [toHex(txId(self)), 'self', 2],
        [toHex(txId(toB)), 'out', 1],
      ]),
    );
    expect(body.txs).toHaveLength(3);
    expect(body.txs[2]!.id).toBe(toHex(txId(toB)));
    const heights = body.txs.map((t) => t.height * 1000 + t.position);
    expect(heights).toEqual([...heights].sort((x, y) => y - x));
    const inRow = body.txs.find((t) => t.direction === 'in')!;
    expect(inRow).toMatchObject({
      from: f.address(b.address),
      to: f.address(a.address),
      amount: '200',
      blockHash: toHex(second!),
      confirmations: 2,
    });
    expect(inRow.time).toBe(f.chain.atHeight(2)!.header.time);
    // The other side sees the same txs the other way round.
    const other = await page(b.address);
    expect(other.body.txs.map((t) => [t.id, t.direction])).toEqual([
      [toHex(txId(back)), 'out'],
      [toHex(txId(toB)), 'in'],
    ]);
    // An address with no txs: an empty first and last page, not an error.
    expect((await page(c.address)).body).toEqual({ address: f.address(c.address), txs: [], next: null });
  });

  it('pages with limit and the cursor in `next` until next is null, every tx once', async () => {
    for (let nonce = 0n; nonce < 5n; nonce++) {
      const tx = transfer(f.params, a, b.address, 10n + nonce, nonce);
      await f.server.app.inject({ method: 'POST', url: '/txs', payload: { raw: rawHex(tx) } });
      await f.mine(1);
    }
    const seen: string[] = [];
    let query = '?limit=2';
    let pages = 0;
    for (;;) {
      const { status, body } = await page(b.address, query);
      expect(status).toBe(200);
      expect(body.txs.length).toBeLessThanOrEqual(2);
      seen.push(...body.txs.map((t) => t.amount));
      pages++;
      if (body.next === null) break;
      expect(body.next).toMatch(/^\d+\.\d+$/);
      query = `?limit=2&before=${body.next}`;
    }
    expect(seen).toEqual(['14', '13', '12', '11', '10']);
    expect(pages).toBe(3);
  });

  it('after a reorg the txs of the disconnected blocks are gone from the history', async () => {
    const tx = transfer(f.params, a, c.address, 77n, 0n);
    await f.server.app.inject({ method: 'POST', url: '/txs', payload: { raw: rawHex(tx) } });
    await f.mine(1);
    expect((await page(c.address)).body.txs.map((t) => t.id)).toEqual([toHex(txId(tx))]);
    // A longer branch from genesis without the tx wins.
    let parent: Block = f.params.genesis;
    for (let i = 0; i < 2; i++) {
      parent = f.builder.next({ parent });
      await f.chain.processBlock(parent);
    }
    expect(f.chain.tip.hex).toBe(toHex(blockHash(parent.header)));
    expect((await page(c.address)).body.txs).toEqual([]);
  });

  it('refuses a bad address, limit or cursor with 400 and the error shape', async () => {
    for (const [url, code] of [
      ['/accounts/cairn1nope/txs', 'BAD_ADDRESS'],
      [`/accounts/${f.address(a.address)}/txs?limit=0`, 'BAD_REQUEST'],
      [`/accounts/${f.address(a.address)}/txs?limit=1001`, 'BAD_REQUEST'],
      [`/accounts/${f.address(a.address)}/txs?before=12`, 'BAD_REQUEST'],
      [`/accounts/${f.address(a.address)}/txs?before=99999999999.1`, 'BAD_REQUEST'],
      [`/accounts/${f.address(a.address)}/txs?cursor=1`, 'BAD_REQUEST'],
    ] as const) {
      const res = await f.server.app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toBe(code);
    }
  });
});
