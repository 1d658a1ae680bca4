// The routes the live dashboard reads (docs/DASHBOARD.md): the chain's tips (Core: getchaintips), the
// block tree above a height with every branch, a page of main-chain headers, and the page itself.
// The chain computes the tips and the tree (src/chain/chain-tips.ts); these routes only page and format
// them (hex, decimal work, bech32m addresses). Nothing here writes chain state.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type ChainTip, TIPS_MAX, type TreeEntry } from '../../chain/chain.js';
import { encodeAddress } from '../../consensus/address.js';
import { fromHex, toHex } from '../../consensus/bytes.js';
import { packageRoot } from '../../util/package-files.js';
import { ApiError } from '../errors.js';
import { errorSchema, type RouteSpec } from '../schemas.js';
import type { ApiChain } from '../services.js';

/** What these routes read of the chain (src/chain/chain.ts `Chain` satisfies it). */
export type ChainViewSource = Pick<ApiChain, 'tips' | 'tree' | 'height' | 'atHeight'>;

export const TREE_LIMIT_MAX = 1_000;
export const TREE_LIMIT_DEFAULT = 500;
export const HEADERS_LIMIT_MAX = 1_000;
export const HEADERS_LIMIT_DEFAULT = 100;

/** A tip as JSON: hex hash, decimal work. */
export interface TipJson {
  readonly hash: string;
  readonly height: number;
  readonly chainWork: string;
  readonly branchLength: number;
  readonly status: ChainTip['status'];
}

/** A block of the tree as JSON. */
export interface TreeBlock {
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
  readonly status: TreeEntry['status'];
  readonly origin?: string;
  readonly peer?: string;
  readonly receivedAt?: number;
}

export interface TreePage {
  readonly blocks: TreeBlock[];
  /** Where the next page starts, or null when this was the last. */
  readonly next: { readonly from: number; readonly after: string } | null;
}

const tipJson = (t: ChainTip): TipJson => ({
  hash: toHex(t.hash),
  height: t.height,
  chainWork: t.chainWork.toString(),
  branchLength: t.branchLength,
  status: t.status,
});

const bitsHex = (bits: number) => bits.toString(16).padStart(8, '0');

function treeBlock(e: TreeEntry, hrp: string): TreeBlock {
  return {
    hash: toHex(e.hash),
    parent: toHex(e.parentHash),
    height: e.height,
    chainWork: e.chainWork.toString(),
    miner: encodeAddress(e.miner, hrp),
    time: e.time,
    bits: bitsHex(e.bits),
    ...(e.txCount !== undefined ? { txCount: e.txCount } : {}),
    main: e.main,
    status: e.status,
    ...(e.origin !== undefined ? { origin: e.origin } : {}),
    ...(e.peer !== undefined ? { peer: e.peer } : {}),
    ...(e.receivedAt !== undefined ? { receivedAt: e.receivedAt } : {}),
  };
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
      'valid-headers, headers-only or invalid, with its cumulative work and the length of its branch; ' +
      `at most ${TIPS_MAX}, the active tip always among them`,
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

function parseCount(text: string | undefined, fallback: number, max: number, what: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n >= 1 && n <= max)) throw new ApiError(400, 'BAD_REQUEST', `${what} must be between 1 and ${max}`);
  return n;
}

/** Registers the dashboard's routes on `app` (one call from the server). */
export function registerChainViewRoutes(app: FastifyInstance, opts: ChainViewOptions): void {
  const { chain, hrp } = opts;
  const webDir = opts.webDir ?? join(packageRoot(), 'dist', 'web');
  const r = CHAIN_VIEW_ROUTES;
  app.route({ ...r.tips, handler: async () => chain.tips().map(tipJson) });

  app.route<{ Querystring: { from?: string; limit?: string; after?: string } }>({
    ...r.tree,
    handler: async (req): Promise<TreePage> => {
      const from = req.query.from === undefined ? 0 : Number(req.query.from);
      const limit = parseCount(req.query.limit, TREE_LIMIT_DEFAULT, TREE_LIMIT_MAX, 'limit');
      const after = req.query.after === undefined ? undefined : fromHex(req.query.after.toLowerCase());
      // One more than asked tells whether there is a next page.
      const entries = await chain.tree(from, limit + 1, after);
      const page = entries.slice(0, limit);
      const last = page[page.length - 1];
      const next = entries.length > limit && last ? { from: last.height, after: toHex(last.hash) } : null;
      return { blocks: page.map((e) => treeBlock(e, hrp)), next };
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
          bits: bitsHex(x.bits),
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
}
