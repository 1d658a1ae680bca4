// The shared client's transport: the token header, the error body decoded into ClientError, --wait.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/client/api-client.js';
import { ClientError } from '../../src/client/errors.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

async function serve(
  handler: (req: IncomingMessage) => [number, unknown],
  port = 0,
): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const s = createServer((req, res) => {
    seen.push(req);
    const [status, body] = handler(req);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
}

async function failure(p: Promise<unknown>): Promise<ClientError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ClientError) return e;
    throw e;
  }
  throw new Error('did not fail');
}

const STATUS = { network: 'regtest', genesisHash: 'ab'.repeat(32), height: 7 };

describe('ApiClient transport', () => {
  it('sends the token as "Authorization: Bearer", and no header without one', async () => {
    const { url, seen } = await serve(() => [200, STATUS]);
    await new ApiClient(url, { token: 'secret-token-0123456789' }).status();
    await new ApiClient(url).status();
    expect(seen[0]!.headers.authorization).toBe('Bearer secret-token-0123456789');
    expect(seen[1]!.headers.authorization).toBeUndefined();
  });

  it('decodes {"error":{"code","message"}} into one ClientError with the status and the node message', async () => {
    const { url } = await serve(() => [401, { error: { code: 'UNAUTHORIZED', message: 'needs a token' } }]);
    const e = await failure(new ApiClient(url).get('/status'));
    expect(e).toMatchObject({ kind: 'NODE_REJECTED', code: 'UNAUTHORIZED' });
    expect(e.detail).toEqual({ url, status: 401, nodeMessage: 'needs a token' });
    expect(e.message).toBe('the node rejected GET /status: UNAUTHORIZED: needs a token');
  });

  it('POST sends JSON with its length; mine() returns the hashes', async () => {
    let body = '';
    const s = createServer((req, res) => {
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        expect(req.headers['content-type']).toBe('application/json');
        expect(Number(req.headers['content-length'])).toBe(Buffer.byteLength(body));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ hashes: ['cd'.repeat(32)] }));
      });
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    expect(await new ApiClient(url).mine(1, 'cairn1…ü')).toEqual(['cd'.repeat(32)]);
    expect(JSON.parse(body)).toEqual({ blocks: 1, to: 'cairn1…ü' });
  });

  it('waitUntilUp polls through "nothing answers" until the node is up, then returns', async () => {
    // Find a free port, leave it closed, and open it only after the client has started waiting.
    const probe = await serve(() => [200, STATUS]);
    const port = Number(new URL(probe.url).port);
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    const client = new ApiClient(`http://127.0.0.1:${port}`, { timeoutMs: 1000 });
    expect((await failure(client.status())).kind).toBe('NODE_UNREACHABLE');
    const waiting = client.waitUntilUp(20, 50);
    await new Promise((r) => setTimeout(r, 300));
    const { seen } = await serve(() => [200, STATUS], port);
    await waiting;
    expect(seen.length).toBeGreaterThanOrEqual(1);
  });

  it('waitUntilUp gives up at its deadline, and does not wait out an answer that is an error', async () => {
    const closed = await serve(() => [200, STATUS]);
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    const started = Date.now();
    const e = await failure(new ApiClient(closed.url).waitUntilUp(0.3, 50));
    expect(e.kind).toBe('NODE_UNREACHABLE');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const { url } = await serve(() => [503, { error: { code: 'UNAVAILABLE', message: 'busy' } }]);
    expect((await failure(new ApiClient(url).waitUntilUp(30))).code).toBe('UNAVAILABLE');
  });
});
