// GET /chain/tips, /chain/tree, /blocks and / over a real loopback server: tips with their status and
// branch length as Core's getchaintips reports them, every branch of the tree with pagination, and the
// page for a browser.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { toHttpError } from '../../../src/api/errors.js';
import { registerChainViewRoutes } from '../../../src/api/routes/chain-view.js';
import { toHex } from '../../../src/consensus/bytes.js';
import { blockHash } from '../../../src/consensus/hash.js';
import type { Block } from '../../../src/consensus/types.js';
import { testKey, transfer } from '../../helpers/chain-fixtures.js';
import { type Fixture, openFixture } from '../fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function start(): Promise<{ fx: Fixture; get: (path: string) => Promise<Response> }> {
  f = await openFixture();
  const { url } = await f.server.start();
  return { fx: f, get: (path) => fetch(`${url}${path}`) };
}

interface Tip {
  hash: string;
  height: number;
  chainWork: string;
  branchLength: number;
  status: string;
}
interface TreeBlock {
  hash: string;
  parent: string;
  height: number;
  chainWork: string;
  miner: string;
  txCount?: number;
  main: boolean;
  origin?: string;
  receivedAt?: number;
}

const hex = (b: Block) => toHex(blockHash(b.header));

describe('GET /chain/tips', () => {
  it('lists the active tip, a side branch never connected, and a branch that lost a reorg', async () => {
    const { fx, get } = await start();
    const main = await fx.mine(2);
    // One block on genesis: stored, never connected (less work than the main chain).
    const [side] = fx.builder.extend(1, { parent: fx.params.genesis, gap: 11 });
    await fx.chain.processBlock(side!);
    let tips = (await (await get('/chain/tips')).json()) as Tip[];
    expect(tips).toEqual([
      {
        hash: toHex(main[1]!),
        height: 2,
        chainWork: fx.chain.tip.chainWork.toString(),
        branchLength: 0,
        status: 'active',
      },
      {
        hash: hex(side!),
        height: 1,
        chainWork: fx.chain.index.get(hex(side!))!.chainWork.toString(),
        branchLength: 1,
        status: 'valid-headers',
      },
    ]);
    // A heavier branch of three from genesis wins: the old main chain becomes a valid fork.
    const heavy = fx.builder.extend(3, { parent: fx.params.genesis, gap: 7 });
    for (const b of heavy) await fx.chain.processBlock(b);
    tips = (await (await get('/chain/tips')).json()) as Tip[];
    expect(tips[0]).toMatchObject({ hash: hex(heavy[2]!), status: 'active', branchLength: 0 });
    expect(tips.find((t) => t.hash === toHex(main[1]!))).toMatchObject({
      status: 'valid-fork',
      branchLength: 2,
    });
    // Most work first, by cumulative work (not height).
    const works = tips.map((t) => BigInt(t.chainWork));
    expect([...works].sort((a, b) => (b > a ? 1 : b < a ? -1 : 0))).toEqual(works);
  });

  it('reports a header whose body never came as headers-only', async () => {
    const { fx, get } = await start();
    await fx.mine(1);
    const [h] = fx.builder.extend(1, { parent: fx.params.genesis, gap: 13 });
    await fx.chain.acceptHeaders([h!.header]);
    const tips = (await (await get('/chain/tips')).json()) as Tip[];
    expect(tips.find((t) => t.hash === hex(h!))).toMatchObject({ status: 'headers-only', branchLength: 1 });
  });
});

describe('GET /chain/tree', () => {
  it('returns every branch with parent, work, miner, tx count and main flag', async () => {
    const { fx, get } = await start();
    const tx = transfer(fx.params, testKey(0), testKey(1).address, 5n, 0n);
    await fx.mempool.add(tx);
    const main = await fx.mine(2, testKey(3).address);
    const [side] = fx.builder.extend(1, { parent: fx.params.genesis, gap: 11, miner: testKey(4).address });
    await fx.chain.processBlock(side!);
    const page = (await (await get('/chain/tree?from=1')).json()) as { blocks: TreeBlock[]; next: unknown };
    expect(page.next).toBeNull();
    const byHash = new Map(page.blocks.map((b) => [b.hash, b]));
    expect(page.blocks.map((b) => b.height)).toEqual([1, 1, 2]);
    expect(byHash.get(toHex(main[0]!))).toMatchObject({
      parent: toHex(fx.params.genesisHash),
      height: 1,
      miner: fx.address(testKey(3).address),
      txCount: 1,
      main: true,
      chainWork: fx.chain.index.get(main[0]!)!.chainWork.toString(),
      origin: 'mined',
      receivedAt: expect.any(Number),
    });
    expect(byHash.get(toHex(main[1]!))).toMatchObject({ parent: toHex(main[0]!), txCount: 0, main: true });
    expect(byHash.get(hex(side!))).toMatchObject({
      parent: toHex(fx.params.genesisHash),
      miner: fx.address(testKey(4).address),
      txCount: 0,
      main: false,
      origin: 'api', // processBlock's default: a client submitted it
    });
    expect('peer' in byHash.get(hex(side!))!).toBe(false);
  });

  it('pages through the tree with the next cursor, each block once', async () => {
    const { fx, get } = await start();
    await fx.mine(4);
    for (const gap of [11, 13, 17]) {
      const [b] = fx.builder.extend(1, { parent: fx.params.genesis, gap });
      await fx.chain.processBlock(b!);
    }
    const all = ((await (await get('/chain/tree?limit=1000')).json()) as { blocks: TreeBlock[] }).blocks;
    expect(all).toHaveLength(1 + 4 + 3);
    const seen: string[] = [];
    let query = '?limit=2';
    for (let pages = 0; pages < 10; pages++) {
      const page = (await (await get(`/chain/tree${query}`)).json()) as {
        blocks: TreeBlock[];
        next: { from: number; after: string } | null;
      };
      expect(page.blocks.length).toBeLessThanOrEqual(2);
      seen.push(...page.blocks.map((b) => b.hash));
      if (!page.next) break;
      query = `?limit=2&from=${page.next.from}&after=${page.next.after}`;
    }
    expect(seen).toEqual(all.map((b) => b.hash));
  });

  it('refuses a limit above the bound', async () => {
    const { get } = await start();
    const res = await get('/chain/tree?limit=100000');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });
});

describe('GET /blocks', () => {
  it('lists main-chain headers, the last ones by default, or from a height', async () => {
    const { fx, get } = await start();
    const hashes = (await fx.mine(5)).map(toHex);
    const last = (await (await get('/blocks?limit=2')).json()) as { hash: string; height: number }[];
    expect(last.map((h) => [h.height, h.hash])).toEqual([
      [4, hashes[3]],
      [5, hashes[4]],
    ]);
    const from = (await (await get('/blocks?from=1&limit=3')).json()) as { hash: string; prevHash: string }[];
    expect(from.map((h) => h.hash)).toEqual(hashes.slice(0, 3));
    expect(from[1]!.prevHash).toBe(hashes[0]);
  });
});

describe('GET /', () => {
  it('serves the built page to a browser and a JSON index to other clients', async () => {
    const fx = await openFixture();
    f = fx;
    const webDir = await mkdtemp(join(tmpdir(), 'cairn-web-'));
    const app = Fastify();
    app.setErrorHandler((err, _req, reply) => {
      const e = toHttpError(err);
      return reply.code(e.status).send(e.body);
    });
    try {
      await writeFile(join(webDir, 'index.html'), '<!doctype html><div id="app"></div>');
      await writeFile(join(webDir, 'dashboard.js'), 'console.log(1)');
      registerChainViewRoutes(app, { chain: fx.chain, hrp: fx.params.addressPrefix, webDir });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const page = await fetch(`${url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('<div id="app">');
      const js = await fetch(`${url}/dashboard.js`);
      expect(js.headers.get('content-type')).toContain('javascript');
      const json = await fetch(`${url}/`, { headers: { accept: 'application/json' } });
      expect(await json.json()).toMatchObject({ kind: 'node', api: '/openapi.json' });
      const css = await fetch(`${url}/dashboard.css`); // not built in this folder
      expect(css.status).toBe(404);
      expect(await css.json()).toMatchObject({
        error: { code: 'NOT_FOUND', message: expect.stringContaining('npm run build') },
      });
    } finally {
      await app.close();
      await rm(webDir, { recursive: true, force: true });
    }
  });
});
