// The node's HTTP API (docs/ARCHITECTURE.md, the HTTP API): a fastify server in front of the chain, the
// mempool, the miner and the network. It only reads and forwards: the chain stays the only writer of
// chain state, POST /txs hands the tx to the mempool and POST /mine to the miner.
//
// Safety first, because the node never crashes on any request body:
//   - every route has a JSON schema, checked before its handler runs (wrong types, missing or unknown
//     fields are 400 BAD_REQUEST), bodies are capped (64 KiB: a tx is 284 hex digits), only JSON is
//     parsed (415 otherwise), and every thrown error goes through ONE handler and ONE mapping
//     (errors.ts), so nothing escapes as a crash or a stack trace;
//   - it listens on 127.0.0.1 unless told otherwise, and refuses to listen anywhere else without a
//     token: POST /mine and a mempool flood are not for strangers;
//   - a web page cannot drive it (loopback.ts): without a token only loopback Host names are answered
//     (DNS rebinding), and a state-changing request from another origin is refused;
//   - slow or idle clients cannot hold it (the timeouts and the connection cap below), and even the HTTP
//     parser's own refusals (malformed HTTP, 431, 408) and the router's (bad percent-encoding, 414) get
//     the one error body.
// This file holds the lifecycle, authentication, timing and error handling; the routes live in
// routes/*.ts by resource, each registered with one RouteContext. The services are typed by the small
// interfaces of services.ts, not by their classes.
import { createHash, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type onResponseHookHandler,
} from 'fastify';
import { toHex } from '../consensus/bytes.js';
import { ApiError, clientErrorOf, toHttpError } from './errors.js';
import { DEFAULT_EVENT_STREAM_OPTIONS, EventStream, type EventStreamOptions } from './events.js';
import { browserRefusal, isLoopback } from './loopback.js';
import { Metrics } from './metrics.js';
import { registerAccountRoutes } from './routes/accounts.js';
import { registerBlockRoutes } from './routes/blocks.js';
import { registerChainViewRoutes } from './routes/chain-view.js';
import type { RegisterRoutes, RouteContext } from './routes/context.js';
import { registerDocsRoutes } from './routes/docs.js';
import { followForEvents, registerEventRoutes } from './routes/events.js';
import { registerMiningRoutes } from './routes/mining.js';
import { registerAdminRoutes, registerPeerRoutes } from './routes/peers.js';
import { registerStatusRoutes } from './routes/status.js';
import { registerTxRoutes } from './routes/txs.js';
import type { ApiAdmin, ApiChain, ApiMempool, ApiMiner, ApiPeers, StatusExtras } from './services.js';

export { browserRefusal, hostOf, isLoopback } from './loopback.js';
export type {
  ApiAdmin,
  ApiChain,
  ApiMempool,
  ApiMempoolEntry,
  ApiMiner,
  ApiPeers,
  EventOrigin,
  PeerView,
  StatusExtras,
} from './services.js';

export interface ApiServerOptions {
  readonly chain: ApiChain;
  readonly mempool: ApiMempool;
  readonly miner?: ApiMiner;
  readonly p2p?: ApiPeers;
  readonly status?: StatusExtras;
  /** Serves POST /admin/block-peers and /admin/unblock-peers (to loopback clients only). */
  readonly admin?: ApiAdmin;
  /**
   * Shared with the other services; whoever made it counts the chain's events into it (src/node calls
   * `trackChain`). When absent the server makes a private one and counts them itself.
   */
  readonly metrics?: Metrics;
  /** A pino logger (fastify's `loggerInstance`); silent when absent. */
  readonly logger?: FastifyBaseLogger;
  /** Default 127.0.0.1. Any other address requires `token`. */
  readonly host?: string;
  /** Default 0: the OS picks a free port (start() reports it). */
  readonly port?: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Largest request body in bytes (default 64 KiB). */
  readonly bodyLimit?: number;
  readonly events?: Partial<EventStreamOptions>;
  /** Reported by GET /status. */
  readonly version?: string;
  /** Time limits and the connection cap (defaults: DEFAULT_API_LIMITS). */
  readonly limits?: Partial<ApiLimits>;
  /**
   * The signature backend verifying txs and blocks (TxVerifier.backend, e.g. "secp256k1-native"):
   * GET /status reports it, and /metrics as cairn_verifier_info{backend}.
   */
  readonly verifier?: string;
}

/**
 * What keeps slow and idle clients from holding the server (Core: -rpcservertimeout, -rpcworkqueue).
 * Node checks the two request timeouts every `checkIntervalMs` (its default is 30 s, which would let a
 * dripped body live half a minute past its limit).
 */
export interface ApiLimits {
  /** The request line and headers must all arrive within this (slowloris). Node's default: 60 s. */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (a dripped body). Fastify's default: none. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** How often Node looks for requests past their timeouts. */
  readonly checkIntervalMs: number;
  /**
   * Open connections at once; the next one is closed at once. Above the event stream's own cap (100
   * clients) so that the streams never starve the other routes.
   */
  readonly maxConnections: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 10_000,
  checkIntervalMs: 1_000,
  maxConnections: 512,
});

export const DEFAULT_API_HOST = '127.0.0.1';
export const DEFAULT_BODY_LIMIT = 64 * 1024;
/** A token shorter than this is too easy to guess for an API that can mine and submit txs. */
export const MIN_TOKEN_LENGTH = 16;

/** The route modules, by resource, in registration order. */
const ROUTE_MODULES: readonly RegisterRoutes[] = [
  registerStatusRoutes,
  registerBlockRoutes,
  registerTxRoutes,
  registerAccountRoutes,
  registerMiningRoutes,
  registerPeerRoutes,
  registerEventRoutes,
  registerAdminRoutes,
  registerDocsRoutes,
];

/** Sockets already answered by clientError (a parser that failed reports every later chunk too). */
const answered = new WeakSet<Socket>();

function digestOf(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class ApiServer {
  readonly app: FastifyInstance;
  readonly metrics: Metrics;
  private readonly host: string;
  private readonly port: number;
  private readonly ownsMetrics: boolean;
  private readonly events: EventStream;
  private readonly detach: (() => void)[] = [];
  private closed = false;

  constructor(opts: ApiServerOptions) {
    this.host = opts.host ?? DEFAULT_API_HOST;
    if (opts.token !== undefined && opts.token.length < MIN_TOKEN_LENGTH) {
      throw new Error(`the API token must be at least ${MIN_TOKEN_LENGTH} characters long`);
    }
    if (!isLoopback(this.host) && opts.token === undefined) {
      throw new Error(
        `refusing to serve the API on ${this.host} without a token: anyone who can reach that address ` +
          'could mine and submit txs. Set an API token (every request then needs "Authorization: Bearer ' +
          '<token>"), or keep the default host 127.0.0.1',
      );
    }
    const { chain, mempool, miner, p2p } = opts;
    this.port = opts.port ?? 0;
    this.ownsMetrics = opts.metrics === undefined;
    this.metrics = opts.metrics ?? new Metrics();
    const peerCount = (): number => {
      let n = 0;
      for (const p of p2p?.peers() ?? []) if (!p.banned) n++;
      return n;
    };
    this.metrics.setSources({
      height: () => chain.height,
      chainWork: () => chain.tip.chainWork,
      peers: peerCount,
      mempoolTxs: () => mempool.size,
      mempoolBytes: () => mempool.bytes,
      ...(miner?.hashrate ? { hashrate: () => miner.hashrate!() } : {}),
      ...(opts.verifier ? { verifier: () => opts.verifier! } : {}),
    });
    // The chain's events are counted once, by whoever created the Metrics: here only for a private one.
    if (this.ownsMetrics) this.metrics.trackChain(chain);

    const limits = { ...DEFAULT_API_LIMITS, ...opts.limits };
    // Node swaps the two timeouts when headersTimeout is the larger (its ConnectionsList::Expired), so a
    // request timeout below the headers timeout would silently become the headers timeout: keep it above.
    const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
    this.app = Fastify({
      ...(opts.logger ? { loggerInstance: opts.logger.child({ name: 'api' }) } : { logger: false }),
      http: {
        headersTimeout,
        requestTimeout: limits.requestTimeoutMs,
        connectionsCheckingInterval: limits.checkIntervalMs,
        // A request with no Host gets the one error body from the guard hook, not Node's empty 400.
        requireHostHeader: false,
      },
      // Fastify writes its own requestTimeout onto the server after creating it (0, "none", by default).
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Malformed URLs and over-long path parameters, refused by the router before any hook runs.
      frameworkErrors: (err, req, reply) => this.sendError(req, reply, err),
      // Requests the HTTP parser refused (malformed HTTP, 431, timeouts): they never become requests.
      clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => this.clientError(err, socket),
      // One info line per request would drown the block log; the route hooks log at debug instead.
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
      // Strict types: "5" is not a number of blocks. (Fastify's default coerces, which hides client bugs.)
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    });
    this.app.server.maxConnections = limits.maxConnections;
    this.events = new EventStream({ ...DEFAULT_EVENT_STREAM_OPTIONS, ...opts.events }, this.app.log);
    const ctx: RouteContext = {
      chain,
      mempool,
      miner,
      p2p,
      extras: opts.status ?? {},
      admin: opts.admin,
      metrics: this.metrics,
      events: this.events,
      hrp: chain.params.addressPrefix,
      genesisHex: toHex(chain.params.genesisHash),
      version: opts.version,
      verifier: opts.verifier,
      peerCount,
    };
    this.setUp(opts.token);
    for (const register of ROUTE_MODULES) register(this.app, ctx);
    registerChainViewRoutes(this.app, { chain, hrp: ctx.hrp });
    this.detach.push(...followForEvents(ctx));
  }

  /** Listens; resolves with the base URL (with the real port when the OS picked it). */
  async start(): Promise<{ url: string }> {
    // fastify logs "Server listening at …" by itself, once per address; the node says it once, with the
    // URL as a field, just below. Its logger is quieted for the listen call alone.
    const level = this.app.log.level;
    this.app.log.level = 'warn';
    try {
      await this.app.listen({ host: this.host, port: this.port });
    } finally {
      this.app.log.level = level;
    }
    const address = this.app.server.address();
    const port = typeof address === 'object' && address ? address.port : this.port;
    const host = this.host.includes(':') && !this.host.startsWith('[') ? `[${this.host}]` : this.host;
    const url = `http://${host}:${port}`;
    this.app.log.info({ url }, 'HTTP API listening');
    return { url };
  }

  /** Ends the event streams, stops following the chain and mempool, and closes the server. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.events.close();
    for (const stop of this.detach) stop();
    if (this.ownsMetrics) this.metrics.close();
    await this.app.close();
  }

  /** Connected event-stream clients. */
  get eventClients(): number {
    return this.events.size;
  }

  /** Authentication, request timing and the one error handler; the routes come after (ROUTE_MODULES). */
  private setUp(token: string | undefined): void {
    const { app } = this;
    // Only JSON bodies: a text/plain body is 415, not a string for the schema to puzzle over.
    app.removeContentTypeParser('text/plain');

    // Web pages first (loopback.ts): before the token, so that a rebinding page learns nothing from a 401.
    const checkHost = token === undefined;
    app.addHook('onRequest', async (req) => {
      const { host, origin } = req.headers;
      // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400.
      if (host === undefined && req.raw.httpVersion === '1.1') {
        throw new ApiError(400, 'BAD_REQUEST', 'an HTTP/1.1 request needs a Host header');
      }
      const site = req.headers['sec-fetch-site'];
      const why = browserRefusal(
        { method: req.method, host, origin, secFetchSite: typeof site === 'string' ? site : undefined },
        checkHost,
      );
      if (why !== undefined) throw new ApiError(403, 'FORBIDDEN', why);
    });

    if (token !== undefined) {
      // Compare digests with timingSafeEqual: equal lengths, and no early exit that would let a client
      // learn the token byte by byte from response times. The scheme name is case-insensitive
      // (RFC 7235 §2.1); the token is not.
      const expected = digestOf(token);
      app.addHook('onRequest', async (req) => {
        const match = /^bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '');
        if (!match || !timingSafeEqual(digestOf(match[1]!), expected)) {
          throw new ApiError(401, 'UNAUTHORIZED', 'this API needs "Authorization: Bearer <token>"');
        }
      });
    }

    // Request timing, attached to each route as it is registered, with the route's pattern (not the URL:
    // one label per route keeps the histogram's size fixed) captured once. A global onResponse hook
    // would read `req.routeOptions`, a getter that builds a dozen-field object per request, and cost
    // GET /status a quarter of its speed. Unmatched URLs are timed in sendError.
    app.addHook('onRoute', (route) => {
      const pattern = route.url ?? 'unmatched';
      const timed: onResponseHookHandler = (req, reply, done) => {
        this.observe(req, reply, pattern);
        done();
      };
      const existing = route.onResponse;
      route.onResponse = existing === undefined ? [timed] : [existing, timed].flat();
    });

    app.setErrorHandler((err, req, reply) => this.sendError(req, reply, err));
    app.setNotFoundHandler((req, reply) =>
      this.sendError(req, reply, new ApiError(404, 'NOT_FOUND', `no route ${req.method} ${req.url}`)),
    );
  }

  private observe(req: FastifyRequest, reply: FastifyReply, pattern: string): void {
    const ms = reply.elapsedTime;
    this.metrics.observeRequest(pattern, req.method, reply.statusCode, ms / 1000);
    req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms }, 'request');
  }

  /**
   * A request the HTTP parser refused, or one that ran past a timeout: answer in the one error shape when
   * nothing was sent on this connection yet, then close it. Closing after the client has read the answer
   * (end, then destroy if it lingers), not at once: destroying a socket with unread input makes the
   * kernel send a reset, and the client would lose the answer.
   */
  private clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    if (answered.has(socket)) return; // the parser reports every later chunk again
    answered.add(socket);
    const e = clientErrorOf(err.code);
    this.app.log.debug({ code: err.code, status: e.status }, e.body.error.message);
    this.metrics.observeRequest('unparsed', 'UNKNOWN', e.status, 0);
    // A response already under way on this connection (keep-alive) cannot be followed by another.
    const busy = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (socket.writable && !busy) {
      const text = JSON.stringify(e.body);
      socket.write(
        `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    }
    socket.end();
    // Reads what the client still sends (so that closing sends FIN, not RST), and gives it a moment.
    socket.resume();
    setTimeout(() => socket.destroy(), e.status === 408 ? 0 : 1_000).unref();
  }

  private sendError(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
    const e = toHttpError(err);
    if (e.internal) req.log.error({ err }, 'API request failed');
    else req.log.debug({ code: e.body.error.code, status: e.status }, e.body.error.message);
    if (e.headers) reply.headers(e.headers);
    reply.code(e.status);
    // No route, so no route hook: time it here, under one label whatever the URL.
    if (req.is404) this.observe(req, reply, 'unmatched');
    return reply.type('application/json; charset=utf-8').send(e.body);
  }
}
