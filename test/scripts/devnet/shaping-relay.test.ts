// The shaping relay over real TCP on 127.0.0.1: the delay a client measures through it matches the one
// configured, the bandwidth limit holds, and cut/heal behave like pulling and replugging a cable.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLinkShape } from '../../../scripts/devnet/link-shape.js';
import { ShapingRelay } from '../../../scripts/devnet/shaping-relay.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function echoServer(): Promise<number> {
  const server: Server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as { port: number }).port;
}

async function relayTo(port: number, shape: Parameters<typeof parseLinkShape>[0]): Promise<ShapingRelay> {
  const relay = new ShapingRelay({
    listen: { host: '127.0.0.1', port: 0 },
    target: { host: '127.0.0.1', port },
    shape: parseLinkShape(shape),
  });
  await relay.start();
  cleanups.push(() => relay.stop());
  return relay;
}

async function connect(port: number, localAddress?: string): Promise<Socket> {
  const s = createConnection({ host: '127.0.0.1', port, localAddress });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  cleanups.push(() => void s.destroy());
  return s;
}

/** Sends `bytes` and resolves with the ms until all of them came back. */
function roundTrip(s: Socket, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const start = performance.now();
    const onData = (chunk: Buffer) => {
      got += chunk.length;
      if (got >= bytes) {
        s.off('data', onData);
        resolve(performance.now() - start);
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.write(Buffer.alloc(bytes, 7));
  });
}

describe('ShapingRelay', () => {
  it('a round trip through a 60 ms link takes 120 ms: the configured delay each way', async () => {
    const relay = await relayTo(await echoServer(), { delay: '60ms' });
    const s = await connect(relay.address.port);
    const rtts: number[] = [];
    for (let i = 0; i < 7; i++) rtts.push(await roundTrip(s, 64));
    rtts.sort((a, b) => a - b);
    // Never faster than the link allows; the median within what timers and a loaded machine add.
    expect(rtts[0]).toBeGreaterThanOrEqual(119);
    expect(rtts[3]).toBeLessThan(120 + 80);
  });

  it('delivers every byte in order under jitter and loss', async () => {
    const relay = await relayTo(await echoServer(), { delay: '5ms', jitter: '20ms', loss: '5%' });
    const s = await connect(relay.address.port);
    const sent = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251));
    const received: Buffer[] = [];
    let size = 0;
    const done = new Promise<void>((resolve) => {
      s.on('data', (c: Buffer) => {
        received.push(c);
        size += c.length;
        if (size >= sent.length) resolve();
      });
    });
    s.write(sent);
    await done;
    expect(Buffer.concat(received).equals(sent)).toBe(true);
  });

  it('holds the bandwidth: 250 kB at 2 Mbit/s (250 kB/s) each way take at least 1 s', async () => {
    const relay = await relayTo(await echoServer(), { bandwidth: '2mbit' });
    const s = await connect(relay.address.port);
    const ms = await roundTrip(s, 250_000);
    // The echo returns bytes while the rest is still arriving, so the two directions overlap: the
    // whole trip takes at least one direction's serialisation time, 250,000 / 250,000 s.
    expect(ms).toBeGreaterThanOrEqual(990);
    expect(ms).toBeLessThan(4_000);
  });

  it('an answer followed at once by the close (HTTP "Connection: close") arrives whole, shaped or not', async () => {
    const body = 'x'.repeat(100_000);
    const server = createHttpServer((_req, res) => {
      res.setHeader('connection', 'close');
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    for (const shape of [{}, { delay: '30ms', bandwidth: '8mbit' }]) {
      const relay = await relayTo(port, shape);
      for (let i = 0; i < 5; i++) {
        const text = await new Promise<string>((resolve, reject) => {
          // agent: false, as the CLIs' API client sends it: one connection per request, closed after.
          const req = httpRequest({ host: '127.0.0.1', port: relay.address.port, agent: false }, (res) => {
            let got = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (got += d));
            res.on('end', () => resolve(got));
            res.on('error', reject);
          });
          req.on('error', reject);
          req.end();
        });
        expect(text.length).toBe(body.length);
      }
    }
  });

  it('a client that half-closes after its request still gets the whole answer', async () => {
    const server = createServer({ allowHalfOpen: true }, (s) => {
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('end', () => setTimeout(() => s.end(`echo:${got}`), 50));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const relay = await relayTo((server.address() as { port: number }).port, { delay: '20ms' });
    const s = createConnection({ host: '127.0.0.1', port: relay.address.port, allowHalfOpen: true });
    cleanups.push(() => void s.destroy());
    let answer = '';
    s.on('data', (d) => (answer += d));
    const ended = new Promise<void>((r) => s.on('end', () => r()));
    s.end('hello');
    await ended;
    expect(answer).toBe('echo:hello');
  });

  it('cut drops open connections and refuses new ones until heal', async () => {
    const relay = await relayTo(await echoServer(), {});
    const s = await connect(relay.address.port);
    expect(await roundTrip(s, 10)).toBeGreaterThanOrEqual(0);
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    relay.cutLink();
    await closed;
    const refused = await connect(relay.address.port);
    await new Promise<void>((r) => refused.once('close', () => r()));
    relay.heal();
    const again = await connect(relay.address.port);
    expect(await roundTrip(again, 10)).toBeGreaterThanOrEqual(0);
    expect(relay.connections).toBe(2);
  });

  it('a new shape applies to open connections', async () => {
    const relay = await relayTo(await echoServer(), {});
    const s = await connect(relay.address.port);
    expect(await roundTrip(s, 10)).toBeLessThan(100);
    relay.setShape(parseLinkShape({ delay: '100ms' }));
    expect(await roundTrip(s, 10)).toBeGreaterThanOrEqual(199);
  });

  it('shapes each connection by its source address: one relay, a link per peer', async () => {
    // All of 127.0.0.0/8 is this machine, so two "hosts" can dial from two source addresses.
    const relay = await relayTo(await echoServer(), {});
    relay.setLink('127.0.0.2', parseLinkShape({ delay: '80ms' }));
    const slow = await connect(relay.address.port, '127.0.0.2');
    const fast = await connect(relay.address.port, '127.0.0.3');
    expect(await roundTrip(slow, 10)).toBeGreaterThanOrEqual(159);
    expect(await roundTrip(fast, 10)).toBeLessThan(80);
    // Changing the link reaches the open connection; removing it falls back to the default shape.
    relay.setLink('127.0.0.2', undefined);
    expect(await roundTrip(slow, 10)).toBeLessThan(80);
    expect(relay.shapeFor('127.0.0.2')).toEqual(relay.currentShape);
  });

  it('forwards through a Unix socket (how a namespaced node’s API reaches the devnet)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-relay-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const inner = new ShapingRelay({
      listen: { path: join(dir, 'api.sock') },
      target: { host: '127.0.0.1', port: await echoServer() },
    });
    await inner.start();
    cleanups.push(() => inner.stop());
    const outer = new ShapingRelay({
      listen: { host: '127.0.0.1', port: 0 },
      target: { path: join(dir, 'api.sock') },
    });
    await outer.start();
    cleanups.push(() => outer.stop());
    const s = await connect(outer.address.port);
    expect(await roundTrip(s, 1000)).toBeGreaterThanOrEqual(0);
  });
});
