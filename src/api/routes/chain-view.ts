// The routes the live dashboard reads (docs/DASHBOARD.md): the chain's tips (Core: getchaintips), the
// block tree above a height with every branch, a page of main-chain headers, and the page itself.
// Read-only views over the block index; nothing here writes chain state.
//
// The tips and the tree are computed here from the block index (one pass over its entries, which is fine
// for a teaching node's few thousand headers). They sit behind `chainTips` and `chainTree` so the chain's
// own `tips()`/`tree()` can take over without changing a route.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { forkPoint, type IndexEntry } from '../../chain/block-index.js';
import { encodeAddress } from '../../consensus/address.js';
import { toHex } from '../../consensus/bytes.js';
import { BLOCK_OVERHEAD_BYTES, type Hash, TX_BYTES } from '../../consensus/types.js';
import { packageRoot } from '../../util/package-files.js';
import { ApiError } from '../errors.js';
import { errorSchema, type RouteSpec } from '../schemas.js';

/** What these routes read of the chain (src/chain/chain.ts `Chain` satisfies it). */
export interface ChainViewSource {
  readonly tip: IndexEntry;
  readonly height: number;
  readonly index: { get(hash: Hash | string): IndexEntry | undefined; values(): Iterable<IndexEntry> };
  atHeight(height: number): IndexEntry | undefined;
  isOnMainChain(entry: IndexEntry): boolean;
  getBlockBytes(hash: Hash): Promise<Uint8Array | undefined>;
  on(event: 'block:connected' | 'block:stored', listener: (b: ArrivedBlock) => void): unknown;
  off(event: 'block:connected' | 'block:stored', listener: (b: ArrivedBlock) => void): unknown;
}

/** What the tree remembers from a block event: its tx count and, when the event carries it, its arrival. */
type ArrivedBlock = { readonly entry: IndexEntry; readonly ids: readonly unknown[] } & Arrival;

export const TREE_LIMIT_MAX = 1_000;
export const TREE_LIMIT_DEFAULT = 500;
export const HEADERS_LIMIT_MAX = 1_000;
export const HEADERS_LIMIT_DEFAULT = 100;
/** getchaintips answers with at most this many tips, the most work first (junk forks cannot grow it). */
export const TIPS_MAX = 256;

// --- Tips ------------------------------------------------------------------------------------------------

export type TipStatus = 'active' | 'valid-fork' | 'valid-headers' | 'headers-only' | 'invalid';

export interface ChainTip {
  readonly hash: string;
  readonly height: number;
  readonly chainWork: string;
  /** Blocks from the fork point with the main chain to this tip (0 for the active tip). */
  readonly branchLength: number;
  readonly status: TipStatus;
}

/**
 * Every leaf of the block tree with its status, the most work first (Core: getchaintips):
 *   active         the tip of the main chain;
 *   valid-fork     every block of the branch was connected once (it was the main chain, then lost);
 *   valid-headers  every block has its body, but the branch was never connected (never had most work);
 *   headers-only   some body is missing (a header-first download that has not finished);
 *   invalid        the tip or an ancestor broke a rule.
 */
export function chainTips(chain: ChainViewSource): ChainTip[] {
  const parents = new Set<IndexEntry>();
  const all: IndexEntry[] = [];
  for (const e of chain.index.values()) {
    all.push(e);
    if (e.parent) parents.add(e.parent);
  }
  const leaves = all.filter((e) => !parents.has(e));
  leaves.sort((a, b) =>
    b.chainWork > a.chainWork ? 1 : b.chainWork < a.chainWork ? -1 : a.hex < b.hex ? -1 : 1,
  );
  const tip = chain.tip;
  return leaves.slice(0, TIPS_MAX).map((leaf) => {
    const fork = forkPoint(leaf, tip);
    return {
      hash: leaf.hex,
      height: leaf.header.height,
      chainWork: leaf.chainWork.toString(),
      branchLength: leaf.header.height - fork.header.height,
      status: leaf === tip ? 'active' : branchStatus(leaf, fork),
    };
  });
}

function branchStatus(leaf: IndexEntry, fork: IndexEntry): TipStatus {
  let connected = true;
  let bodies = true;
  for (let e: IndexEntry | undefined = leaf; e && e !== fork; e = e.parent) {
    if (e.status === 'invalid') return 'invalid';
    if (e.status !== 'valid') connected = false;
    if (!e.hasBody) bodies = false;
  }
  return connected ? 'valid-fork' : bodies ? 'valid-headers' : 'headers-only';
}

// --- Tree ------------------------------------------------------------------------------------------------

/** What the node remembers about a block's arrival (from the chain's block events, when they carry it). */
export interface Arrival {
  readonly origin?: string;
  readonly peer?: string;
  readonly receivedAt?: number;
}

export interface TreeBlock extends Arrival {
  readonly hash: string;
  readonly parent: string;
  readonly height: number;
  readonly chainWork: string;
  readonly miner: string;
  readonly time: number;
  readonly bits: string;
  /** Absent while only the header is known. */
  readonly txCount?: number;
  readonly main: boolean;
  readonly status: IndexEntry['status'];
}

export interface TreePage {
  readonly blocks: TreeBlock[];
  /** Where the next page starts, or null when this was the last. */
  readonly next: { readonly from: number; readonly after: string } | null;
}

/**
 * The blocks at height ≥ `from`, every branch, ordered by (height, hash), at most `limit`, starting after
 * (from, after) when `after` is given. Main-chain blocks come from the height array; side branches from
 * one scan of the index.
 */
export function chainTree(chain: ChainViewSource, from: number, limit: number, after?: string): IndexEntry[] {
  const side: IndexEntry[] = [];
  for (const e of chain.index.values()) {
    if (e.header.height >= from && !chain.isOnMainChain(e)) side.push(e);
  }
  side.sort(byPosition);
  const out: IndexEntry[] = [];
  const past = (e: IndexEntry) =>
    after === undefined || e.header.height > from || (e.header.height === from && e.hex > after);
  let s = 0;
  for (let h = from; out.length < limit && (h <= chain.height || s < side.length); h++) {
    const atH: IndexEntry[] = [];
    const m = chain.atHeight(h);
    if (m) atH.push(m);
    while (s < side.length && side[s]!.header.height === h) atH.push(side[s++]!);
    atH.sort(byPosition);
    for (const e of atH) {
      if (out.length >= limit) break;
      if (past(e)) out.push(e);
    }
  }
  return out;
}

function byPosition(a: IndexEntry, b: IndexEntry): number {
  return a.header.height - b.header.height || (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0);
}

// --- Routes ----------------------------------------------------------------------------------------------

const errors = { '4xx': errorSchema, '5xx': errorSchema } as const;
const hash = { type: 'string', pattern: '^[0-9a-f]{64}$', description: '32 bytes as 64 hex digits' } as const;
const decimal = { type: 'string', pattern: '^[0-9]+$', description: 'a decimal integer' } as const;
const count = (what: string) => ({ type: 'string', pattern: '^[0-9]{1,9}$', description: what }) as const;

const tipSchema = {
  type: 'object',
  required: ['hash', 'height', 'chainWork', 'branchLength', 'status'],
  properties: {
    hash,
    height: { type: 'integer' },
    chainWork: { ...decimal, description: 'cumulative work of the chain ending here' },
    branchLength: { type: 'integer', description: 'blocks from the fork point with the main chain' },
    status: { type: 'string', enum: ['active', 'valid-fork', 'valid-headers', 'headers-only', 'invalid'] },
  },
} as const;

const treeBlockSchema = {
  type: 'object',
  required: ['hash', 'parent', 'height', 'chainWork', 'miner', 'time', 'bits', 'main', 'status'],
  properties: {
    hash,
    parent: { ...hash, description: "the parent's hash (prevHash)" },
    height: { type: 'integer' },
    chainWork: decimal,
    miner: { type: 'string', description: 'bech32m address credited with the reward' },
    time: { type: 'integer', description: 'header time, unix seconds' },
    bits: { type: 'string', pattern: '^[0-9a-f]{8}$', description: 'compact target' },
    txCount: { type: 'integer', description: 'absent while only the header is known' },
    main: { type: 'boolean', description: 'on the main chain now' },
    status: { type: 'string', enum: ['valid', 'valid-header', 'invalid'] },
    origin: { type: 'string', description: 'how this node got it: mined, api, gossip, sync, reorg, reindex' },
    peer: { type: 'string', description: 'the peer it came from' },
    receivedAt: { type: 'integer', description: 'when this node first had it, unix ms' },
  },
} as const;

const headerSchema = {
  type: 'object',
  required: ['hash', 'height', 'prevHash', 'txRoot', 'miner', 'time', 'bits', 'nonce', 'chainWork'],
  properties: {
    hash,
    height: { type: 'integer' },
    prevHash: hash,
    txRoot: hash,
    miner: { type: 'string' },
    time: { type: 'integer' },
    bits: { type: 'string', pattern: '^[0-9a-f]{8}$' },
    nonce: decimal,
    chainWork: decimal,
  },
} as const;

export const CHAIN_VIEW_ROUTES = {
  tips: {
    method: 'GET',
    url: '/chain/tips',
    operationId: 'getChainTips',
    summary:
      'Every tip of the block tree, the most work first (Core: getchaintips): active, valid-fork, ' +
      'valid-headers, headers-only or invalid, with its cumulative work and the length of its branch',
    schema: { response: { 200: { type: 'array', items: tipSchema }, ...errors } },
  },
  tree: {
    method: 'GET',
    url: '/chain/tree',
    operationId: 'getChainTree',
    summary:
      `The block tree from height \`from\` on, every branch, ordered by (height, hash), at most \`limit\` ` +
      `(default ${TREE_LIMIT_DEFAULT}, max ${TREE_LIMIT_MAX}); \`next\` is the cursor of the next page`,
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          from: count('the lowest height (default 0)'),
          limit: count('blocks per page'),
          after: { ...hash, description: 'resume after this block at height `from` (from `next`)' },
        },
      },
      response: {
        200: {
          type: 'object',
          required: ['blocks', 'next'],
          properties: {
            blocks: { type: 'array', items: treeBlockSchema },
            next: {
              type: ['object', 'null'],
              required: ['from', 'after'],
              properties: { from: { type: 'integer' }, after: hash },
            },
          },
        },
        ...errors,
      },
    },
  },
  headers: {
    method: 'GET',
    url: '/blocks',
    operationId: 'getHeaders',
    summary:
      `Main-chain headers from height \`from\` (default: the last \`limit\` blocks), at most \`limit\` ` +
      `(default ${HEADERS_LIMIT_DEFAULT}, max ${HEADERS_LIMIT_MAX}), oldest first`,
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { from: count('the first height'), limit: count('headers per page') },
      },
      response: { 200: { type: 'array', items: headerSchema }, ...errors },
    },
  },
  dashboard: {
    method: 'GET',
    url: '/',
    operationId: 'dashboard',
    summary:
      'The live dashboard page for a browser (Accept: text/html; built into dist/web by npm run build); ' +
      'other clients get a small JSON index',
    produces: 'text/html',
    schema: { response: { ...errors } },
  },
  dashboardScript: {
    method: 'GET',
    url: '/dashboard.js',
    operationId: 'dashboardScript',
    summary: "The dashboard's script",
    produces: 'text/javascript',
    schema: { response: { ...errors } },
  },
  dashboardStyle: {
    method: 'GET',
    url: '/dashboard.css',
    operationId: 'dashboardStyle',
    summary: "The dashboard's style sheet",
    produces: 'text/css',
    schema: { response: { ...errors } },
  },
} as const satisfies Record<string, RouteSpec>;

export interface ChainViewOptions {
  readonly chain: ChainViewSource;
  /** The address prefix (bech32m hrp) of this chain. */
  readonly hrp: string;
  /** Where the built page lives (default dist/web under the package root). */
  readonly webDir?: string;
}

/** How many arrivals and tx counts are remembered (a few hours of blocks on a busy devnet). */
const REMEMBERED = 20_000;

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.has(key)) return; // the first arrival is the one that counts
  map.set(key, value);
  if (map.size > REMEMBERED) map.delete(map.keys().next().value!);
}

function parseCount(text: string | undefined, fallback: number, max: number, what: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n >= 1 && n <= max)) throw new ApiError(400, 'BAD_REQUEST', `${what} must be between 1 and ${max}`);
  return n;
}

/** Registers the dashboard's routes on `app` (one call from the server); returns what stops the listening. */
export function registerChainViewRoutes(app: FastifyInstance, opts: ChainViewOptions): () => void {
  const { chain, hrp } = opts;
  const webDir = opts.webDir ?? join(packageRoot(), 'dist', 'web');
  const arrivals = new Map<string, Arrival>();
  const txCounts = new Map<string, number>();
  const note = (b: ArrivedBlock) => {
    remember(txCounts, b.entry.hex, b.ids.length);
    if (typeof b.receivedAt === 'number') {
      remember(arrivals, b.entry.hex, {
        ...(b.origin !== undefined ? { origin: b.origin } : {}),
        ...(b.peer !== undefined ? { peer: b.peer } : {}),
        receivedAt: b.receivedAt,
      });
    }
  };
  chain.on('block:connected', note);
  chain.on('block:stored', note); // a body stored on a side branch

  const txCountOf = async (e: IndexEntry): Promise<number | undefined> => {
    const known = txCounts.get(e.hex);
    if (known !== undefined || !e.hasBody) return known;
    const raw = await chain.getBlockBytes(e.hash);
    if (!raw) return undefined;
    const n = (raw.length - BLOCK_OVERHEAD_BYTES) / TX_BYTES; // the layout is fixed-size: docs/PROTOCOL.md
    remember(txCounts, e.hex, n);
    return n;
  };

  const r = CHAIN_VIEW_ROUTES;
  app.route({ ...r.tips, handler: async () => chainTips(chain) });

  app.route<{ Querystring: { from?: string; limit?: string; after?: string } }>({
    ...r.tree,
    handler: async (req): Promise<TreePage> => {
      const from = req.query.from === undefined ? 0 : Number(req.query.from);
      const limit = parseCount(req.query.limit, TREE_LIMIT_DEFAULT, TREE_LIMIT_MAX, 'limit');
      // One more than asked tells whether there is a next page.
      const entries = chainTree(chain, from, limit + 1, req.query.after?.toLowerCase());
      const page = entries.slice(0, limit);
      const blocks = await Promise.all(
        page.map(async (e): Promise<TreeBlock> => {
          const txCount = await txCountOf(e);
          return {
            hash: e.hex,
            parent: toHex(e.header.prevHash),
            height: e.header.height,
            chainWork: e.chainWork.toString(),
            miner: encodeAddress(e.header.miner, hrp),
            time: e.header.time,
            bits: e.header.bits.toString(16).padStart(8, '0'),
            ...(txCount !== undefined ? { txCount } : {}),
            main: chain.isOnMainChain(e),
            status: e.status,
            ...arrivals.get(e.hex),
          };
        }),
      );
      const last = page[page.length - 1];
      const next = entries.length > limit && last ? { from: last.header.height, after: last.hex } : null;
      return { blocks, next };
    },
  });

  app.route<{ Querystring: { from?: string; limit?: string } }>({
    ...r.headers,
    handler: async (req) => {
      const limit = parseCount(req.query.limit, HEADERS_LIMIT_DEFAULT, HEADERS_LIMIT_MAX, 'limit');
      const from =
        req.query.from === undefined ? Math.max(0, chain.height - limit + 1) : Number(req.query.from);
      const out = [];
      for (let h = from; h < from + limit && h <= chain.height; h++) {
        const e = chain.atHeight(h)!;
        const x = e.header;
        out.push({
          hash: e.hex,
          height: x.height,
          prevHash: toHex(x.prevHash),
          txRoot: toHex(x.txRoot),
          miner: encodeAddress(x.miner, hrp),
          time: x.time,
          bits: x.bits.toString(16).padStart(8, '0'),
          nonce: x.nonce.toString(),
          chainWork: e.chainWork.toString(),
        });
      }
      return out;
    },
  });

  const asset =
    (name: string, type: string) => async (_req: unknown, reply: import('fastify').FastifyReply) => {
      const path = join(webDir, name);
      if (!existsSync(path)) {
        throw new ApiError(
          404,
          'NOT_FOUND',
          `the dashboard is not built (${path} is missing): run npm run build`,
        );
      }
      return reply.type(type).header('cache-control', 'no-cache').send(readFileSync(path));
    };
  const page = asset('index.html', 'text/html; charset=utf-8');
  app.route({
    ...r.dashboard,
    handler: async (req, reply) => {
      if ((req.headers.accept ?? '').includes('text/html')) return page(req, reply);
      // `kind` tells the dashboard it talks to a node (the devnet aggregator answers otherwise).
      return { name: 'cairn', kind: 'node', dashboard: 'open / in a browser', api: '/openapi.json' };
    },
  });
  app.route({ ...r.dashboardScript, handler: asset('dashboard.js', 'text/javascript; charset=utf-8') });
  app.route({ ...r.dashboardStyle, handler: asset('dashboard.css', 'text/css; charset=utf-8') });
  return () => {
    chain.off('block:connected', note);
    chain.off('block:stored', note);
  };
}
