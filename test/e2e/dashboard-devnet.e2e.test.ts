// The dashboard against a devnet: two real regtest nodes behind a small stand-in for the devnet
// aggregator that speaks the contract docs/DASHBOARD.md describes (GET /devnet/state, each node's API
// proxied under its `base`, one merged /devnet/events stream tagged with `node`). The consensus bar must
// split into two ledgers during a partition and join again after the heal, with the reorg named.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { loadParams } from '../../src/node/params.js';
import { buildDashboard } from '../../web/build.js';
import { testKey } from '../helpers/chain-fixtures.js';
import { type Browser, browserAvailable, launchBrowser } from './dashboard-browser.js';
import { getJson, postJson, ROOT, type RunningNode, startNode, waitFor } from './helpers.js';

const params = loadParams({ regtest: true });
const to = (i: number) => encodeAddress(testKey(i).address, params.addressPrefix);
const run = browserAvailable();

/** The aggregator stand-in: static page, state, per-node proxy, merged events. */
async function aggregator(
  named: Record<string, RunningNode>,
): Promise<{ url: string; server: Server; stop(): void }> {
  const web = join(ROOT, 'dist', 'web');
  const clients = new Set<ServerResponse>();
  const aborts: AbortController[] = [];
  for (const [name, n] of Object.entries(named)) {
    const abort = new AbortController();
    aborts.push(abort);
    void (async () => {
      const res = await fetch(`${n.api}/events`, { signal: abort.signal });
      const reader = res.body!.getReader();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += new TextDecoder().decode(value);
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const lines = buffer.slice(0, end).split('\n');
            buffer = buffer.slice(end + 2);
            const field = (k: string) => lines.find((l) => l.startsWith(`${k}: `))?.slice(k.length + 2);
            const data = field('data');
            if (!data) continue;
            const tagged = JSON.stringify({ ...JSON.parse(data), node: name });
            const chunk = `id: ${name}.${field('id')}\nevent: ${field('event')}\ndata: ${tagged}\n\n`;
            for (const c of clients) c.write(chunk);
          }
        }
      } catch {
        // stopped
      }
    })();
  }
  const server = createServer(async (req, res) => {
    const path = req.url ?? '/';
    const files: Record<string, [string, string]> = {
      '/': ['index.html', 'text/html'],
      '/dashboard.js': ['dashboard.js', 'text/javascript'],
      '/dashboard.css': ['dashboard.css', 'text/css'],
    };
    const file = files[path];
    if (file) return res.writeHead(200, { 'content-type': file[1] }).end(await readFile(join(web, file[0])));
    if (path === '/devnet/state') {
      const nodes = Object.entries(named).map(([name, n]) => ({
        name,
        base: `/devnet/nodes/${name}`,
        running: true,
        peerId: n.info.peerId,
      }));
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ nodes }));
    }
    if (path.startsWith('/devnet/events')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('retry: 1000\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    const m = /^\/devnet\/nodes\/(\w+)(\/.*)$/.exec(path);
    const target = m && named[m[1]!];
    if (!target) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{}}');
    const upstream = await fetch(`${target.api}${m[2]}`);
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
    });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stop() {
      for (const a of aborts) a.abort();
      for (const c of clients) c.destroy();
      server.close();
    },
  };
}

describe.skipIf(!run)('dashboard against a devnet', () => {
  let root: string;
  let browser: Browser;
  const nodes: RunningNode[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cairn-dash-devnet-'));
    await buildDashboard(join(ROOT, 'dist', 'web'));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await rm(root, { recursive: true, force: true });
  });

  it('splits the consensus bar into two ledgers during a partition and joins it after the heal', async () => {
    const node0 = await startNode(join(root, 'node0'), '--regtest');
    nodes.push(node0);
    await postJson(`${node0.api}/mine`, { blocks: 2, to: to(0) });
    const node1 = await startNode(join(root, 'node1'), '--regtest', '--peer', node0.info.multiaddrs[0]!);
    nodes.push(node1);
    await waitFor(
      'node1 to sync',
      async () => (await getJson<{ height: number }>(`${node1.api}/status`)).height === 2,
    );
    const agg = await aggregator({ node0, node1 });
    try {
      const page = await browser.open(`${agg.url}/`);
      await waitFor(
        `devnet mode (${browser.errors.join('; ')})`,
        async () => (await page.$('.mode[data-mode=devnet]')) !== null,
      );
      await waitFor(
        'one ledger',
        async () => (await page.textContent('.consensus-text')) === '2/2 nodes agree: one ledger, up to #2',
      );
      await postJson(`${node0.api}/admin/block-peers`, { peerIds: [node1.info.peerId] });
      await postJson(`${node1.api}/admin/block-peers`, { peerIds: [node0.info.peerId] });
      await waitFor(
        'the partition',
        async () => (await getJson<unknown[]>(`${node0.api}/peers`)).length === 0,
      );
      await postJson(`${node0.api}/mine`, { blocks: 2, to: to(0) });
      await postJson(`${node1.api}/mine`, { blocks: 3, to: to(1) });
      await waitFor(
        'two ledgers',
        async () =>
          (await page.textContent('.consensus-text')) === '2 ledgers: {node0} | {node1}, agreed up to #2',
        15_000,
      );
      // Each node's badge sits on its own tip, on different lanes.
      const lane = async (node: string) => {
        const tip = await page.getAttribute(`.badge[data-node=${node}]`, 'data-tip');
        return page.getAttribute(`svg .block[data-hash="${tip}"]`, 'data-lane');
      };
      expect(await lane('node1')).toBe('0'); // node1's branch has the most work: the centre lane
      expect(await lane('node0')).not.toBe('0');
      await postJson(`${node0.api}/admin/unblock-peers`, {});
      await postJson(`${node1.api}/admin/unblock-peers`, {});
      await waitFor(
        'node0 to reorg',
        async () => (await page.textContent('.banner'))?.includes('reorged'),
        30_000,
      );
      expect(await page.textContent('.banner')).toContain('node0 reorged, depth 2');
      await waitFor(
        'one ledger again',
        async () => (await page.textContent('.consensus-text')) === '2/2 nodes agree: one ledger, up to #5',
        15_000,
      );
      expect(await lane('node0')).toBe('0');
      expect(browser.errors).toEqual([]);
    } finally {
      agg.stop();
    }
  }, 120_000);
});
