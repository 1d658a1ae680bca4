// A stand-in for a node's HTTP API on 127.0.0.1 (real HTTP, real sockets): just the routes the devnet's
// aggregator uses, recording what it was sent. The event stream can be fed, dropped, or refused.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sseParser } from '../../../scripts/devnet/event-hub.js';
import { fromHex, toHex } from '../../../src/consensus/bytes.js';
import { decodeTx } from '../../../src/consensus/encoding.js';
import { txId } from '../../../src/consensus/hash.js';

export interface FakeNode {
  readonly port: number;
  readonly url: string;
  /** The Last-Event-ID header of each /events connection, in order (undefined when none was sent). */
  readonly eventConnections: (string | undefined)[];
  readonly posts: { path: string; body: unknown }[];
  /** How many /events requests to refuse with 503 before accepting (set before it is asked). */
  refuseEvents: number;
  readonly genesisHash: string;
  nextNonce: string;
  /** Sends one event to every open /events stream. */
  emit(event: string, data: unknown, id?: string): void;
  /** Drops every open /events stream (as a node that crashed would). */
  dropStreams(): void;
  close(): Promise<void>;
}

export async function startFakeNode(genesisHash = '11'.repeat(32)): Promise<FakeNode> {
  const streams = new Set<ServerResponse>();
  let server: Server;
  const node: Omit<FakeNode, 'port' | 'url'> = {
    eventConnections: [],
    posts: [],
    refuseEvents: 0,
    genesisHash,
    nextNonce: '0',
    emit(event, data, id) {
      const chunk = `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      for (const res of streams) res.write(chunk);
    },
    dropStreams() {
      for (const res of streams) res.destroy();
      streams.clear();
    },
    async close() {
      node.dropStreams();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    if (req.method === 'GET' && path === '/events') {
      node.eventConnections.push(req.headers['last-event-id'] as string | undefined);
      if (node.refuseEvents > 0) {
        node.refuseEvents--;
        return json(res, 503, { error: { code: 'UNAVAILABLE', message: 'starting' } });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': connected\n\n');
      streams.add(res);
      res.once('close', () => streams.delete(res));
      return;
    }
    if (req.method === 'GET' && path === '/status') return json(res, 200, { height: 0, genesisHash });
    if (req.method === 'GET' && path === '/chain/tips')
      return json(res, 200, [
        { hash: genesisHash, height: 0, chainWork: '1', branchLength: 0, status: 'active' },
      ]);
    if (req.method === 'GET' && path === '/peers') return json(res, 200, []);
    if (req.method === 'GET' && path.startsWith('/mempool')) return json(res, 200, [{ id: 'aa'.repeat(32) }]);
    if (req.method === 'GET' && path.startsWith('/accounts/'))
      return json(res, 200, { balance: '0', nonce: '0', nextNonce: node.nextNonce });
    if (req.method === 'POST') {
      let text = '';
      for await (const chunk of req) text += chunk;
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      node.posts.push({ path, body });
      if (path === '/txs') {
        const raw = (body as { raw: string }).raw;
        return json(res, 202, { id: toHex(txId(decodeTx(fromHex(raw)))) });
      }
      return json(res, 200, { ok: true });
    }
    json(res, 404, { error: { code: 'NOT_FOUND', message: path } });
  };
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(node, { port, url: `http://127.0.0.1:${port}` }) as FakeNode;
}

/** A client of an SSE URL: every event it has received so far, parsed. */
export interface SseClient {
  readonly events: { event: string; data: string; id?: string | undefined }[];
  readonly status: number;
  close(): void;
}

/** Opens `url` as an event stream and keeps parsing it in the background until close(). */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const events: SseClient['events'] = [];
  const feed = sseParser((e) => events.push(e));
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of res.body!) feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // closed
    }
  })();
  return { events, status: res.status, close: () => abort.abort() };
}
