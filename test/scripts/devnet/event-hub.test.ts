import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHub, type ParsedEvent, sseParser } from '../../../scripts/devnet/event-hub.js';
import { waitFor } from '../../e2e/helpers.js';
import { type FakeNode, openSse, type SseClient, startFakeNode } from './fake-node.js';

const FAST = {
  reconnectMinMs: 20,
  reconnectMaxMs: 200,
  heartbeatMs: 60_000,
  maxBufferedBytes: 1 << 20,
  maxClients: 3,
};

describe('sseParser', () => {
  it('parses events split anywhere, with CRLF or LF, several data lines, ids, comments and retry', () => {
    const seen: ParsedEvent[] = [];
    const feed = sseParser((e) => seen.push(e));
    const text =
      'retry: 3000\n: a comment\n\nid: 7\nevent: block\ndata: {"a":\ndata: 1}\n\r\n' +
      'data: plain\r\n\r\nevent: empty\n\nevent: tx\ndata:x\n\n';
    for (const ch of text) feed(ch); // one character at a time: no boundary may matter
    expect(seen).toEqual([
      { event: 'block', data: '{"a":\n1}', id: '7' },
      { event: 'message', data: 'plain', id: '7' }, // the last event id stays until changed
      { event: 'tx', data: 'x', id: '7' },
    ]);
  });
});

describe('EventHub (fake nodes on 127.0.0.1)', () => {
  const nodes: FakeNode[] = [];
  const clients: SseClient[] = [];
  let hub: EventHub | undefined;
  let server: Server | undefined;

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    hub?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
    for (const n of nodes.splice(0)) await n.close();
  });

  async function serve(h: EventHub): Promise<string> {
    server = createServer((req, res) => h.accept(req, res));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const a = server.address();
    return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  const data = (e: { data: string }) => JSON.parse(e.data) as Record<string, unknown>;

  it('merges every node’s stream into one, each event tagged with its node', async () => {
    nodes.push(await startFakeNode(), await startFakeNode());
    hub = new EventHub(
      nodes.map((n, i) => ({ name: `node${i}`, url: `${n.url}/events` })),
      FAST,
    );
    hub.start();
    await waitFor('both streams up', () => hub!.isUp('node0') && hub!.isUp('node1'), 5_000, 10);
    const client = await openSse(await serve(hub));
    clients.push(client);
    expect(client.status).toBe(200);
    // The client is told where every node stands as soon as it connects.
    await waitFor('the hello', () => client.events.length >= 2, 5_000, 10);
    expect(client.events.slice(0, 2).map(data)).toEqual([
      { node: 'node0', up: true },
      { node: 'node1', up: true },
    ]);
    nodes[0]!.emit('block', { hash: 'aa', height: 1 }, '1');
    nodes[1]!.emit('tx', { id: 'bb' });
    nodes[1]!.emit('block', { hash: 'aa', height: 1 }, '5');
    await waitFor('three events', () => client.events.length >= 5, 5_000, 10);
    const merged = client.events.slice(2);
    expect(merged.map((e) => e.event).sort()).toEqual(['block', 'block', 'tx']);
    expect(merged.map(data)).toEqual(
      expect.arrayContaining([
        { node: 'node0', id: '1', data: { hash: 'aa', height: 1 } },
        { node: 'node1', data: { id: 'bb' } },
        { node: 'node1', id: '5', data: { hash: 'aa', height: 1 } },
      ]),
    );
  });

  it('reports a dropped stream, reconnects with the last event id, and carries on', async () => {
    nodes.push(await startFakeNode());
    const node = nodes[0]!;
    hub = new EventHub([{ name: 'node0', url: `${node.url}/events` }], FAST);
    hub.start();
    await waitFor('up', () => hub!.isUp('node0'), 5_000, 10);
    const client = await openSse(await serve(hub));
    clients.push(client);
    node.emit('block', { height: 1 }, '41');
    node.emit('block', { height: 2 }, '42');
    await waitFor(
      'two blocks',
      () => client.events.filter((e) => e.event === 'block').length === 2,
      5_000,
      10,
    );

    node.refuseEvents = 2; // the node is "restarting": two refusals before it answers again
    node.dropStreams();
    await waitFor('the reconnect', () => node.eventConnections.length === 4 && hub!.isUp('node0'), 5_000, 10);
    // The hub's "up again" reaches the client over its socket a moment after the hub knows it.
    await waitFor(
      'the client to hear it',
      () => client.events.filter((e) => e.event === 'node').length === 3,
      5_000,
      10,
    );
    // First connection without an id; every retry asks to resume after the last event seen.
    expect(node.eventConnections).toEqual([undefined, '42', '42', '42']);
    const states = client.events.filter((e) => e.event === 'node').map(data);
    expect(states).toEqual([
      { node: 'node0', up: true },
      { node: 'node0', up: false },
      { node: 'node0', up: true },
    ]);
    node.emit('block', { height: 3 }, '43');
    await waitFor(
      'the block after the reconnect',
      () => client.events.some((e) => data(e).id === '43'),
      5_000,
      10,
    );
  });

  it('numbers its own events; a client that reconnects with Last-Event-ID gets what it missed, once', async () => {
    nodes.push(await startFakeNode());
    const node = nodes[0]!;
    hub = new EventHub([{ name: 'node0', url: `${node.url}/events` }], { ...FAST, replayEvents: 3 });
    hub.start();
    await waitFor('up', () => hub!.isUp('node0'), 5_000, 10);
    const url = await serve(hub);
    const first = await openSse(url);
    clients.push(first);
    const blocks = (c: SseClient) => c.events.filter((e) => e.event === 'block');
    node.emit('block', { height: 1 }, 'n-1');
    await waitFor('the first block', () => blocks(first).length === 1, 5_000, 10);
    const seen = blocks(first)[0]!.id!;
    expect(seen).toMatch(/^[0-9a-z]+-[0-9]+$/); // an id of the hub's own stream
    first.close();
    await waitFor('the client to leave', () => hub!.clientCount === 0, 5_000, 10);
    node.emit('block', { height: 2 }, 'n-2');
    node.emit('block', { height: 3 }, 'n-3');
    await new Promise((r) => setTimeout(r, 100)); // both pass through the hub while nobody listens
    const again = await openSse(url, { 'last-event-id': seen });
    clients.push(again);
    node.emit('block', { height: 4 }, 'n-4');
    await waitFor('the replay and the live block', () => blocks(again).length >= 3, 5_000, 10);
    await new Promise((r) => setTimeout(r, 100));
    expect(blocks(again).map((e) => data(e).id)).toEqual(['n-2', 'n-3', 'n-4']);
    // Too old for the buffer (three events): one reset, and the client refetches.
    for (let h = 5; h <= 8; h++) node.emit('block', { height: h }, `n-${h}`);
    await waitFor('four more', () => blocks(again).length === 7, 5_000, 10);
    const stale = await openSse(`${url}/?lastEventId=${encodeURIComponent(seen)}`);
    clients.push(stale);
    await waitFor('the reset', () => stale.events.some((e) => e.event === 'reset'), 5_000, 10);
    expect(blocks(stale)).toEqual([]);
  });

  it('refuses clients past its limit with 503', async () => {
    hub = new EventHub([], FAST);
    hub.start();
    const url = await serve(hub);
    for (let i = 0; i < FAST.maxClients; i++) clients.push(await openSse(url));
    expect(clients.map((c) => c.status)).toEqual([200, 200, 200]);
    await waitFor('all counted', () => hub!.clientCount === FAST.maxClients, 5_000, 10);
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  });
});
