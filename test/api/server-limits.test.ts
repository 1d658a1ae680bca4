// What a slow, idle or malformed client can do to the API (issue 13 defect 5), over raw TCP so that the
// bytes go out exactly as written: HEAD /events answers and holds no stream slot; every refusal, even the
// HTTP parser's and the router's own, is {"error":{"code","message"}}; slowloris headers and dripped
// bodies are closed by the timeouts; connections are capped. Before the fix HEAD /events never answered
// and held its slot, these refusals had fastify's own bodies, and a dripped body stayed open for good.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiLimits } from '../../src/api/server.js';
import { type Fixture, openFixture } from './fixture.js';

interface RawReply {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
  /** How the connection ended: closed by the server, reset, or still open at the deadline. */
  readonly end: 'closed' | 'reset' | 'open';
}

/** Writes `chunks` (a function writes them itself, dripping), reads until the server closes or `ms` pass. */
function raw(
  port: number,
  chunks: (string | Buffer)[] | ((s: Socket) => void),
  ms = 5_000,
): Promise<RawReply> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let end: RawReply['end'] = 'open';
    const timer = setTimeout(() => s.destroy(), ms);
    s.on('data', (d) => got.push(d));
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') end = 'reset';
    });
    s.on('end', () => {
      if (end === 'open') end = 'closed';
    });
    s.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(got).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body: rest.join('\r\n\r\n'), end });
    });
    if (typeof chunks === 'function') chunks(s);
    else for (const c of chunks) s.write(c);
  });
}

function errorOf(r: RawReply): { code: string; message: string } {
  const body = JSON.parse(r.body) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code).toBe('string');
  expect(typeof body.error?.message).toBe('string');
  return body.error as { code: string; message: string };
}

const HOST = 'Host: 127.0.0.1\r\n';

async function open(limits: Partial<ApiLimits> = {}, maxClients = 3): Promise<{ f: Fixture; port: number }> {
  const f = await openFixture({ server: { limits, events: { maxClients } } });
  const port = Number(new URL((await f.server.start()).url).port);
  return { f, port };
}

describe('HEAD /events', () => {
  let f: Fixture;
  let port: number;
  beforeAll(async () => {
    ({ f, port } = await open());
  });
  afterAll(async () => {
    await f?.close();
  });

  it('answers the stream headers at once and holds no stream slot', async () => {
    // Three times the stream cap: before the fix the fourth already got 503 (and none of them answered).
    for (let i = 0; i < 9; i++) {
      const r = await raw(port, [`HEAD /events HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`]);
      expect(r.status).toBe(200);
      expect(r.headers).toMatch(/content-type: text\/event-stream/i);
      expect(r.end).toBe('closed');
    }
    expect(f.server.eventClients).toBe(0);
    const stream = await raw(port, [`GET /events HTTP/1.1\r\n${HOST}\r\n`], 300);
    expect(stream.status).toBe(200);
    expect(stream.body).toMatch(/: connected/);
  });
});

describe('every refusal has the one error shape', () => {
  let f: Fixture;
  let port: number;
  beforeAll(async () => {
    ({ f, port } = await open());
  });
  afterAll(async () => {
    await f?.close();
  });

  const get = (path: string | Buffer) => [
    Buffer.concat([
      Buffer.from('GET '),
      Buffer.from(path),
      Buffer.from(` HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`),
    ]),
  ];
  const e9 = Buffer.from([0xc3, 0xa9]); // "é" as raw UTF-8

  it.each<[string, (string | Buffer)[], number, string]>([
    ['invalid percent-encoding in the path', get('/blocks/%'), 400, 'BAD_URL'],
    ['a truncated UTF-8 escape', get('/txs/%e2%82'), 400, 'BAD_URL'],
    ['a path parameter longer than any hash', get(`/blocks/${'a'.repeat(200)}`), 414, 'URI_TOO_LONG'],
    ['a request line over the header limit', get(`/blocks/${'9'.repeat(100_000)}`), 431, 'HEADERS_TOO_LARGE'],
    [
      'headers over the limit',
      [`GET /status HTTP/1.1\r\n${HOST}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
      431,
      'HEADERS_TOO_LARGE',
    ],
    [
      'a raw non-ASCII byte in the query',
      get(Buffer.concat([Buffer.from('/blocks/x?limit='), e9])),
      400,
      'BAD_REQUEST',
    ],
    [
      'a raw non-ASCII byte in the path',
      get(Buffer.concat([Buffer.from('/blocks/'), e9])),
      400,
      'BAD_REQUEST',
    ],
    ['not HTTP at all', ['GARBAGE\r\n\r\n'], 400, 'BAD_REQUEST'],
    ['a bad header line', [`GET /status HTTP/1.1\r\n${HOST}bad header\r\n\r\n`], 400, 'BAD_REQUEST'],
    ['HTTP/1.1 without Host', ['GET /status HTTP/1.1\r\nConnection: close\r\n\r\n'], 400, 'BAD_REQUEST'],
    ['a bad Content-Length', [`POST /txs HTTP/1.1\r\n${HOST}Content-Length: x\r\n\r\n`], 400, 'BAD_REQUEST'],
  ])('%s', async (_name, chunks, status, code) => {
    const r = await raw(port, chunks);
    expect(r.status).toBe(status);
    expect(r.headers).toMatch(/content-type: application\/json/i);
    expect(errorOf(r).code).toBe(code);
    expect(r.end).not.toBe('reset');
  });

  it('a raw non-ASCII path followed by more bytes: the answer arrives and the connection closes, no reset', async () => {
    const path = Buffer.concat([Buffer.from('POST /blocks/'), Buffer.from([0xff, 0xfe])]);
    const r = await raw(port, (s) => {
      s.write(Buffer.concat([path, Buffer.from(` HTTP/1.1\r\n${HOST}Content-Length: 100000\r\n\r\n`)]));
      s.write(Buffer.alloc(100_000, 0x61));
      s.end();
    });
    expect(r.status).toBe(400);
    expect(errorOf(r).code).toBe('BAD_REQUEST');
    expect(r.end).toBe('closed');
  });

  it('the node keeps answering afterwards', async () => {
    const r = await raw(port, [`GET /status HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`]);
    expect(r.status).toBe(200);
  });
});

describe('timeouts and the connection cap', () => {
  let f: Fixture;
  let port: number;
  const limits: Partial<ApiLimits> = {
    headersTimeoutMs: 400,
    requestTimeoutMs: 800,
    checkIntervalMs: 100,
    keepAliveTimeoutMs: 400,
    maxConnections: 6,
  };
  beforeAll(async () => {
    ({ f, port } = await open(limits));
  });
  afterAll(async () => {
    await f?.close();
  });

  /** Writes `chunk` every 100 ms until the server closes the connection. */
  const drip = (first: string, chunk: string) => (s: Socket) => {
    s.write(first);
    const t = setInterval(() => s.writable && s.write(chunk), 100);
    s.on('close', () => clearInterval(t));
  };

  it('closes a slowloris (headers dripped forever) with 408 REQUEST_TIMEOUT', async () => {
    const r = await raw(port, drip(`GET /status HTTP/1.1\r\n${HOST}`, 'X-a: b\r\n'));
    expect(r.status).toBe(408);
    expect(errorOf(r).code).toBe('REQUEST_TIMEOUT');
    expect(r.end).not.toBe('open');
  });

  it('closes a dripped body with 408, within the request timeout (not the headers timeout of 60 s)', async () => {
    const head = `POST /txs HTTP/1.1\r\n${HOST}Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n`;
    const r = await raw(port, drip(head, 'a'));
    expect(r.status).toBe(408);
    expect(errorOf(r).code).toBe('REQUEST_TIMEOUT');
    expect(r.end).not.toBe('open');
  });

  it('closes a connection that never sends a byte', async () => {
    const r = await raw(port, []);
    expect(r.end).not.toBe('open');
  });

  it('caps open connections; the cap frees as they close', async () => {
    const idle: Socket[] = [];
    const opened = Array.from({ length: limits.maxConnections! }, () => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      idle.push(s);
      return new Promise((r) => s.once('connect', r));
    });
    await Promise.all(opened);
    // Node accepts then closes the one over the cap: no answer, and closed long before any timeout.
    const over = await raw(port, [`GET /status HTTP/1.1\r\n${HOST}\r\n`], 3_000);
    expect(over.status).toBe(0);
    expect(over.end).not.toBe('open');
    for (const s of idle) s.destroy();
    // Poll with a deadline: the server counts the closed sockets as their close events arrive.
    const deadline = Date.now() + 5_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await raw(port, [`GET /status HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`], 2_000)).status;
    }
    expect(status).toBe(200);
  });

  it('a request that keeps to the limits is answered', async () => {
    const r = await raw(port, [`GET /status HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`]);
    expect(r.status).toBe(200);
  });
});
