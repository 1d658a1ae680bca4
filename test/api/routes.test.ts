// Every route's happy path and the shape of its answer, against a real chain and mempool.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeAddress } from '../../src/consensus/address.js';
import { fromHex, toHex } from '../../src/consensus/bytes.js';
import { decodeBlock, decodeTx, encodeBlock } from '../../src/consensus/encoding.js';
import { blockHash, txId } from '../../src/consensus/hash.js';
import { blockSubsidy } from '../../src/consensus/subsidy.js';
import { FUNDING, testKey, transfer } from '../helpers/chain-fixtures.js';
import { type Fixture, openFixture, rawHex } from './fixture.js';

let f: Fixture;

beforeEach(async () => {
  f = await openFixture();
});

afterEach(async () => {
  await f.close();
});

async function get(url: string) {
  const res = await f.server.app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

async function post(url: string, payload: unknown) {
  const res = await f.server.app.inject({ method: 'POST', url, payload: payload as object });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

describe('GET /status', () => {
  it('reports the genesis state of a new node with every field of docs/ARCHITECTURE.md §5', async () => {
    const { status, body } = await get('/status');
    expect(status).toBe(200);
    expect(body).toEqual({
      network: 'test',
      genesisHash: toHex(f.params.genesisHash),
      height: 0,
      tipHash: toHex(f.params.genesisHash),
      chainWork: f.chain.tip.chainWork.toString(),
      peers: 0,
      mempool: 0,
      mempoolBytes: 0,
      syncing: false,
      sync: { height: 0, target: 0, blocksPerSecond: 0 },
      stateDigest: toHex(f.chain.stateDigest),
      stateMismatches: 0,
    });
  });

  it('follows the tip, the mempool, the peers and the status extras', async () => {
    await f.close();
    f = await openFixture({
      server: {
        p2p: {
          peers: () => [
            { peerId: 'a', addrs: [], direction: 'inbound', score: 0, banned: false },
            { peerId: 'b', addrs: [], direction: 'outbound', score: -100, banned: true },
          ],
        },
        status: {
          syncing: () => true,
          sync: () => ({ height: 2, target: 500, blocksPerSecond: 37.5 }),
          stateMismatches: () => 3,
        },
        version: '9.9.9',
        verifier: 'secp256k1-native',
      },
    });
    const [hash] = await f.mine(2);
    await post('/txs', { raw: rawHex(transfer(f.params, testKey(0), testKey(1).address, 5n, 0n)) });
    const { body } = await get('/status');
    expect(hash).toBeDefined();
    expect(body).toMatchObject({
      height: 2,
      tipHash: f.chain.tip.hex,
      chainWork: f.chain.tip.chainWork.toString(),
      peers: 1, // the banned peer is listed by /peers but not counted as connected
      mempool: 1,
      mempoolBytes: 142,
      syncing: true,
      sync: { height: 2, target: 500, blocksPerSecond: 37.5 },
      stateMismatches: 3,
      version: '9.9.9',
      verifier: 'secp256k1-native',
    });
    expect(BigInt(body.chainWork)).toBeGreaterThan(0n);
  });
});

describe('POST /mine and GET /blocks/:hashOrHeight', () => {
  it('mines to an address and shows each block by height and by hash', async () => {
    const to = testKey(7).address;
    const { status, body } = await post('/mine', { blocks: 3, to: f.address(to) });
    expect(status).toBe(200);
    expect(body.hashes).toHaveLength(3);
    expect(f.chain.height).toBe(3);
    for (const [i, hash] of (body.hashes as string[]).entries()) {
      const byHeight = await get(`/blocks/${i + 1}`);
      const byHash = await get(`/blocks/${hash.toUpperCase()}`);
      expect(byHeight.status).toBe(200);
      expect(byHash.body).toEqual(byHeight.body);
      const b = byHeight.body;
      const block = decodeBlock(fromHex(b.raw));
      expect(toHex(blockHash(block.header))).toBe(hash);
      expect(b).toEqual({
        hash,
        height: i + 1,
        version: 1,
        prevHash: toHex(block.header.prevHash),
        txRoot: toHex(block.header.txRoot),
        miner: f.address(to),
        time: block.header.time,
        bits: block.header.bits.toString(16).padStart(8, '0'),
        nonce: block.header.nonce.toString(),
        chainWork: f.chain.atHeight(i + 1)!.chainWork.toString(),
        status: 'valid',
        onMainChain: true,
        confirmations: 3 - i,
        txs: [],
        raw: b.raw,
      });
    }
    const { body: account } = await get(`/accounts/${f.address(to)}`);
    expect(account.balance).toBe((3n * blockSubsidy(1, f.params)).toString());
  });

  it('shows the genesis block at height 0 and a side-branch block as off the main chain', async () => {
    const genesis = await get('/blocks/0');
    expect(genesis.body.hash).toBe(toHex(f.params.genesisHash));
    expect(genesis.body.raw).toBe(toHex(encodeBlock(f.params.genesis)));
    await f.mine(2);
    const side = f.builder.next({ parent: f.params.genesis, gap: 3 });
    await f.chain.processBlock(side);
    const { status, body } = await get(`/blocks/${toHex(blockHash(side.header))}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ height: 1, onMainChain: false, confirmations: 0 });
  });

  it('shows the main chain tip as /blocks/tip (Core: getbestblockhash), and refuses other words', async () => {
    expect((await get('/blocks/tip')).body).toMatchObject({ height: 0, hash: toHex(f.params.genesisHash) });
    const [, second] = await f.mine(2);
    const tip = await get('/blocks/tip');
    expect(tip.status).toBe(200);
    expect(tip.body).toEqual((await get(`/blocks/${toHex(second!)}`)).body);
    expect(tip.body).toMatchObject({ height: 2, onMainChain: true, confirmations: 1 });
    expect((await get('/blocks/best')).status).toBe(400);
  });
});

describe('a transfer from POST /txs to confirmation', () => {
  it('is pending, then confirmed after mining, and the balances move exactly', async () => {
    const alice = testKey(0);
    const bob = testKey(5).address;
    const miner = testKey(9).address;
    const tx = transfer(f.params, alice, bob, 123_456n, 0n, 2_000n);
    const id = toHex(txId(tx));

    const submitted = await post('/txs', { raw: rawHex(tx) });
    expect(submitted.status).toBe(202);
    expect(submitted.body).toEqual({ id });

    const pending = await get(`/txs/${id}`);
    expect(pending.status).toBe(200);
    expect(pending.body).toEqual({
      id,
      from: f.address(alice.address),
      to: f.address(bob),
      amount: '123456',
      fee: '2000',
      nonce: '0',
      status: 'pending',
      raw: rawHex(tx),
    });
    const pool = await get('/mempool');
    const { status: _status, ...entry } = pending.body;
    expect(pool.body).toEqual([entry]);
    expect((await get(`/accounts/${f.address(alice.address)}`)).body).toEqual({
      address: f.address(alice.address),
      balance: FUNDING.toString(),
      nonce: '0',
      nextNonce: '1', // the wallet's next send must not reuse the pending nonce
    });

    const mined = await post('/mine', { blocks: 2, to: f.address(miner) });
    const confirmed = await get(`/txs/${id}`);
    expect(confirmed.body).toEqual({
      ...pending.body,
      status: 'confirmed',
      blockHash: mined.body.hashes[0],
      height: 1,
      confirmations: 2,
    });
    const block = await get('/blocks/1');
    expect(block.body.txs).toEqual([id]);
    expect((await get('/mempool')).body).toEqual([]);

    const balance = async (a: Uint8Array) => BigInt((await get(`/accounts/${f.address(a)}`)).body.balance);
    expect(await balance(alice.address)).toBe(FUNDING - 123_456n - 2_000n);
    expect(await balance(bob)).toBe(123_456n);
    expect(await balance(miner)).toBe(2n * blockSubsidy(1, f.params) + 2_000n);
    expect((await get(`/accounts/${f.address(alice.address)}`)).body.nonce).toBe('1');
  });

  it('reports the replaced tx when a higher fee replaces a pending one', async () => {
    const first = transfer(f.params, testKey(0), testKey(1).address, 10n, 0n, 1_000n);
    const second = transfer(f.params, testKey(0), testKey(1).address, 10n, 0n, 5_000n);
    await post('/txs', { raw: rawHex(first) });
    const { status, body } = await post('/txs', { raw: rawHex(second) });
    expect(status).toBe(202);
    expect(body).toEqual({ id: toHex(txId(second)), replaced: toHex(txId(first)) });
  });
});

describe('GET /accounts/:address', () => {
  it('shows an unknown account as empty rather than an error', async () => {
    const nobody = testKey(1234).address;
    const { status, body } = await get(`/accounts/${f.address(nobody)}`);
    expect(status).toBe(200);
    expect(body).toEqual({ address: f.address(nobody), balance: '0', nonce: '0', nextNonce: '0' });
  });

  it('accepts an all-uppercase address and answers with the canonical lowercase form', async () => {
    const a = f.address(testKey(0).address);
    const { body } = await get(`/accounts/${a.toUpperCase()}`);
    expect(body.address).toBe(a);
    expect(body.balance).toBe(FUNDING.toString());
  });
});

describe('GET /mempool', () => {
  it('lists pending txs in arrival order and honours ?limit', async () => {
    const txs = [0, 1, 2].map((n) => transfer(f.params, testKey(1), testKey(2).address, 1n, BigInt(n)));
    for (const tx of txs) expect((await post('/txs', { raw: rawHex(tx) })).status).toBe(202);
    const all = await get('/mempool');
    expect(all.body.map((e: { id: string }) => e.id)).toEqual(txs.map((t) => toHex(txId(t))));
    for (const e of all.body) {
      expect(Object.keys(e).sort()).toEqual(['amount', 'fee', 'from', 'id', 'nonce', 'raw', 'to']);
      expect(toHex(txId(decodeTx(fromHex(e.raw))))).toBe(e.id);
    }
    const two = await get('/mempool?limit=2');
    expect(two.body).toEqual(all.body.slice(0, 2));
  });
});

describe('GET /peers', () => {
  it('is an empty list without a network, and the p2p service’s peers with one', async () => {
    expect((await get('/peers')).body).toEqual([]);
    await f.close();
    const peers = [
      {
        peerId: '12D3KooWA',
        addrs: ['/ip4/127.0.0.1/tcp/1'],
        direction: 'outbound',
        score: 5,
        banned: false,
      },
      { peerId: '12D3KooWB', addrs: [], direction: 'inbound', score: -50, banned: true },
    ] as const;
    f = await openFixture({ server: { p2p: { peers: () => peers } } });
    expect((await get('/peers')).body).toEqual(peers);
  });
});

describe('GET /openapi.json', () => {
  it('serves the OpenAPI document', async () => {
    const { status, body } = await get('/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toContain('/blocks/{hashOrHeight}');
  });
});

describe('decoding addresses the API returns', () => {
  it('returns addresses of this chain that decode back to the hashes', async () => {
    const to = testKey(3).address;
    await post('/mine', { blocks: 1, to: f.address(to) });
    const { body } = await get('/blocks/1');
    expect(toHex(decodeAddress(body.miner, f.params.addressPrefix))).toBe(toHex(to));
  });
});
