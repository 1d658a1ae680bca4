// GET /events over a real loopback socket: block, tx and reorg events, heartbeats, and the bounds that
// keep slow or too many clients from growing the node's memory.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { originNow } from '../../src/chain/origin.js';
import { toHex } from '../../src/consensus/bytes.js';
import { blockHash, txId } from '../../src/consensus/hash.js';
import { testKey, transfer } from '../helpers/chain-fixtures.js';
import { type Fixture, type FixtureOptions, openFixture, rawHex } from './fixture.js';

interface SseEvent {
  readonly event: string;
  readonly data: unknown;
  readonly id?: string;
}

/** A minimal SSE reader over fetch: collects events and comments as they arrive. */
class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** The `id:` of each event in `events` ('' when it had none). */
  readonly ids: string[] = [];
  private readonly abort = new AbortController();
  private buffer = '';
  status = 0;

  async open(url: string, headers: Record<string, string> = {}, query = ''): Promise<void> {
    const res = await fetch(`${url}/events${query}`, { signal: this.abort.signal, headers });
    this.status = res.status;
    if (!res.ok || !res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          this.buffer += decoder.decode(value, { stream: true });
          this.parse();
        }
      } catch {
        // aborted by close()
      }
    })();
  }

  private parse(): void {
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let data: string | undefined;
      let id: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
        else if (line.startsWith('id: ')) id = line.slice(4);
      }
      if (data !== undefined) this.ids.push(id ?? '');
      if (data !== undefined) this.events.push({ event, data: JSON.parse(data) });
    }
  }

  close(): void {
    this.abort.abort();
  }
}

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let f: Fixture | undefined;
const clients: SseClient[] = [];

async function start(opts: FixtureOptions = {}): Promise<{ fx: Fixture; url: string }> {
  f = await openFixture(opts);
  const { url } = await f.server.start();
  return { fx: f, url };
}

async function subscribe(url: string, headers: Record<string, string> = {}, query = ''): Promise<SseClient> {
  const c = new SseClient();
  clients.push(c);
  await c.open(url, headers, query);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await f?.close();
  f = undefined;
});

describe('GET /events', () => {
  it('delivers a block event for each block mined through POST /mine', async () => {
    const { fx, url } = await start();
    const sse = await subscribe(url);
    expect(sse.status).toBe(200);
    await until('the client to be registered', () => fx.server.eventClients === 1);
    const res = await fetch(`${url}/mine`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blocks: 2, to: fx.address(testKey(0).address) }),
    });
    const { hashes } = (await res.json()) as { hashes: string[] };
    await until('two block events', () => sse.events.length >= 2);
    const miner = fx.address(testKey(0).address);
    const work = (h: string) => fx.chain.index.get(h)!.chainWork.toString();
    expect(sse.events).toEqual([
      {
        event: 'block',
        data: {
          hash: hashes[0],
          height: 1,
          txs: 0,
          prevHash: toHex(fx.params.genesisHash),
          chainWork: work(hashes[0]!),
          miner,
          origin: 'mined',
          receivedAt: expect.any(Number),
        },
      },
      {
        event: 'block',
        data: {
          hash: hashes[1],
          height: 2,
          txs: 0,
          prevHash: hashes[0],
          chainWork: work(hashes[1]!),
          miner,
          origin: 'mined',
          receivedAt: expect.any(Number),
        },
      },
    ]);
  });

  it('delivers a tx event when the mempool accepts a tx, and the block that mines it', async () => {
    const { fx, url } = await start();
    const sse = await subscribe(url);
    await until('the client to be registered', () => fx.server.eventClients === 1);
    const tx = transfer(fx.params, testKey(0), testKey(1).address, 5n, 0n);
    const res = await fetch(`${url}/txs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ raw: rawHex(tx) }),
    });
    expect(res.status).toBe(202);
    await until('the tx event', () => sse.events.length >= 1);
    expect(sse.events[0]).toEqual({
      event: 'tx',
      data: { id: toHex(txId(tx)), origin: 'api', receivedAt: expect.any(Number) },
    });
    await fx.mine(1);
    await until('the block event', () => sse.events.length >= 2);
    expect(sse.events[1]).toMatchObject({ event: 'block', data: { height: 1, txs: 1 } });
  });

  it('delivers a reorg event when a heavier branch wins', async () => {
    const { fx, url } = await start();
    const sse = await subscribe(url);
    await until('the client to be registered', () => fx.server.eventClients === 1);
    const [a1, a2] = await fx.mine(2);
    // A three-block branch from genesis has more work than the two-block main chain.
    const branch = fx.builder.extend(3, { parent: fx.params.genesis, gap: 7 });
    for (const b of branch) await fx.chain.processBlock(b);
    await until('the reorg event', () => sse.events.some((e) => e.event === 'reorg'));
    const reorg = sse.events.find((e) => e.event === 'reorg');
    expect(reorg?.data).toEqual({
      depth: 2,
      oldTip: toHex(a2!),
      newTip: toHex(blockHash(branch[2]!.header)),
      fork: toHex(fx.params.genesisHash),
      forkHeight: 0,
      disconnected: [toHex(a1!), toHex(a2!)],
      connected: branch.map((b) => toHex(blockHash(b.header))),
      returnedTxs: [],
      returnedTxCount: 0,
    });
  });

  it('streams a side-branch block as block:stored, and a reorg names the txs that go back to the mempool', async () => {
    const { fx, url } = await start();
    const sse = await subscribe(url);
    await until('the client to be registered', () => fx.server.eventClients === 1);
    const tx = transfer(fx.params, testKey(0), testKey(1).address, 5n, 0n);
    const posted = await fetch(`${url}/txs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ raw: rawHex(tx) }),
    });
    expect(posted.status).toBe(202);
    const [a1, a2] = await fx.mine(2); // a1 carries the tx
    // A side branch from genesis: its first two blocks have no more work than the main chain, so they are
    // stored, not connected; the third makes it the heaviest.
    const branch = fx.builder.extend(3, { parent: fx.params.genesis, gap: 7 });
    const side = branch.map((b) => toHex(blockHash(b.header)));
    for (const b of branch.slice(0, 2)) await fx.chain.processBlock(b, originNow('gossip', 'peer-b'));
    await until(
      'two block:stored events',
      () => sse.events.filter((e) => e.event === 'block:stored').length === 2,
    );
    const stored = sse.events.filter((e) => e.event === 'block:stored');
    expect(stored.map((e) => e.data)).toEqual(
      side.slice(0, 2).map((hash, i) => ({
        hash,
        height: i + 1,
        txs: 0,
        prevHash: i === 0 ? toHex(fx.params.genesisHash) : side[0],
        chainWork: fx.chain.index.get(hash)!.chainWork.toString(),
        miner: expect.any(String),
        origin: 'gossip',
        peer: 'peer-b',
        receivedAt: expect.any(Number),
      })),
    );
    await fx.chain.processBlock(branch[2]!, originNow('gossip', 'peer-b'));
    await until('the reorg event', () => sse.events.some((e) => e.event === 'reorg'));
    const reorg = sse.events.find((e) => e.event === 'reorg')!.data as Record<string, unknown>;
    expect(reorg).toMatchObject({
      depth: 2,
      disconnected: [toHex(a1!), toHex(a2!)],
      connected: side,
      returnedTxs: [toHex(txId(tx))],
      returnedTxCount: 1,
    });
    // The tx is back in the mempool, as its own tx event (origin reorg) says.
    await until('the tx back', () =>
      sse.events.some((e) => e.event === 'tx' && (e.data as { origin?: string }).origin === 'reorg'),
    );
    // ?topics=block:stored is a topic of its own.
    const only = await subscribe(url, {}, '?topics=block:stored');
    expect(only.status).toBe(200);
  });

  it('sends a heartbeat comment on idle connections', async () => {
    const { url } = await start({ server: { events: { heartbeatMs: 30 } } });
    const sse = await subscribe(url);
    await until('a heartbeat', () => sse.comments.includes('heartbeat'));
  });

  it('refuses clients beyond maxClients with 503 UNAVAILABLE', async () => {
    const { fx, url } = await start({ server: { events: { maxClients: 1 } } });
    await subscribe(url);
    await until('the first client', () => fx.server.eventClients === 1);
    const res = await fetch(`${url}/events`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  });

  it('drops a client that stops reading once its unsent bytes pass the limit', async () => {
    const { fx, url } = await start({ server: { events: { maxBufferedBytes: 64 * 1024 } } });
    const reader = await subscribe(url); // a healthy client that keeps reading
    const { port } = new URL(url);
    const stalled: Socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => stalled.once('connect', resolve));
    stalled.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    stalled.pause(); // never reads: the kernel buffers fill, then the server's own buffer grows
    await until('both clients', () => fx.server.eventClients === 2);
    const tx = transfer(fx.params, testKey(0), testKey(1).address, 5n, 0n);
    const id = txId(tx);
    // Simulated mempool traffic: far more than the socket buffers can hold.
    for (let i = 0; i < 2_000_000 && fx.server.eventClients === 2; i++) {
      fx.mempool.emit('tx:added', { tx, id, ...originNow('gossip', 'peer-a') });
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await until('the stalled client to be dropped', () => fx.server.eventClients === 1);
    // The one left is the client that reads: it still gets every new event.
    await new Promise((r) => setTimeout(r, 200));
    const seen = reader.events.length;
    fx.mempool.emit('tx:added', { tx, id, ...originNow('gossip', 'peer-a') });
    await until('the reader to get the next event', () => reader.events.length > seen);
    stalled.destroy();
  });

  it('ends open streams on close, so the node can stop', async () => {
    const { fx, url } = await start();
    await subscribe(url);
    await until('the client', () => fx.server.eventClients === 1);
    await fx.server.close();
    expect(fx.server.eventClients).toBe(0);
  });
});

describe('GET /events: ids, resuming and topics', () => {
  const mineVia = async (fx: Fixture, url: string, blocks: number): Promise<string[]> => {
    const res = await fetch(`${url}/mine`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blocks, to: fx.address(testKey(0).address) }),
    });
    return ((await res.json()) as { hashes: string[] }).hashes;
  };
  const heights = (c: SseClient) =>
    c.events.filter((e) => e.event === 'block').map((e) => (e.data as { height: number }).height);

  it('gives every event an id of this stream, increasing', async () => {
    const { fx, url } = await start();
    const sse = await subscribe(url);
    await until('the client', () => fx.server.eventClients === 1);
    await mineVia(fx, url, 3);
    await until('three events', () => sse.events.length >= 3);
    const parsed = sse.ids.map((id) => /^([0-9a-z]+)-([0-9]+)$/.exec(id));
    expect(parsed.every((m) => m !== null)).toBe(true);
    expect(new Set(parsed.map((m) => m![1])).size).toBe(1);
    const seqs = parsed.map((m) => Number(m![2]));
    expect(seqs).toEqual([seqs[0]!, seqs[0]! + 1, seqs[0]! + 2]);
  });

  it('replays what a client missed when it reconnects with Last-Event-ID, in order and none twice', async () => {
    const { fx, url } = await start();
    const first = await subscribe(url);
    await until('the client', () => fx.server.eventClients === 1);
    await mineVia(fx, url, 2);
    await until('two events', () => first.events.length >= 2);
    const lastSeen = first.ids[1]!;
    first.close();
    await until('the client to leave', () => fx.server.eventClients === 0);
    const missed = await mineVia(fx, url, 3); // heights 3, 4, 5 while nobody listens
    const again = await subscribe(url, { 'last-event-id': lastSeen });
    await until('the replay', () => again.events.length >= 3);
    await mineVia(fx, url, 1); // then live again
    await until('the live event', () => again.events.length >= 4);
    expect(heights(again)).toEqual([3, 4, 5, 6]);
    expect(again.events.slice(0, 3).map((e) => (e.data as { hash: string }).hash)).toEqual(missed);
    expect(again.events.some((e) => e.event === 'reset')).toBe(false);
    // The same through the query parameter (for a page that opens a new EventSource itself).
    const viaQuery = await subscribe(url, {}, `?lastEventId=${encodeURIComponent(lastSeen)}`);
    await until('the replay by query', () => viaQuery.events.length >= 4);
    expect(heights(viaQuery)).toEqual([3, 4, 5, 6]);
  });

  it('sends one reset event when the id is older than the replay buffer', async () => {
    const { fx, url } = await start({ server: { events: { replayEvents: 2 } } });
    const first = await subscribe(url);
    await until('the client', () => fx.server.eventClients === 1);
    await mineVia(fx, url, 5);
    await until('five events', () => first.events.length >= 5);
    const again = await subscribe(url, { 'last-event-id': first.ids[0]! });
    await until('the reset', () => again.events.length >= 1);
    expect(again.events[0]).toMatchObject({ event: 'reset', data: { lastEventId: first.ids[4] } });
    expect(again.ids[0]).toBe(first.ids[4]);
    // The buffer holds the last two; an id just before them still replays.
    const near = await subscribe(url, { 'last-event-id': first.ids[2]! });
    await until('the replay', () => near.events.length >= 2);
    expect(heights(near)).toEqual([4, 5]);
  });

  it('sends a reset for an id of another run of the node (another epoch)', async () => {
    const { fx, url } = await start();
    await fx.mine(1);
    const sse = await subscribe(url, { 'last-event-id': 'zzzzzz-1' });
    await until('the reset', () => sse.events.length >= 1);
    expect(sse.events[0]).toMatchObject({
      event: 'reset',
      data: { reason: expect.stringContaining('restarted') },
    });
  });

  it('keeps only the topics asked for with ?topics=, and refuses an unknown topic', async () => {
    const { fx, url } = await start();
    const blocksOnly = await subscribe(url, {}, '?topics=block');
    await until('the client', () => fx.server.eventClients === 1);
    const tx = transfer(fx.params, testKey(0), testKey(1).address, 5n, 0n);
    fx.mempool.emit('tx:added', { tx, id: txId(tx), ...originNow('api') });
    await mineVia(fx, url, 1);
    await until('the block', () => blocksOnly.events.length >= 1);
    expect(blocksOnly.events.map((e) => e.event)).toEqual(['block']);
    const bad = await fetch(`${url}/events?topics=block,nope`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'BAD_REQUEST', message: expect.stringContaining('nope') },
    });
  });
});
