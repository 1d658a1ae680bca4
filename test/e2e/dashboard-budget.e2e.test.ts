// Two trees no real node can make in a test's time, served in the node's API shapes by a small server
// here, drawn by a real Chromium:
//   - 5,000 blocks with 40 forks stay under the page's DOM-node budget: long runs collapse, every fork tip
//     is still drawn (mining 5,000 regtest blocks would take this test's whole time);
//   - the centre lane is exactly the ancestry of the max-work tip when that tip is on a SHORTER branch and
//     the works differ by 1 above 2^53, where a float comparison would call them equal (regtest blocks all
//     have the same work, so real nodes cannot show this).
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, type DashboardBuild } from '../../web/build.js';
import { DOM_NODE_BUDGET } from '../../web/src/model/collapse.js';
import { type Browser, browserAvailable, launchBrowser } from './dashboard-browser.js';
import { waitFor } from './helpers.js';

const run = browserAvailable();
const hex = (n: number, salt: string) => (salt + n.toString(16)).padStart(64, '0').slice(-64);

interface Block {
  hash: string;
  parent: string;
  height: number;
  chainWork: string;
  miner: string;
  main: boolean;
}

function budgetChain(): Block[] {
  const out: Block[] = [];
  for (let h = 0; h < 5_000; h++) {
    out.push({
      hash: hex(h, 'a'),
      parent: h ? hex(h - 1, 'a') : '0'.repeat(64),
      height: h,
      chainWork: String(10 * h + 10),
      miner: 'm0',
      main: true,
    });
  }
  for (let f = 0; f < 40; f++) {
    const h = 100 + f * 120;
    out.push({
      hash: hex(h, 'f'),
      parent: hex(h - 1, 'a'),
      height: h,
      chainWork: String(10 * h + 5),
      miner: 'm1',
      main: false,
    });
  }
  return out.sort((a, b) => a.height - b.height);
}

describe.skipIf(!run)('dashboard DOM budget', () => {
  let browser: Browser;
  let built: DashboardBuild;
  let blocks = budgetChain();
  let tip = blocks.filter((b) => b.main).at(-1)!;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (v: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    const files: Record<string, [string, string]> = {
      '/dashboard.js': ['dashboard.js', 'text/javascript'],
      '/dashboard.css': ['dashboard.css', 'text/css'],
    };
    if (url.pathname === '/') {
      if (req.headers.accept?.includes('json')) return json({ kind: 'node' });
      return res.writeHead(200, { 'content-type': 'text/html' }).end(built.files['index.html']);
    }
    const file = files[url.pathname];
    if (file) return res.writeHead(200, { 'content-type': file[1] }).end(built.files[file[0]]);
    if (url.pathname === '/status') {
      return json({
        network: 'test',
        height: tip.height,
        tipHash: tip.hash,
        chainWork: tip.chainWork,
        stateDigest: 'd',
        mempool: 0,
      });
    }
    if (url.pathname === '/chain/tips') {
      const parents = new Set(blocks.map((b) => b.parent));
      return json(
        blocks
          .filter((b) => !parents.has(b.hash))
          .map((b) => ({
            hash: b.hash,
            height: b.height,
            chainWork: b.chainWork,
            branchLength: 0,
            status: b === tip ? 'active' : 'valid-fork',
          })),
      );
    }
    if (url.pathname === '/chain/tree') {
      const from = Number(url.searchParams.get('from') ?? 0);
      const after = url.searchParams.get('after');
      let rest = blocks.filter((b) => b.height > from || (b.height === from && (!after || b.hash > after)));
      rest = rest.sort((a, b) => a.height - b.height || (a.hash < b.hash ? -1 : 1));
      const page = rest.slice(0, 1000);
      const last = page.at(-1);
      return json({
        blocks: page,
        next: rest.length > 1000 && last ? { from: last.height, after: last.hash } : null,
      });
    }
    if (url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      return res.write('retry: 1000\n\n');
    }
    return json([]);
  });
  let url = '';

  beforeAll(async () => {
    built = await buildDashboard();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    server.closeAllConnections();
    server.close();
  });

  it('draws 5,045 blocks in fewer elements than the budget, with every fork tip and the best tip', async () => {
    const page = await browser.open(`${url}/`);
    await waitFor(
      'the tip',
      async () => (await page.$(`svg .block[data-hash="${tip.hash}"]`)) !== null,
      20_000,
    );
    const elements = await page.evaluate('document.getElementsByTagName("*").length');
    expect(elements).toBeLessThanOrEqual(DOM_NODE_BUDGET);
    for (const f of blocks.filter((b) => !b.main)) {
      expect(await page.getAttribute(`svg .block[data-hash="${f.hash}"]`, 'data-lane')).not.toBe('0');
    }
    expect(await page.getAttribute(`svg .block[data-hash="${tip.hash}"]`, 'data-lane')).toBe('0');
    expect((await page.$$('svg .gap')).length).toBeGreaterThan(10);
    expect(browser.errors).toEqual([]);
  });

  it('centres the ancestry of the max-work tip: a shorter branch heavier by 1 above 2^53', async () => {
    const W = 1n << 60n; // each block's work: cumulative work passes 2^53 at the first block
    const out: Block[] = [];
    const add = (hash: string, parent: Block | undefined, work: bigint, main: boolean, miner = 'm0') => {
      const b = {
        hash: hex(out.length + 1, hash),
        parent: parent?.hash ?? '0'.repeat(64),
        height: parent ? parent.height + 1 : 0,
        chainWork: String((parent ? BigInt(parent.chainWork) : 0n) + work),
        miner,
        main,
      };
      out.push(b);
      return b;
    };
    let p = add('a', undefined, W, true);
    for (let h = 1; h <= 5; h++) p = add('a', p, W, true);
    const fork = p; // height 5
    let long = fork;
    for (let h = 6; h <= 12; h++) long = add('c', long, W, false, 'm2'); // longer: 7 blocks of W
    let heavy = fork;
    for (let h = 6; h <= 10; h++) heavy = add('b', heavy, W, true, 'm1'); // shorter: 5 blocks …
    heavy.chainWork = String(BigInt(long.chainWork) + 1n); // … plus 1 more than the longer one in all
    expect(Number(heavy.chainWork)).toBe(Number(long.chainWork)); // a float cannot tell them apart
    blocks = out.sort((a, b) => a.height - b.height || (a.hash < b.hash ? -1 : 1));
    tip = heavy;

    const page = await browser.open(`${url}/`);
    await waitFor('both tips', async () => (await page.$(`svg .block[data-hash="${long.hash}"]`)) !== null);
    const byHash = new Map(blocks.map((b) => [b.hash, b]));
    const ancestry = new Set<string>();
    for (let b = byHash.get(heavy.hash); b; b = byHash.get(b.parent)) ancestry.add(b.hash);
    const centre = await page.$$eval('svg .block[data-lane="0"]', (els) =>
      els.map((e) => e.getAttribute('data-hash')),
    );
    expect(new Set(centre)).toEqual(ancestry);
    for (let b = byHash.get(long.hash)!; b.hash !== fork.hash; b = byHash.get(b.parent)!)
      expect(await page.getAttribute(`svg .block[data-hash="${b.hash}"]`, 'data-lane')).not.toBe('0');
    // The labels say it: the heavier tip is the best, the longer one is 1 unit of work behind.
    expect(await page.textContent(`svg .tip-label[data-tip="${heavy.hash}"]`)).toContain('(best)');
    expect(await page.textContent(`svg .tip-label[data-tip="${long.hash}"]`)).toContain('(−1)');
    expect(browser.errors).toEqual([]);
  });
});
