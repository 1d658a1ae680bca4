// The origin of blocks and txs in the server-sent events (contract 2, src/chain/origin.ts): a block or tx
// event carries origin, peer and receivedAt exactly when the service's event has them.
import { afterEach, describe, expect, it } from 'vitest';
import { originFields } from '../../../src/api/routes/events.js';
import type { EventOrigin } from '../../../src/api/services.js';
import type { ConnectedBlock } from '../../../src/chain/chain.js';
import { toHex } from '../../../src/consensus/bytes.js';
import { txId } from '../../../src/consensus/hash.js';
import { testKey, transfer } from '../../helpers/chain-fixtures.js';
import { type Fixture, openFixture } from '../fixture.js';

interface SseEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** Reads `GET /events` over a real socket and collects the events as they arrive. */
async function subscribe(url: string, abort: AbortController): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const res = await fetch(`${url}/events`, { signal: abort.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return events;
}

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let fx: Fixture | undefined;
const aborts: AbortController[] = [];

afterEach(async () => {
  for (const a of aborts.splice(0)) a.abort();
  await fx?.close();
  fx = undefined;
});

async function open(): Promise<{ f: Fixture; events: SseEvent[] }> {
  const f = await openFixture();
  fx = f;
  const { url } = await f.server.start();
  const abort = new AbortController();
  aborts.push(abort);
  const events = await subscribe(url, abort);
  await until('the client to be registered', () => f.server.eventClients === 1);
  return { f, events };
}

describe('origin in server-sent events', () => {
  it('adds origin, peer and receivedAt to a block event when the chain event has them', async () => {
    const { f, events } = await open();
    // A real connected block, captured from the chain, then re-emitted as the chain does once its
    // events carry their origin (flat fields of the payload).
    const seen: ConnectedBlock[] = [];
    f.chain.on('block:connected', (b) => seen.push(b));
    const [hash] = await f.mine(1);
    await until('the plain block event', () => events.length === 1);
    const plain = events[0]!;
    const withOrigin: ConnectedBlock & EventOrigin = {
      ...seen[0]!,
      origin: 'gossip',
      peer: '12D3KooWpeer',
      receivedAt: 1234,
    };
    f.chain.emit('block:connected', withOrigin);
    await until('the block event with its origin', () => events.length === 2);
    const base = { hash: toHex(hash!), height: 1, txs: 0 };
    // Whatever the base commit's chain puts in its event, the origin fields appear exactly as given.
    expect(events[1]).toEqual({
      event: 'block',
      data: { ...base, ...plain.data, origin: 'gossip', peer: '12D3KooWpeer', receivedAt: 1234 },
    });
    expect(plain.data).toMatchObject(base);
  });

  it('adds the origin of a tx event when the mempool event has one, and none when it has none', async () => {
    const { f, events } = await open();
    const tx = transfer(f.params, testKey(0), testKey(1).address, 5n, 0n);
    const id = txId(tx);
    const emit = f.mempool.emit as (e: string, ...args: unknown[]) => boolean;
    emit.call(f.mempool, 'tx:added', { tx, id });
    emit.call(f.mempool, 'tx:added', { tx, id, origin: 'api', receivedAt: 99 });
    await until('two tx events', () => events.length === 2);
    expect(events).toEqual([
      { event: 'tx', data: { id: toHex(id) } },
      { event: 'tx', data: { id: toHex(id), origin: 'api', receivedAt: 99 } },
    ]);
  });
});

describe('originFields', () => {
  it('keeps the fields that are present and only those', () => {
    expect(originFields(undefined)).toEqual({});
    expect(originFields({})).toEqual({});
    expect(originFields({ origin: 'sync', peer: 'p', receivedAt: 5 })).toEqual({
      origin: 'sync',
      peer: 'p',
      receivedAt: 5,
    });
    const mined = originFields({ origin: 'mined', receivedAt: 7 });
    expect(mined).toEqual({ origin: 'mined', receivedAt: 7 });
    expect('peer' in mined).toBe(false);
  });
});
