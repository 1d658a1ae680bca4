import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { ApiClient } from '../../wallet/api-client.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { isWalletError, type WalletError } from '../../wallet/errors.js';
import { buildTransfer } from '../../wallet/tx-builder.js';
import { FakeNode, send } from './fake-node.js';

const GENESIS = new Uint8Array(32).fill(7);
const [dev0, dev1] = devKeys(2);
const addr0 = encodeAddress(dev0!.addressHash, 'cairn');

async function failure(p: Promise<unknown>): Promise<WalletError> {
  try {
    await p;
  } catch (e) {
    if (isWalletError(e)) return e;
    throw e;
  }
  throw new Error('did not fail');
}

describe('ApiClient against a fake node', () => {
  const node = new FakeNode('regtest', GENESIS);
  let client: ApiClient;
  beforeAll(async () => {
    client = new ApiClient(`${await node.start()}/`, { timeoutMs: 2000 });
  });
  afterAll(() => node.stop());
  afterEach(() => {
    node.override = null;
  });

  it('GET /status: network and genesis hash', async () => {
    expect(await client.status()).toEqual({ network: 'regtest', genesisHash: '07'.repeat(32), height: 0 });
    expect(node.requests.at(-1)).toMatchObject({ method: 'GET', url: '/status' });
  });

  it('GET /accounts/:address: decimal strings become bigints beyond 2^53', async () => {
    node.fund(dev0!.addressHash, 2n ** 60n + 1n, 3n);
    expect(await client.account(addr0)).toEqual({
      address: addr0,
      balance: 2n ** 60n + 1n,
      nonce: 3n,
      nextNonce: 3n,
    });
    node.serveNextNonce = false;
    expect(await client.account(addr0)).toEqual({ address: addr0, balance: 2n ** 60n + 1n, nonce: 3n });
    node.serveNextNonce = true;
  });

  it('POST /txs → id; GET /txs/:id → pending, then confirmed with block; unknown id → null', async () => {
    node.fund(dev0!.addressHash, 10n ** 12n, 0n);
    const t = buildTransfer(
      { to: dev1!.addressHash, amount: 5n, fee: 1000n, nonce: 0n },
      dev0!.privateKey,
      GENESIS,
    );
    const id = await client.submitTx(t.raw);
    expect(id).toBe(t.id);
    expect(JSON.parse(node.requests.at(-1)!.body)).toEqual({ raw: t.raw });
    expect(await client.tx(id)).toMatchObject({ id, status: 'pending', blockHash: null, height: null });
    const pool = await client.mempool();
    expect(pool).toEqual([{ id, from: addr0, nonce: 0n, raw: t.raw }]);
    // the node lists 1,000 pending txs unless asked for more; the wallet asks for the API's maximum
    expect(node.requests.at(-1)!.url).toBe('/mempool?limit=10000');
    node.mine();
    expect(await client.tx(id)).toMatchObject({ status: 'confirmed', height: 1, blockHash: '01'.repeat(32) });
    expect(await client.tx('ab'.repeat(32))).toBeNull();
  });

  it("a 4xx is NODE_REJECTED carrying the node's own code and message", async () => {
    const t = buildTransfer(
      { to: dev1!.addressHash, amount: 10n ** 15n, fee: 0n, nonce: 1n },
      dev0!.privateKey,
      GENESIS,
    );
    const e = await failure(client.submitTx(t.raw));
    expect(e.kind).toBe('NODE_REJECTED');
    expect(e.code).toBe('INSUFFICIENT_FUNDS');
    expect(e.message).toMatch(/INSUFFICIENT_FUNDS: balance/);
    node.override = (req, res) => {
      if (req.url !== '/txs') return false;
      send(res, 503, { error: { code: 'MEMPOOL_FULL', message: 'the pool is full' } });
      return true;
    };
    expect(await failure(client.submitTx(t.raw))).toMatchObject({
      kind: 'NODE_REJECTED',
      code: 'MEMPOOL_FULL',
    });
    node.override = null;
    const bad = await failure(client.account('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'));
    expect(bad).toMatchObject({ kind: 'NODE_REJECTED', code: 'BAD_ADDRESS' });
  });

  it('a 404 with the error shape for an account means a fresh account: balance 0, nonce 0', async () => {
    node.override = (req, res) => {
      if (!req.url?.startsWith('/accounts/')) return false;
      send(res, 404, { error: { code: 'NOT_FOUND', message: 'unknown account' } });
      return true;
    };
    expect(await client.account(addr0)).toMatchObject({ balance: 0n, nonce: 0n });
  });

  it('accepts a mempool served as {"txs": [...]} and entries without raw', async () => {
    node.override = (req, res) => {
      if (!req.url?.startsWith('/mempool')) return false;
      send(res, 200, { txs: [{ id: 'aa'.repeat(32), from: addr0, nonce: 4 }] });
      return true;
    };
    expect(await client.mempool()).toEqual([{ id: 'aa'.repeat(32), from: addr0, nonce: 4n, raw: null }]);
  });

  it('answers that are not the Cairn API are BAD_RESPONSE (exit kind FAILED), never a crash', async () => {
    const answers: [number, string, string][] = [
      [200, 'not json', '/status'],
      [200, JSON.stringify({ network: 'x' }), '/status'],
      [200, JSON.stringify({ network: 'x', genesisHash: 'abcd' }), '/status'],
      [200, JSON.stringify({ address: addr0, balance: 1.5, nonce: '0' }), '/accounts/'],
      [200, JSON.stringify({ id: 'short' }), '/txs'],
      [200, JSON.stringify({ status: 'weird' }), '/txs/'],
      [200, JSON.stringify({ nope: 1 }), '/mempool'],
      [500, JSON.stringify({ message: 'Internal' }), '/status'],
    ];
    for (const [status, body, route] of answers) {
      node.override = (_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
        return true;
      };
      const call =
        route === '/status'
          ? client.status()
          : route === '/accounts/'
            ? client.account(addr0)
            : route === '/txs'
              ? client.submitTx('00')
              : route === '/txs/'
                ? client.tx('aa'.repeat(32))
                : client.mempool();
      const e = await failure(call);
      expect(e.kind).toBe('FAILED');
      expect(e.code).toBe('BAD_RESPONSE');
    }
    node.override = (_req, res) => {
      send(res, 503, { error: { code: 'SYNCING', message: 'still syncing' } });
      return true;
    };
    expect(await failure(client.status())).toMatchObject({ kind: 'FAILED', code: 'SYNCING' });
  });
});

describe('ApiClient with no node', () => {
  it('connection refused: NODE_UNREACHABLE, "is `cairn start` running?"', async () => {
    // Bind and close a port so that nothing listens on it.
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const e = await failure(new ApiClient(`http://127.0.0.1:${port}`).status());
    expect(e.kind).toBe('NODE_UNREACHABLE');
    expect(e.message).toBe(
      `cannot reach the node at http://127.0.0.1:${port}: is \`cairn start\` running? (ECONNREFUSED)`,
    );
  });

  it('a node that never answers: NODE_UNREACHABLE after the timeout, not a hang', async () => {
    const s: Server = createServer(() => {
      // never respond
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    try {
      const e = await failure(new ApiClient(url, { timeoutMs: 200 }).status());
      expect(e.kind).toBe('NODE_UNREACHABLE');
      expect(e.message).toMatch(/no answer to GET \/status within 0.2 s/);
    } finally {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });
});
