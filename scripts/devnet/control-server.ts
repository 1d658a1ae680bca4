// The supervisor's one HTTP server, on 127.0.0.1 only: the devnet's aggregator for the live dashboard and
// the controls that `npm run devnet -- …` uses from another terminal.
//
//   GET  /                              the dashboard (dist/web/index.html and its assets; 503 if not built)
//   GET  /devnet/state                  the nodes, their API URLs, running/up, the partition groups
//   GET  /devnet/events                 every node's /events in one stream, each event tagged with its node
//   GET  /devnet/nodes/NODE/api/PATH    GET PATH on that node's API (read-only), so the page stays same-origin
//   GET  /devnet/snapshot               every node's /status, /chain/tips, /peers and /mempool in one answer
//                                       (a node that is down is named as down, not a failed request)
//   POST /devnet/partition              {"groups": ["0,1", "2"]}   (as `devnet -- partition 0,1 2`)
//   POST /devnet/heal                                             (as `devnet -- heal`)
//   POST /devnet/nodes/NODE/stop|start|kill                       (as `devnet -- stop N` …)
//   POST /devnet/transfer               {"from":"dev0","to":"dev1","amount":"1.5","node"?:"node2"}
//   POST /devnet/link                   {"links":["0-1"],"shape":{"delay":"200ms","loss":"2%"}}  host mode
//                                                                 (as `devnet -- link 0-1 --delay 200ms`;
//                                                                 answers once every host agent applied it)
//
// The page reads each node through the proxy rather than at the node's own port: a page may read only its
// own origin (the node API sends no CORS headers, and refuses cross-origin writes), and the proxy passes
// GET and HEAD only, so it can read a node but never change one.
//
// The controls can stop processes and spend the dev keys, so they answer loopback only, twice over: the
// peer address must be loopback, and so must the Host header (a page on another site that a DNS name
// points at 127.0.0.1 would send its own name: DNS rebinding). A POST must be JSON and, if it says where it
// comes from (Origin), come from a loopback page: a form on another site cannot post JSON, and fetch
// from there sends its Origin.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { hostOf, isLoopback } from '../../src/api/server.js';
import { parseCoins } from '../../wallet/amount.js';
import type { EventHub } from './event-hub.js';
import type { HostNetwork } from './host-network.js';
import { describeShape, parseLinkShape } from './link-shape.js';
import { parseLinks } from './links.js';
import { sendDevTransfer } from './load.js';
import {
  blockListNetwork,
  DevnetInputError,
  type DevnetNetwork,
  describeGroups,
  partitionGroups,
} from './partition.js';
import { apiOf, DEVNET_DIR, type DevnetState, findNode, type NodeSpec, ROOT, readNodeInfo } from './state.js';
import type { Supervisor } from './supervisor.js';

export { hostOf };

export const DEFAULT_WEB_DIR = join(ROOT, 'dist', 'web');
export const NOT_BUILT =
  'the dashboard is not built (dist/web/index.html is missing): build it with `npm run build`, then reload\n';

/** Why a request is refused before routing, or undefined if it may go on. */
export function refusal(req: IncomingMessage): string | undefined {
  if (!isLoopback(req.socket.remoteAddress ?? ''))
    return 'the devnet supervisor answers loopback clients only';
  if (!isLoopback(hostOf(req.headers.host ?? '')))
    return `the Host header must name a loopback address (got ${JSON.stringify(req.headers.host ?? '')})`;
  if (req.method === 'POST') {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let host = '';
      try {
        host = new URL(origin).hostname;
      } catch {
        // not a URL ("null" from a sandboxed page): refused below
      }
      if (!isLoopback(host)) return `a control may be posted only from a loopback page (Origin ${origin})`;
    }
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
      return 'a control must be posted as application/json';
  }
  return undefined;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 64 * 1024;
/** A node that takes longer than this to answer a read is reported as down (502 NODE_DOWN). */
const PROXY_TIMEOUT_MS = 10_000;
/** The snapshot waits at most this long for a node (it is polled every couple of seconds). */
const SNAPSHOT_TIMEOUT_MS = 3_000;

/** The same-origin prefix under which the aggregator proxies reads of `node`'s API. */
export const proxyBase = (node: NodeSpec) => `/devnet/nodes/${node.name}/api`;

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_BODY) throw new HttpError(413, 'TOO_LARGE', 'the body is over 64 KiB');
  }
  if (text.trim() === '') return {};
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === 'object' && body !== null && !Array.isArray(body))
      return body as Record<string, unknown>;
  } catch {
    // below
  }
  throw new HttpError(400, 'BAD_REQUEST', 'the body must be a JSON object');
}

export interface ControlServerOptions {
  readonly state: DevnetState;
  readonly supervisor: Pick<Supervisor, 'startNode' | 'stopNode' | 'isRunning'>;
  readonly hub: EventHub;
  readonly dir?: string;
  /** Where the built dashboard is (default dist/web/). */
  readonly webDir?: string;
  /** Host mode: the namespaces, links and link shapes (partition cuts links; `link` shapes them). */
  readonly hosts?: HostNetwork;
}

export class ControlServer {
  private server: Server | undefined;
  /** The groups of the last partition, by node name; null when healed (or never split). */
  private groups: string[][] | null = null;

  private readonly network: DevnetNetwork;

  constructor(private readonly opts: ControlServerOptions) {
    this.network = opts.hosts ?? blockListNetwork(opts.state, opts.dir);
  }

  /** What GET /devnet/state answers. */
  snapshot(): unknown {
    const { state, supervisor, hub } = this.opts;
    return {
      control: state.control,
      events: `${state.control}/devnet/events`,
      regtest: state.regtest,
      partition: this.groups,
      /** Host mode: each link shaped by `devnet -- link`, in words (unlisted links are unshaped). */
      links:
        this.opts.hosts?.links().map((l) => ({ link: `${l.a}-${l.b}`, shape: describeShape(l.shape) })) ??
        null,
      nodes: state.nodes.map((n) => ({
        name: n.name,
        index: n.index,
        api: apiOf(n),
        /** Same-origin prefix of the node's API (GET only): `${base}/status`, `${base}/chain/tree` … */
        base: proxyBase(n),
        apiPort: n.apiPort,
        p2pPort: n.p2pPort,
        miner: n.miner,
        /** Host mode: its address on the devnet LAN (null on the loopback devnet). */
        address: n.address ?? null,
        peerId: readNodeInfo(n, this.dir)?.peerId ?? null,
        /** The supervisor has a process for it. */
        running: supervisor.isRunning(n),
        /** Its event stream is connected (it answers). */
        up: hub.isUp(n.name),
      })),
    };
  }

  /**
   * What GET /devnet/snapshot answers: each node's own view right now, read here rather than by the page,
   * so that the page polls one URL and a node that is stopped or restarting is a field (`error`), not a
   * failed request in the learner's console.
   */
  async nodesNow(): Promise<unknown> {
    const { state, supervisor, hub } = this.opts;
    const read = async <T>(n: NodeSpec, path: string) => {
      const r = await fetch(`${apiOf(n)}${path}`, { signal: AbortSignal.timeout(SNAPSHOT_TIMEOUT_MS) });
      if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
      return (await r.json()) as T;
    };
    const nodes = await Promise.all(
      state.nodes.map(async (n) => {
        const head = { name: n.name, running: supervisor.isRunning(n), up: hub.isUp(n.name) };
        if (!head.running && !head.up) return { ...head, error: `${n.name} is not running` };
        try {
          const [status, tips, peers, mempool] = await Promise.all([
            read(n, '/status'),
            read(n, '/chain/tips'),
            read(n, '/peers'),
            read<{ id: string }[]>(n, '/mempool?limit=50'),
          ]);
          return { ...head, status, tips, peers, mempool: mempool.map((t) => t.id) };
        } catch (e) {
          return { ...head, error: `${n.name} does not answer (${(e as Error).message})` };
        }
      }),
    );
    return { partition: this.groups, nodes };
  }

  private get dir(): string {
    return this.opts.dir ?? DEVNET_DIR;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        const err =
          e instanceof HttpError
            ? e
            : e instanceof DevnetInputError
              ? new HttpError(400, 'BAD_REQUEST', e.message)
              : new HttpError(500, 'INTERNAL', (e as Error).message);
        if (res.headersSent) return void res.destroy();
        reply(res, err.status, { error: { code: err.code, message: err.message } });
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.opts.hub.close(); // open event streams would keep close() from finishing
    await new Promise((r) => server.close(r));
    server.closeAllConnections();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const why = refusal(req);
    if (why) return reply(res, 403, { error: { code: 'FORBIDDEN', message: why } });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/devnet/state') return reply(res, 200, this.snapshot());
    if (req.method === 'GET' && path === '/devnet/snapshot') return reply(res, 200, await this.nodesNow());
    const proxied = /^\/devnet\/nodes\/([^/]+)\/api(\/.*)$/.exec(path);
    if (proxied && (req.method === 'GET' || req.method === 'HEAD'))
      return this.proxy(req, res, proxied[1]!, proxied[2]! + url.search);
    if (req.method === 'GET' && path === '/devnet/events') return this.opts.hub.accept(req, res);
    if (req.method === 'POST' && path.startsWith('/devnet/')) return this.control(req, res, path);
    if ((req.method === 'GET' || req.method === 'HEAD') && !path.startsWith('/devnet/'))
      return this.serveWeb(req, res, path);
    reply(res, 404, { error: { code: 'NOT_FOUND', message: `no ${req.method} ${path} here` } });
  }

  private async control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const { state, hub } = this.opts;
    const body = await jsonBody(req);
    if (path === '/devnet/partition') {
      const raw = body.groups;
      if (!Array.isArray(raw) || raw.length > state.nodes.length + 1)
        throw new HttpError(400, 'BAD_REQUEST', '"groups" must be an array such as ["0,1", "2"]');
      const texts = raw.map((g) => (Array.isArray(g) ? g.map(String).join(',') : String(g)));
      const groups = partitionGroups(state, texts);
      const unreachable = await this.network.partition(groups);
      this.groups = groups.map((g) => g.map((n) => n.name));
      console.log(`>> partitioned (${this.network.partitionKind}): ${describeGroups(groups)}`);
      hub.publish('partition', { groups: this.groups });
      return reply(res, 200, { groups: this.groups, unreachable });
    }
    if (path === '/devnet/heal') {
      const unreachable = await this.network.heal();
      this.groups = null;
      console.log('>> healed');
      hub.publish('partition', { groups: null });
      return reply(res, 200, { unreachable });
    }
    if (path === '/devnet/link') return reply(res, 200, await this.link(body));
    if (path === '/devnet/transfer') {
      const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
      const from = text('from');
      const to = text('to');
      const amount = text('amount');
      if (!from || !to || !amount)
        throw new HttpError(400, 'BAD_REQUEST', '"from", "to" and "amount" (coins, e.g. "1.5") are required');
      let units: bigint;
      try {
        units = parseCoins(amount);
      } catch (e) {
        throw new HttpError(400, 'BAD_REQUEST', (e as Error).message);
      }
      const sent = await sendDevTransfer(state, { from, to, amount: units, node: text('node') });
      return reply(res, 202, sent);
    }
    const m = /^\/devnet\/nodes\/(\w+)\/(stop|start|kill)$/.exec(path);
    if (!m) throw new HttpError(404, 'NOT_FOUND', `no control ${path}`);
    const node = findNode(state, m[1]!);
    if (!node) throw new HttpError(404, 'NOT_FOUND', `no node ${m[1]}`);
    try {
      reply(res, 200, await this.nodeOp(node, m[2] as 'stop' | 'start' | 'kill'));
    } catch (e) {
      throw new HttpError(409, 'CONFLICT', (e as Error).message);
    }
  }

  /** POST /devnet/link: shape (or with "clear": true, unshape) links between host-mode nodes. */
  private async link(body: Record<string, unknown>): Promise<unknown> {
    const hosts = this.opts.hosts;
    if (!hosts)
      throw new HttpError(
        409,
        'NOT_HOST_MODE',
        'links can be shaped only between separate hosts: start the devnet with `up --hosts` (Linux, root)',
      );
    const raw = body.links;
    if (!Array.isArray(raw) || raw.length === 0 || raw.some((l) => typeof l !== 'string'))
      throw new HttpError(400, 'BAD_REQUEST', '"links" must be an array such as ["0-1"] or ["all"]');
    const pairs = parseLinks(this.opts.state, raw as string[]);
    const shapeInput = (body.shape ?? {}) as Record<string, unknown>;
    let shape: ReturnType<typeof parseLinkShape> | undefined;
    if (body.clear !== true) {
      const text = (k: string) => (typeof shapeInput[k] === 'string' ? (shapeInput[k] as string) : undefined);
      try {
        shape = parseLinkShape({
          delay: text('delay'),
          jitter: text('jitter'),
          bandwidth: text('bandwidth'),
          loss: text('loss'),
        });
      } catch (e) {
        throw new HttpError(400, 'BAD_REQUEST', (e as Error).message);
      }
    }
    await hosts.setLinks(pairs, shape); // resolves once every host agent has applied them
    const what = shape ? describeShape(shape) : 'unshaped';
    console.log(`>> links ${pairs.map(([a, b]) => `${a}-${b}`).join(' ')}: ${what}`);
    return { links: pairs.map(([a, b]) => `${a}-${b}`), shape: what };
  }

  private async nodeOp(node: NodeSpec, op: 'stop' | 'start' | 'kill'): Promise<unknown> {
    const { supervisor, hub } = this.opts;
    if (op === 'start') {
      const info = await supervisor.startNode(node);
      console.log(`>> ${node.name} started (${info.api})`);
      hub.reconnectNow(node.name);
      return info;
    }
    const how = await supervisor.stopNode(node, op === 'kill' ? 'SIGKILL' : 'SIGTERM');
    if (op === 'stop' && how !== 0)
      throw new Error(`${node.name} did not stop cleanly (${how}); see its node.log`);
    console.log(`>> ${node.name} ${op === 'kill' ? 'killed with SIGKILL' : 'stopped'}`);
    return {};
  }

  /** GET/HEAD `rest` on node `name`'s API, answered as the node answered (502 when it does not). */
  private async proxy(req: IncomingMessage, res: ServerResponse, name: string, rest: string): Promise<void> {
    const node = findNode(this.opts.state, decodeURIComponent(name));
    if (!node) throw new HttpError(404, 'NOT_FOUND', `no node ${name}`);
    if (rest === '/events' || rest.startsWith('/events?')) {
      // One stream per node per tab would spend the browser's six connections to this host.
      throw new HttpError(404, 'NOT_FOUND', 'read every node’s events merged at /devnet/events');
    }
    let upstream: Response;
    try {
      upstream = await fetch(`${apiOf(node)}${rest}`, {
        method: req.method,
        headers: { accept: req.headers.accept ?? 'application/json' },
        signal: AbortSignal.timeout(PROXY_TIMEOUT_MS),
      });
    } catch (e) {
      throw new HttpError(502, 'NODE_DOWN', `${node.name} does not answer (${(e as Error).message})`);
    }
    const body = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private serveWeb(req: IncomingMessage, res: ServerResponse, path: string): void {
    const root = resolve(this.opts.webDir ?? DEFAULT_WEB_DIR);
    if (!existsSync(join(root, 'index.html'))) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '10' });
      return void res.end(NOT_BUILT);
    }
    const rel = path === '/' ? 'index.html' : decodeURIComponent(path.slice(1));
    const file = resolve(root, normalize(rel));
    const hidden = rel.split('/').some((part) => part.startsWith('.'));
    if (hidden || !file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      reply(res, 404, { error: { code: 'NOT_FOUND', message: `no ${path} in the dashboard` } });
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
