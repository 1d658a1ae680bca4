// The devnet aggregator over real HTTP on 127.0.0.1, in front of fake nodes (test/scripts/devnet/fake-node.ts)
// and a real Supervisor that has started no process.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlServer, hostOf, NOT_BUILT } from '../../../scripts/devnet/control-server.js';
import { EventHub } from '../../../scripts/devnet/event-hub.js';
import type { DevnetState } from '../../../scripts/devnet/state.js';
import { Supervisor } from '../../../scripts/devnet/supervisor.js';
import { fromHex } from '../../../src/consensus/bytes.js';
import { decodeTx } from '../../../src/consensus/encoding.js';
import { checkTxSignature } from '../../../src/consensus/signature.js';
import { parseCoins } from '../../../wallet/amount.js';
import { devKeys } from '../../../wallet/dev-keys.js';
import { waitFor } from '../../e2e/helpers.js';
import { type FakeNode, openSse, type SseClient, startFakeNode } from './fake-node.js';

const FAST = {
  reconnectMinMs: 20,
  reconnectMaxMs: 200,
  heartbeatMs: 60_000,
  maxBufferedBytes: 1 << 20,
  maxClients: 10,
};
const PEER_IDS = ['12D3KooWnode0', '12D3KooWnode1', '12D3KooWnode2'];

let dir = '';
let webDir = '';
let nodes: FakeNode[] = [];
let server: ControlServer;
let base = '';
let state: DevnetState;
const clients: SseClient[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-devnet-agg-'));
  webDir = join(dir, 'web');
  nodes = [await startFakeNode(), await startFakeNode(), await startFakeNode()];
  const specs = nodes.map((n, i) => ({
    name: `node${i}`,
    index: i,
    apiPort: n.port,
    p2pPort: 1,
    miner: i < 2,
  }));
  for (const [i, spec] of specs.entries()) {
    await mkdir(join(dir, spec.name));
    await writeFile(
      join(dir, spec.name, 'node.json'),
      JSON.stringify({ peerId: PEER_IDS[i], multiaddrs: [], api: nodes[i]!.url }),
    );
  }
  state = { basePort: 0, regtest: false, threads: 1, nodes: specs, control: '', supervisorPid: process.pid };
  const hub = new EventHub(
    specs.map((s, i) => ({ name: s.name, url: `${nodes[i]!.url}/events` })),
    FAST,
  );
  server = new ControlServer({ state, supervisor: new Supervisor(state, dir), hub, dir, webDir });
  base = `http://127.0.0.1:${await server.listen(0)}`;
  hub.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
  for (const n of nodes) await n.close();
  await rm(dir, { recursive: true, force: true });
});

const postJson = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** A raw request, so that the Host header can be anything. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('devnet aggregator', () => {
  it('GET /devnet/state: the nodes, their API URLs, running and up, and no partition', async () => {
    await waitFor('every stream up', async () => {
      const s = (await (await fetch(`${base}/devnet/state`)).json()) as { nodes: { up: boolean }[] };
      return s.nodes.every((n) => n.up);
    });
    const s = (await (await fetch(`${base}/devnet/state`)).json()) as Record<string, unknown>;
    expect(s.partition).toBeNull();
    expect(s.links).toBeNull(); // loopback devnet: no shaped links (those need host mode)
    expect(s.nodes).toEqual(
      nodes.map((n, i) => ({
        name: `node${i}`,
        index: i,
        api: n.url,
        base: `/devnet/nodes/node${i}/api`,
        apiPort: n.port,
        p2pPort: 1,
        miner: i < 2,
        address: null, // loopback devnet: every node on 127.0.0.1
        peerId: PEER_IDS[i],
        running: false, // the supervisor started no process for it
        up: true, // but its event stream answers
      })),
    );
  });

  it('proxies reads of each node under its base (same origin for the page), and nothing else', async () => {
    const status = await fetch(`${base}/devnet/nodes/node1/api/status`);
    expect(status.status).toBe(200);
    expect(status.headers.get('content-type')).toContain('application/json');
    expect(await status.json()).toEqual({ height: 0, genesisHash: nodes[1]!.genesisHash });
    // The node's own status code and error pass through; so does the query string.
    const missing = await fetch(`${base}/devnet/nodes/1/api/nope?x=1`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: '/nope?x=1' } });
    expect((await fetch(`${base}/devnet/nodes/node9/api/status`)).status).toBe(404);
    const events = await fetch(`${base}/devnet/nodes/node0/api/events`);
    expect(events.status).toBe(404);
    expect(await events.text()).toContain('/devnet/events');
    // A write through the proxy is no control: refused, and the node never sees it.
    expect((await postJson('/devnet/nodes/node0/api/admin/unblock-peers', {})).status).toBe(404);
    expect(nodes[0]!.posts).toEqual([]);
    // A node that is gone is a 502 naming it.
    await nodes[2]!.close();
    const down = await fetch(`${base}/devnet/nodes/node2/api/status`);
    expect(down.status).toBe(502);
    expect(await down.json()).toMatchObject({
      error: { code: 'NODE_DOWN', message: expect.stringContaining('node2') },
    });
  });

  it('GET /devnet/snapshot: every node’s status, tips, peers and mempool in one answer; a node down is named', async () => {
    await waitFor('every stream up', async () => {
      const s = (await (await fetch(`${base}/devnet/state`)).json()) as { nodes: { up: boolean }[] };
      return s.nodes.every((n) => n.up);
    });
    await nodes[1]!.close();
    const snap = (await (await fetch(`${base}/devnet/snapshot`)).json()) as {
      partition: unknown;
      nodes: Record<string, unknown>[];
    };
    expect(snap.partition).toBeNull();
    expect(snap.nodes).toHaveLength(3);
    for (const i of [0, 2]) {
      expect(snap.nodes[i]).toEqual({
        name: `node${i}`,
        running: false,
        up: expect.any(Boolean),
        status: { height: 0, genesisHash: nodes[i]!.genesisHash },
        tips: [{ hash: nodes[i]!.genesisHash, height: 0, chainWork: '1', branchLength: 0, status: 'active' }],
        peers: [],
        mempool: ['aa'.repeat(32)],
      });
    }
    expect(snap.nodes[1]).toMatchObject({ name: 'node1', error: expect.stringContaining('node1') });
    expect(snap.nodes[1]!.status).toBeUndefined();
  });

  it('POST partition / heal: each group blocks the peers outside it, the state and the stream say so', async () => {
    const client = await openSse(`${base}/devnet/events`);
    clients.push(client);
    const r = await postJson('/devnet/partition', { groups: ['0,1', '2'] });
    expect(r).toEqual({ status: 200, body: { groups: [['node0', 'node1'], ['node2']], unreachable: [] } });
    expect(nodes.map((n) => n.posts)).toEqual([
      [{ path: '/admin/block-peers', body: { peerIds: [PEER_IDS[2]] } }],
      [{ path: '/admin/block-peers', body: { peerIds: [PEER_IDS[2]] } }],
      [{ path: '/admin/block-peers', body: { peerIds: [PEER_IDS[0], PEER_IDS[1]] } }],
    ]);
    const s = (await (await fetch(`${base}/devnet/state`)).json()) as { partition: unknown };
    expect(s.partition).toEqual([['node0', 'node1'], ['node2']]);

    expect(await postJson('/devnet/heal', {})).toEqual({ status: 200, body: { unreachable: [] } });
    for (const n of nodes) expect(n.posts.at(-1)).toEqual({ path: '/admin/unblock-peers', body: {} });
    expect(
      ((await (await fetch(`${base}/devnet/state`)).json()) as { partition: unknown }).partition,
    ).toBeNull();
    await waitFor(
      'both partition events',
      () => client.events.filter((e) => e.event === 'partition').length === 2,
    );
    expect(client.events.filter((e) => e.event === 'partition').map((e) => JSON.parse(e.data))).toEqual([
      { groups: [['node0', 'node1'], ['node2']] },
      { groups: null },
    ]);
  });

  it('refuses a partition it cannot do, with the reason, and changes nothing', async () => {
    expect(await postJson('/devnet/partition', { groups: ['0,1', '1'] })).toEqual({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', message: 'a node is in two groups' } },
    });
    expect((await postJson('/devnet/partition', { groups: ['0,9'] })).body).toEqual({
      error: { code: 'BAD_REQUEST', message: 'no node "9": this devnet has node0, node1, node2' },
    });
    expect((await postJson('/devnet/partition', { groups: ['0,1,2'] })).status).toBe(400);
    expect((await postJson('/devnet/partition', {})).status).toBe(400);
    for (const n of nodes) expect(n.posts).toEqual([]);
  });

  it('POST link: shaping links needs host mode, and says so', async () => {
    expect(await postJson('/devnet/link', { links: ['0-1'], shape: { delay: '200ms' } })).toEqual({
      status: 409,
      body: {
        error: {
          code: 'NOT_HOST_MODE',
          message:
            'links can be shaped only between separate hosts: start the devnet with `up --hosts` (Linux, root)',
        },
      },
    });
  });

  it('merges the nodes’ events into GET /devnet/events, tagged by node', async () => {
    await waitFor('every stream up', () => nodes.every((n) => n.eventConnections.length === 1));
    const client = await openSse(`${base}/devnet/events`);
    clients.push(client);
    await waitFor('the hello', () => client.events.filter((e) => e.event === 'node').length === 3);
    nodes[2]!.emit('reorg', { depth: 2 }, '9');
    await waitFor('the reorg', () => client.events.some((e) => e.event === 'reorg'));
    expect(JSON.parse(client.events.find((e) => e.event === 'reorg')!.data)).toEqual({
      node: 'node2',
      id: '9',
      data: { depth: 2 },
    });
  });

  it('POST transfer: signs a dev transfer with the right nonce and posts it to the chosen node', async () => {
    nodes[1]!.nextNonce = '7';
    const keys = devKeys();
    const r = await postJson('/devnet/transfer', { from: 'dev0', to: 'dev1', amount: '1.5', node: '1' });
    expect(r.status).toBe(202);
    expect(nodes[0]!.posts).toEqual([]);
    const posted = nodes[1]!.posts.find((p) => p.path === '/txs')!;
    const tx = decodeTx(fromHex((posted.body as { raw: string }).raw));
    expect(r.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{64}$/), node: 'node1' });
    expect(tx.nonce).toBe(7n);
    expect(tx.amount).toBe(parseCoins('1.5'));
    expect(tx.from).toEqual(keys[0]!.publicKey);
    expect(tx.to).toEqual(keys[1]!.addressHash);
    expect(() => checkTxSignature(tx, fromHex(nodes[1]!.genesisHash))).not.toThrow();

    const bad = await postJson('/devnet/transfer', { from: 'dev9', to: 'dev1', amount: '1' });
    expect(bad.status).toBe(400);
    expect((await postJson('/devnet/transfer', { from: 'dev0', to: 'dev1', amount: '-1' })).status).toBe(400);
  });

  it('stop/start/kill go to the supervisor; a node it does not run is a 409 conflict', async () => {
    expect(await postJson('/devnet/nodes/node0/stop', {})).toEqual({
      status: 409,
      body: { error: { code: 'CONFLICT', message: 'node0 is not running' } },
    });
    expect((await postJson('/devnet/nodes/7/kill', {})).status).toBe(404);
  });

  it('answers loopback Hosts only, and takes controls only as JSON from no page or a loopback page', async () => {
    const evil = await raw('GET', '/devnet/state', { host: 'evil.example:8651' });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await raw('GET', '/devnet/state', { host: 'localhost:8651' })).status).toBe(200);
    expect((await raw('GET', '/devnet/state', { host: '[::1]:8651' })).status).toBe(200);
    const rebound = await raw('POST', '/devnet/heal', {
      host: 'attacker.example',
      'content-type': 'application/json',
    });
    expect(rebound.status).toBe(403);
    const form = await raw('POST', '/devnet/heal', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(403);
    expect((await postJson('/devnet/heal', {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await postJson('/devnet/heal', {}, { origin: 'null' })).status).toBe(403);
    for (const n of nodes) expect(n.posts).toEqual([]); // nothing refused got through
    expect((await postJson('/devnet/heal', {}, { origin: base })).status).toBe(200);
  });

  it('serves the built dashboard from its folder, and a 503 with the reason while it is not built', async () => {
    const missing = await fetch(`${base}/`);
    expect(missing.status).toBe(503);
    expect(await missing.text()).toBe(NOT_BUILT);
    await mkdir(join(webDir, 'assets'), { recursive: true });
    await writeFile(join(webDir, 'index.html'), '<!doctype html><title>Cairn</title>');
    await writeFile(join(webDir, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'outside the web folder');
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe('<!doctype html><title>Cairn</title>');
    const js = await fetch(`${base}/assets/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
    expect((await fetch(`${base}/assets/nope.js`)).status).toBe(404);
    expect((await raw('GET', '/%2e%2e/secret.txt', {})).status).toBe(404);
    expect((await raw('GET', '/..%2fsecret.txt', {})).status).toBe(404);
  });

  it('hostOf takes the host out of a Host header', () => {
    expect(['127.0.0.1:8651', 'localhost', '[::1]:80', '::1', 'evil.example:1'].map(hostOf)).toEqual([
      '127.0.0.1',
      'localhost',
      '::1',
      '::1',
      'evil.example',
    ]);
  });
});
