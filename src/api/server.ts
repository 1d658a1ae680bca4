// The node's HTTP API (DESIGN.md §6): a fastify server in front of the chain, the mempool, the miner and
// the network. It only reads and forwards: the chain stays the only writer of chain state, POST /txs
// hands the tx to the mempool and POST /mine to the miner.
//
// Safety first, because "the node never crashes on any request body" (§6):
//   - every route has a JSON schema, checked before its handler runs (wrong types, missing or unknown
//     fields are 400 BAD_REQUEST), bodies are capped (64 KiB: a tx is 284 hex digits), only JSON is
//     parsed (415 otherwise), and every thrown error goes through ONE handler and ONE mapping
//     (errors.ts), so nothing escapes as a crash or a stack trace;
//   - it listens on 127.0.0.1 unless told otherwise, and refuses to listen anywhere else without a
//     token: POST /mine and a mempool flood are not for strangers.
// The services are typed by the small interfaces below, not by their classes, so tests can hand in the
// real objects or small fakes (and the API depends only on what it uses).
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type onResponseHookHandler,
} from 'fastify';
import type { IndexEntry } from '../chain/block-index.js';
import { decodeAddress } from '../consensus/address.js';
import { fromHex, toHex } from '../consensus/bytes.js';
import { decodeBlock, decodeTx } from '../consensus/encoding.js';
import { isRuleError } from '../consensus/errors.js';
import { sha256 } from '../consensus/hash.js';
import {
  type Account,
  BLOCK_OVERHEAD_BYTES,
  type Block,
  type ChainParams,
  type Hash,
  TX_BYTES,
  type Tx,
} from '../consensus/types.js';
import { isMempoolError } from '../mempool/policy.js';
import { ApiError, toHttpError } from './errors.js';
import {
  blockEventData,
  DEFAULT_EVENT_STREAM_OPTIONS,
  EventStream,
  type EventStreamOptions,
  parseTopics,
  reorgEventData,
} from './events.js';
import { type ChainEventSource, Metrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { registerChainViewRoutes } from './routes/chain-view.js';
import { MEMPOOL_LIST_DEFAULT, MEMPOOL_LIST_MAX, ROUTES } from './schemas.js';
import { accountView, type BlockView, blockView, type TxStatusView, txView } from './views.js';

/** What the API reads from the chain (src/chain/chain.ts `Chain` satisfies it). */
export interface ApiChain extends ChainEventSource {
  readonly tip: IndexEntry;
  readonly height: number;
  readonly stateDigest: Hash;
  readonly params: Pick<ChainParams, 'network' | 'genesisHash' | 'addressPrefix'>;
  readonly index: { get(hash: Hash | string): IndexEntry | undefined; values(): Iterable<IndexEntry> };
  atHeight(height: number): IndexEntry | undefined;
  isOnMainChain(entry: IndexEntry): boolean;
  getBlockBytes(hash: Hash): Promise<Uint8Array | undefined>;
  getAccount(address: Uint8Array): Promise<Account>;
  findTx(id: Hash): Promise<{ entry: IndexEntry; index: number } | undefined>;
}

/** A pending tx as the mempool shows it. */
export interface ApiMempoolEntry {
  readonly id: Hash;
  readonly tx: Tx;
}

/** What the API uses of the mempool (src/mempool/mempool.ts `Mempool` satisfies it). */
export interface ApiMempool {
  readonly size: number;
  readonly bytes: number;
  /** Throws RuleError or MempoolError (each with a `code`) when it refuses the tx. */
  add(tx: Tx): Promise<{ readonly id: Hash; readonly replaced?: Hash }>;
  get(id: Hash): ApiMempoolEntry | undefined;
  entries(): Iterable<ApiMempoolEntry>;
  /** The nonce a new tx of this sender should use, counting its pending txs (optional). */
  pendingNonce?(address: Uint8Array): Promise<bigint>;
  on(event: 'tx:added', listener: (tx: Tx, id: Hash) => void): unknown;
  off(event: 'tx:added', listener: (tx: Tx, id: Hash) => void): unknown;
}

export interface ApiMiner {
  /** Mines `blocks` blocks paying `to` (a 20-byte address hash); resolves with their hashes. */
  mine(blocks: number, to: Uint8Array): Promise<Hash[]>;
  hashrate?(): number;
}

export interface PeerInfo {
  readonly peerId: string;
  readonly addrs: readonly string[];
  readonly direction: 'inbound' | 'outbound';
  readonly score: number;
  readonly banned: boolean;
}

export interface ApiPeers {
  peers(): readonly PeerInfo[];
}

/** Devnet controls behind the loopback-only admin routes (the P2P node provides them). */
export interface ApiAdmin {
  blockPeers(peerIds: readonly string[]): Promise<void> | void;
  unblockAll(): Promise<void> | void;
}

/** Status fields other services own (sync, state-digest comparison); both optional. */
export interface StatusExtras {
  syncing?(): boolean;
  stateMismatches?(): number;
}

export interface ApiServerOptions {
  readonly chain: ApiChain;
  readonly mempool: ApiMempool;
  readonly miner?: ApiMiner;
  readonly p2p?: ApiPeers;
  readonly status?: StatusExtras;
  /** Serves POST /admin/block-peers and /admin/unblock-peers (to loopback clients only). */
  readonly admin?: ApiAdmin;
  /** Shared with the other services; a private one is made when absent. */
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
}

export const DEFAULT_API_HOST = '127.0.0.1';
export const DEFAULT_BODY_LIMIT = 64 * 1024;
/** A token shorter than this is too easy to guess for an API that can mine and submit txs. */
export const MIN_TOKEN_LENGTH = 16;

/** Is `host` an address only this machine can reach (127.0.0.0/8, ::1, localhost)? */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h.startsWith('::ffff:127.');
}

function digestOf(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class ApiServer {
  readonly app: FastifyInstance;
  readonly metrics: Metrics;
  private readonly chain: ApiChain;
  private readonly mempool: ApiMempool;
  private readonly miner: ApiMiner | undefined;
  private readonly p2p: ApiPeers | undefined;
  private readonly extras: StatusExtras;
  private readonly admin: ApiAdmin | undefined;
  private readonly host: string;
  private readonly port: number;
  private readonly hrp: string;
  private readonly genesisHex: string;
  private readonly version: string | undefined;
  private readonly ownsMetrics: boolean;
  private readonly events: EventStream;
  private readonly detach: (() => void)[] = [];
  private closed = false;
  private digestTip: IndexEntry | undefined;
  private digestText = '';

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
    this.chain = opts.chain;
    this.mempool = opts.mempool;
    this.miner = opts.miner;
    this.p2p = opts.p2p;
    this.extras = opts.status ?? {};
    this.admin = opts.admin;
    this.port = opts.port ?? 0;
    this.hrp = opts.chain.params.addressPrefix;
    this.genesisHex = toHex(opts.chain.params.genesisHash);
    this.version = opts.version;
    this.ownsMetrics = opts.metrics === undefined;
    this.metrics = opts.metrics ?? new Metrics();
    this.metrics.setSources({
      height: () => this.chain.height,
      chainWork: () => this.chain.tip.chainWork,
      peers: () => this.peerCount(),
      mempoolTxs: () => this.mempool.size,
      mempoolBytes: () => this.mempool.bytes,
      ...(this.miner?.hashrate ? { hashrate: () => this.miner!.hashrate!() } : {}),
    });
    this.metrics.trackChain(this.chain);

    this.app = Fastify({
      ...(opts.logger ? { loggerInstance: opts.logger.child({ name: 'api' }) } : { logger: false }),
      // One info line per request would drown the block log; the route hooks log at debug instead.
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
      // Strict types: "5" is not a number of blocks. (Fastify's default coerces, which hides client bugs.)
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    });
    this.events = new EventStream({ ...DEFAULT_EVENT_STREAM_OPTIONS, ...opts.events }, this.app.log);
    this.setUp(opts.token);
    this.follow();
  }

  /** Listens; resolves with the base URL (with the real port when the OS picked it). */
  async start(): Promise<{ url: string }> {
    await this.app.listen({ host: this.host, port: this.port });
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

  private peerCount(): number {
    let n = 0;
    for (const p of this.p2p?.peers() ?? []) if (!p.banned) n++;
    return n;
  }

  /** Chain and mempool events become server-sent events. */
  private follow(): void {
    const { chain, mempool, events } = this;
    const onBlock = (b: { entry: IndexEntry; ids: readonly Hash[] }) => {
      if (events.active) events.broadcast('block', blockEventData(b, this.hrp));
    };
    const onReorg = (r: { depth: number; oldTip: IndexEntry; newTip: IndexEntry; fork: IndexEntry }) =>
      events.broadcast('reorg', reorgEventData(r));
    // At thousands of txs a second, skip the hex when nobody listens.
    const onTx = (_tx: Tx, id: Hash) => {
      if (events.active) events.broadcast('tx', { id: toHex(id) });
    };
    chain.on('block:connected', onBlock);
    chain.on('reorg', onReorg);
    mempool.on('tx:added', onTx);
    this.detach.push(
      () => chain.off('block:connected', onBlock),
      () => chain.off('reorg', onReorg),
      () => mempool.off('tx:added', onTx),
    );
  }

  private setUp(token: string | undefined): void {
    const { app, metrics } = this;
    // Only JSON bodies: a text/plain body is 415, not a string for the schema to puzzle over.
    app.removeContentTypeParser('text/plain');

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

    const r = ROUTES;
    // Synchronous: the busiest read route skips the promise an async handler costs.
    app.route({ ...r.status, handler: (_req, reply) => reply.send(this.status()) });
    app.route<{ Params: { hashOrHeight: string } }>({
      ...r.block,
      handler: async (req) => this.block(req.params.hashOrHeight),
    });
    app.route<{ Params: { id: string } }>({ ...r.tx, handler: async (req) => this.tx(req.params.id) });
    app.route<{ Params: { address: string } }>({
      ...r.account,
      handler: async (req) => this.account(req.params.address),
    });
    app.route<{ Body: { raw: string } }>({
      ...r.submitTx,
      handler: async (req, reply) => {
        const result = await this.submitTx(req.body.raw);
        return reply.code(202).send(result);
      },
    });
    app.route<{ Body: { blocks: number; to: string } }>({
      ...r.mine,
      handler: async (req) => this.mine(req.body.blocks, req.body.to),
    });
    app.route({ ...r.peers, handler: async () => this.p2p?.peers() ?? [] });
    app.route<{ Querystring: { limit?: string } }>({
      ...r.mempool,
      handler: async (req) => this.mempoolList(req.query.limit),
    });
    app.route<{ Querystring: { topics?: string; lastEventId?: string } }>({
      ...r.events,
      handler: async (req, reply) => {
        if (this.events.full) {
          throw new ApiError(503, 'UNAVAILABLE', 'too many event-stream clients; try again later');
        }
        const topics = parseTopics(req.query.topics);
        const header = req.headers['last-event-id'];
        // The query parameter is for a page that opens a new EventSource itself (which cannot set headers).
        const lastEventId = typeof header === 'string' ? header : req.query.lastEventId;
        reply.hijack(); // the response is ours now: fastify neither serialises nor ends it
        this.events.accept(req.raw, reply.raw, {
          topics,
          ...(lastEventId !== undefined ? { lastEventId } : {}),
        });
      },
    });
    app.route({
      ...r.metrics,
      handler: async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()),
    });
    app.route<{ Body: { peerIds: string[] } }>({
      ...r.blockPeers,
      handler: async (req) => {
        const admin = this.adminFor(req);
        await admin.blockPeers(req.body.peerIds);
        return { ok: true };
      },
    });
    app.route({
      ...r.unblockPeers,
      handler: async (req) => {
        await this.adminFor(req).unblockAll();
        return { ok: true };
      },
    });
    this.detach.push(registerChainViewRoutes(app, { chain: this.chain, hrp: this.hrp }));
    const doc = openApiDocument();
    app.route({ ...r.openapi, handler: async () => doc });
  }

  /**
   * The admin service, for a client on this machine only. A token lets a remote client read and submit,
   * but cutting a node off from its peers is for whoever runs it (the devnet script), so the admin
   * routes check the socket's own address as well.
   */
  private adminFor(req: FastifyRequest): ApiAdmin {
    if (!isLoopback(req.socket.remoteAddress ?? '')) {
      throw new ApiError(403, 'FORBIDDEN', 'admin routes answer clients on this machine only');
    }
    if (!this.admin) throw new ApiError(503, 'UNAVAILABLE', 'this node has no peer-to-peer service');
    return this.admin;
  }

  private observe(req: FastifyRequest, reply: FastifyReply, pattern: string): void {
    const ms = reply.elapsedTime;
    this.metrics.observeRequest(pattern, req.method, reply.statusCode, ms / 1000);
    req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms }, 'request');
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

  // --- Route handlers ---------------------------------------------------------------------------------

  /** The state digest's hex, computed once per tip (the digest changes only when the tip does). */
  private digestHex(tip: IndexEntry): string {
    if (this.digestTip !== tip) {
      this.digestTip = tip;
      this.digestText = toHex(this.chain.stateDigest);
    }
    return this.digestText;
  }

  private status() {
    const { chain, mempool } = this;
    const tip = chain.tip;
    return {
      network: chain.params.network,
      genesisHash: this.genesisHex,
      height: chain.height,
      tipHash: tip.hex,
      chainWork: tip.chainWork.toString(),
      peers: this.peerCount(),
      mempool: mempool.size,
      mempoolBytes: mempool.bytes,
      syncing: this.extras.syncing?.() ?? false,
      stateDigest: this.digestHex(tip),
      stateMismatches: this.extras.stateMismatches?.() ?? this.metrics.stateMismatchCount,
      ...(this.version ? { version: this.version } : {}),
    };
  }

  private async block(hashOrHeight: string): Promise<BlockView> {
    const { chain } = this;
    let entry: IndexEntry | undefined;
    if (hashOrHeight.length === 64) {
      entry = chain.index.get(hashOrHeight.toLowerCase());
      if (!entry) throw new ApiError(404, 'NOT_FOUND', `no block with hash ${hashOrHeight}`);
    } else {
      const height = Number(hashOrHeight);
      entry = chain.atHeight(height);
      if (!entry) {
        throw new ApiError(
          404,
          'NOT_FOUND',
          `no block at height ${height}: the main chain's tip is at height ${chain.height}`,
        );
      }
    }
    const raw = await chain.getBlockBytes(entry.hash);
    if (!raw) {
      throw new ApiError(404, 'NOT_FOUND', `the header of ${entry.hex} is known but its body is not stored`);
    }
    const block: Block = decodeBlock(raw);
    // A tx id is SHA-256 of the tx's encoding, which is a slice of the block's own bytes.
    const ids = block.txs.map((_, i) => sha256(txSlice(raw, i)));
    return blockView(entry, block, ids, raw, chain.isOnMainChain(entry), chain.height, this.hrp);
  }

  private async tx(idHex: string): Promise<TxStatusView> {
    const id = fromHex(idHex);
    // Chain, then mempool, then chain again: a tx that gets mined between the first two reads leaves the
    // pool and enters the chain, and must not look unknown for that moment.
    const confirmed = (await this.confirmedTx(id)) ?? this.pendingTx(id) ?? (await this.confirmedTx(id));
    if (!confirmed) throw new ApiError(404, 'NOT_FOUND', `no tx ${idHex} in the mempool or the main chain`);
    return confirmed;
  }

  private pendingTx(id: Hash): TxStatusView | undefined {
    const entry = this.mempool.get(id);
    return entry && { ...txView(entry.tx, entry.id, this.hrp), status: 'pending' };
  }

  private async confirmedTx(id: Hash): Promise<TxStatusView | undefined> {
    const { chain } = this;
    const loc = await chain.findTx(id);
    if (!loc) return undefined;
    const raw = await chain.getBlockBytes(loc.entry.hash);
    const bytes = raw && txSlice(raw, loc.index);
    // The index and the block disagreeing would mean a damaged datadir: fail loudly (500), not wrongly.
    if (!bytes || bytes.length !== TX_BYTES || toHex(sha256(bytes)) !== toHex(id)) {
      throw new Error(`the tx index points ${toHex(id)} at block ${loc.entry.hex}, which does not hold it`);
    }
    const height = loc.entry.header.height;
    return {
      ...txView(decodeTx(bytes), id, this.hrp, bytes),
      status: 'confirmed',
      blockHash: loc.entry.hex,
      height,
      confirmations: chain.height - height + 1,
    };
  }

  private async account(text: string) {
    const address = decodeAddress(text, this.hrp); // RuleError BAD_ADDRESS → 400
    const [account, next] = await Promise.all([
      this.chain.getAccount(address),
      this.mempool.pendingNonce?.(address),
    ]);
    return accountView(address, account, this.hrp, next);
  }

  private async submitTx(rawHex: string): Promise<{ id: string; replaced?: string }> {
    try {
      const tx = decodeTx(fromHex(rawHex)); // RuleError BAD_ENCODING for a wrong length or field
      const { id, replaced } = await this.mempool.add(tx);
      return replaced ? { id: toHex(id), replaced: toHex(replaced) } : { id: toHex(id) };
    } catch (e) {
      if (isRuleError(e) || isMempoolError(e)) this.metrics.rejectedTx(e.code);
      throw e;
    }
  }

  private async mine(blocks: number, to: string): Promise<{ hashes: string[] }> {
    const address = decodeAddress(to, this.hrp);
    if (!this.miner) throw new ApiError(503, 'UNAVAILABLE', 'this node has no miner');
    const hashes = await this.miner.mine(blocks, address);
    return { hashes: hashes.map(toHex) };
  }

  private mempoolList(limitText: string | undefined) {
    const limit = limitText === undefined ? MEMPOOL_LIST_DEFAULT : Number(limitText);
    if (!(limit >= 1 && limit <= MEMPOOL_LIST_MAX)) {
      throw new ApiError(400, 'BAD_REQUEST', `limit must be between 1 and ${MEMPOOL_LIST_MAX}`);
    }
    const out = [];
    for (const e of this.mempool.entries()) {
      if (out.length >= limit) break;
      out.push(txView(e.tx, e.id, this.hrp));
    }
    return out;
  }
}

/** The bytes of tx `i` inside an encoded block (the block layout is fixed-size: DESIGN.md §2). */
function txSlice(block: Uint8Array, i: number): Uint8Array {
  const start = BLOCK_OVERHEAD_BYTES + i * TX_BYTES;
  return block.subarray(start, start + TX_BYTES);
}
