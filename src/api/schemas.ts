// The routes of the HTTP API and their JSON schemas (docs/ARCHITECTURE.md §5). One table serves three purposes:
// fastify validates every request against it before a handler runs (params, querystring, body), it
// serialises responses from it (fast-json-stringify: faster than JSON.stringify, and a field that is not
// in the schema can never leak out), and openapi.ts turns it into the OpenAPI document. So the
// documentation cannot drift from what the server accepts.
//
// Conventions (MUST, §6): amounts, nonces and chain work are decimal strings of base units (a u64 does
// not fit a JSON number exactly); hashes and raw bytes are lowercase hex; addresses are bech32m.
import type { FastifySchema } from 'fastify';

/** The hard upper bound of GET /mempool?limit= and its default. */
export const MEMPOOL_LIST_MAX = 10_000;
export const MEMPOOL_LIST_DEFAULT = 1_000;
/** POST /txs/batch takes 1 … SUBMIT_BATCH_MAX txs per request (the mempool's MAX_ADD_MANY). */
export const SUBMIT_BATCH_MAX = 1_000;
/** A raw tx is 142 bytes: 284 hex digits. */
const RAW_TX_HEX = 284;
/**
 * POST /txs/batch's body limit: a full batch of raw txs with its JSON punctuation, and room to spare. The
 * other routes keep the server's default (64 KiB).
 */
export const SUBMIT_BATCH_BODY_LIMIT = SUBMIT_BATCH_MAX * (RAW_TX_HEX + 3) + 1024;
/** GET /accounts/:address/txs?limit=: the hard upper bound and the default. */
export const ACCOUNT_TXS_MAX = 1_000;
export const ACCOUNT_TXS_DEFAULT = 50;
/** POST /mine takes 1 … MINE_MAX_BLOCKS blocks per request. */
export const MINE_MAX_BLOCKS = 1_000;
/**
 * POST /blocks takes a body this large: a block of the default 1 MB limit in hex, with room for the JSON
 * around it. A bigger block is refused by the chain's own size rule first (BLOCK_TOO_LARGE) up to here.
 */
export const SUBMIT_BLOCK_BODY_LIMIT = 2 * 1_000_000 + 4096;

// These two patterns mean "hex": errors.ts maps a value failing them to BAD_HEX (see HEX_PATTERNS).
const HASH_PATTERN = '^[0-9a-fA-F]{64}$';
const HEX_PATTERN = '^(?:[0-9a-fA-F]{2})*$';

const hash = { type: 'string', pattern: HASH_PATTERN, description: '32 bytes as 64 hex digits' } as const;
const decimal = { type: 'string', pattern: '^[0-9]+$', description: 'a decimal integer' } as const;
const address = { type: 'string', description: 'a bech32m address of this chain' } as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'stable: a rule code, a mempool code or an API code' },
        message: { type: 'string', description: 'for a person; may change' },
      },
    },
  },
} as const;

const errors = { '4xx': errorSchema, '5xx': errorSchema } as const;

const statusSchema = {
  type: 'object',
  required: [
    'network',
    'genesisHash',
    'height',
    'tipHash',
    'chainWork',
    'peers',
    'mempool',
    'mempoolBytes',
    'syncing',
    'sync',
    'stateDigest',
    'stateMismatches',
  ],
  properties: {
    network: { type: 'string' },
    genesisHash: hash,
    height: { type: 'integer' },
    tipHash: hash,
    chainWork: decimal,
    peers: { type: 'integer', description: 'connected peers (not banned)' },
    mempool: { type: 'integer', description: 'pending transactions' },
    mempoolBytes: { type: 'integer' },
    syncing: { type: 'boolean', description: 'headers or blocks are being downloaded from peers' },
    sync: {
      type: 'object',
      required: ['height', 'target', 'blocksPerSecond'],
      description:
        'how far sync has come: `height` of `target` blocks (the best chain a peer has shown), at ' +
        '`blocksPerSecond` (0 when not downloading). Core: getblockchaininfo blocks / headers',
      properties: {
        height: { type: 'integer', description: 'our main chain: what is synced' },
        target: { type: 'integer', description: 'the height to reach; our own height when in sync' },
        blocksPerSecond: { type: 'number' },
      },
    },
    stateDigest: { ...hash, description: 'order-independent digest of every account at the tip' },
    stateMismatches: { type: 'integer', description: 'peers at our tip whose state digest differed' },
    version: { type: 'string', description: 'the software version' },
    verifier: {
      type: 'string',
      description:
        'the signature backend checking every tx and block: secp256k1-native (libsecp256k1 as a native ' +
        'addon), tiny-secp256k1 (the same library as WebAssembly) or noble (pure JS)',
    },
  },
} as const;

const blockSchema = {
  type: 'object',
  required: [
    'hash',
    'height',
    'version',
    'prevHash',
    'txRoot',
    'miner',
    'time',
    'bits',
    'nonce',
    'chainWork',
    'status',
    'onMainChain',
    'confirmations',
    'txs',
    'raw',
  ],
  properties: {
    hash,
    height: { type: 'integer' },
    version: { type: 'integer' },
    prevHash: hash,
    txRoot: hash,
    miner: address,
    time: { type: 'integer', description: 'unix seconds' },
    bits: { type: 'string', pattern: '^[0-9a-f]{8}$', description: 'compact target, 8 hex digits' },
    nonce: decimal,
    chainWork: decimal,
    status: {
      type: 'string',
      enum: ['valid', 'valid-header', 'invalid'],
      description: "'valid' once it has been connected; 'invalid' if it broke a rule",
    },
    onMainChain: { type: 'boolean' },
    confirmations: { type: 'integer', description: 'tip height − height + 1 on the main chain, else 0' },
    txs: { type: 'array', items: hash, description: 'tx ids in block order' },
    raw: { type: 'string', description: 'hex of the encoded block' },
  },
} as const;

/** A tx's fields without its encoding (GET /accounts/:address/txs leaves `raw` out). */
const txBodyFields = {
  id: hash,
  from: { ...address, description: "the sender's address" },
  to: address,
  amount: decimal,
  fee: decimal,
  nonce: decimal,
} as const;

const txFields = {
  ...txBodyFields,
  raw: { type: 'string', description: 'hex of the encoded signed tx (142 bytes)' },
} as const;

const txSchema = {
  type: 'object',
  required: ['id', 'from', 'to', 'amount', 'fee', 'nonce', 'status', 'raw'],
  properties: {
    ...txFields,
    status: { type: 'string', enum: ['pending', 'confirmed'] },
    blockHash: { ...hash, description: 'only when confirmed' },
    height: { type: 'integer', description: 'only when confirmed' },
    confirmations: { type: 'integer', description: 'only when confirmed' },
  },
} as const;

const mempoolEntrySchema = {
  type: 'object',
  required: ['id', 'from', 'to', 'amount', 'fee', 'nonce', 'raw'],
  properties: txFields,
} as const;

const accountSchema = {
  type: 'object',
  required: ['address', 'balance', 'nonce'],
  properties: {
    address,
    balance: decimal,
    nonce: { ...decimal, description: 'the account nonce: what the next confirmed tx must use' },
    nextNonce: {
      ...decimal,
      description: 'the nonce for a new tx, counting this sender’s pending txs (send with this one)',
    },
  },
} as const;

const accountTxSchema = {
  type: 'object',
  required: [
    'id',
    'from',
    'to',
    'amount',
    'fee',
    'nonce',
    'direction',
    'height',
    'position',
    'blockHash',
    'time',
    'confirmations',
  ],
  properties: {
    ...txBodyFields,
    direction: {
      type: 'string',
      enum: ['in', 'out', 'self'],
      description: "'in': paid to the address; 'out': sent from it; 'self': both",
    },
    height: { type: 'integer' },
    position: { type: 'integer', description: "the tx's index in its block" },
    blockHash: hash,
    time: { type: 'integer', description: "the block's time, unix seconds" },
    confirmations: { type: 'integer' },
  },
} as const;

const accountTxsSchema = {
  type: 'object',
  required: ['address', 'txs', 'next'],
  properties: {
    address,
    txs: { type: 'array', items: accountTxSchema, description: 'newest first' },
    next: {
      type: ['string', 'null'],
      description: 'pass as `before` for the next (older) page; null on the last page',
    },
  },
} as const;

const peerSchema = {
  type: 'object',
  required: ['peerId', 'addrs', 'direction', 'score', 'banned'],
  properties: {
    peerId: { type: 'string' },
    addrs: { type: 'array', items: { type: 'string' } },
    direction: { type: 'string', enum: ['inbound', 'outbound'] },
    score: { type: 'number' },
    banned: { type: 'boolean' },
  },
} as const;

const okSchema = { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } } as const;

export interface RouteSpec {
  readonly method: 'GET' | 'POST';
  /** Fastify's syntax (`/blocks/:hashOrHeight`); openapi.ts rewrites it as `{hashOrHeight}`. */
  readonly url: string;
  readonly operationId: string;
  readonly summary: string;
  readonly schema: FastifySchema;
  /** For routes that do not answer JSON (SSE, Prometheus text): the media type of a 200. */
  readonly produces?: string;
}

export const ROUTES = {
  status: {
    method: 'GET',
    url: '/status',
    operationId: 'getStatus',
    summary: 'The node at a glance: chain tip, work, peers, mempool, sync state and state digest',
    schema: { response: { 200: statusSchema, ...errors } },
  },
  block: {
    method: 'GET',
    url: '/blocks/:hashOrHeight',
    operationId: 'getBlock',
    summary:
      "A block by hash (any branch), by height (main chain) or `tip` (the main chain's tip, Core: " +
      'getbestblockhash): header fields, tx ids and raw hex',
    schema: {
      params: {
        type: 'object',
        required: ['hashOrHeight'],
        properties: {
          hashOrHeight: {
            type: 'string',
            pattern: '^(?:[0-9a-fA-F]{64}|[0-9]{1,10}|tip)$',
            description: 'a 64-hex block hash, a decimal height on the main chain, or `tip`',
          },
        },
      },
      response: { 200: blockSchema, ...errors },
    },
  },
  submitBlock: {
    method: 'POST',
    url: '/blocks',
    operationId: 'submitBlock',
    summary:
      'Hand the node a whole block, as if a peer had sent it (Core: submitblock). 200: what became of it: ' +
      'connected (the main chain), stored (a valid side branch with no more work than the tip), orphan ' +
      '(its parent is unknown), duplicate. 400: it broke a rule, with the rule code. 503 TIME_TOO_NEW: its ' +
      'time is too far ahead of this node’s clock; the same block may be accepted later',
    schema: {
      body: {
        type: 'object',
        required: ['raw'],
        additionalProperties: false,
        properties: {
          raw: { type: 'string', pattern: HEX_PATTERN, description: 'hex of the encoded block' },
        },
      },
      response: {
        200: {
          type: 'object',
          required: ['hash', 'height', 'status', 'onMainChain'],
          properties: {
            hash,
            height: { type: 'integer' },
            status: { type: 'string', enum: ['connected', 'stored', 'orphan', 'duplicate'] },
            onMainChain: { type: 'boolean', description: 'whether the block is on the main chain now' },
          },
        },
        ...errors,
      },
    },
  },
  tx: {
    method: 'GET',
    url: '/txs/:id',
    operationId: 'getTx',
    summary: 'A transaction, pending (in the mempool) or confirmed (on the main chain)',
    schema: {
      params: { type: 'object', required: ['id'], properties: { id: hash } },
      response: { 200: txSchema, ...errors },
    },
  },
  account: {
    method: 'GET',
    url: '/accounts/:address',
    operationId: 'getAccount',
    summary: 'Balance and nonce of an account at the tip (an unknown account is empty, not an error)',
    schema: {
      params: {
        type: 'object',
        required: ['address'],
        properties: { address: { ...address, maxLength: 200 } },
      },
      response: { 200: accountSchema, ...errors },
    },
  },
  accountTxs: {
    method: 'GET',
    url: '/accounts/:address/txs',
    operationId: 'getAccountTxs',
    summary:
      'The confirmed txs that send from or pay an address, newest first, a page at a time (the address ' +
      'index: a reorg removes the txs of the blocks it disconnects). Pending txs are in GET /mempool',
    schema: {
      params: {
        type: 'object',
        required: ['address'],
        properties: { address: { ...address, maxLength: 200 } },
      },
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          limit: {
            type: 'string',
            pattern: '^[0-9]{1,9}$',
            description: `txs per page (default ${ACCOUNT_TXS_DEFAULT}, max ${ACCOUNT_TXS_MAX})`,
          },
          before: {
            type: 'string',
            pattern: '^[0-9]{1,10}\\.[0-9]{1,10}$',
            description: 'the `next` of the previous page: HEIGHT.POSITION, exclusive',
          },
        },
      },
      response: { 200: accountTxsSchema, ...errors },
    },
  },
  submitTx: {
    method: 'POST',
    url: '/txs',
    operationId: 'submitTx',
    summary:
      'Submit a signed tx to the mempool. 202: accepted (not yet mined). 400: refused, with the rule or ' +
      'mempool code. 503 MEMPOOL_FULL: the pool is full and the fee does not beat its cheapest tx',
    schema: {
      body: {
        type: 'object',
        required: ['raw'],
        additionalProperties: false,
        properties: {
          raw: { type: 'string', pattern: HEX_PATTERN, description: 'hex of the encoded signed tx' },
        },
      },
      response: {
        202: {
          type: 'object',
          required: ['id'],
          properties: { id: hash, replaced: { ...hash, description: 'the pending tx it replaced' } },
        },
        ...errors,
      },
    },
  },
  submitTxs: {
    method: 'POST',
    url: '/txs/batch',
    operationId: 'submitTxs',
    summary:
      `Submit up to ${SUBMIT_BATCH_MAX} signed txs in one request (a wallet sending several, a load ` +
      'generator). 200 with one result per tx, in the order given: {id, status: 202, replaced?} when ' +
      'accepted, exactly as POST /txs would answer it, or {status, error: {code, message}, id?} with the ' +
      'status and error POST /txs would give that tx alone (id when the tx decoded). A sender\u2019s ' +
      'later nonces may follow its earlier ones in the same batch. 400 for the request as a whole only ' +
      'when its body is malformed (not an array of hex strings, empty, or too many)',
    schema: {
      body: {
        type: 'object',
        required: ['txs'],
        additionalProperties: false,
        properties: {
          txs: {
            type: 'array',
            minItems: 1,
            maxItems: SUBMIT_BATCH_MAX,
            items: {
              type: 'string',
              pattern: HEX_PATTERN,
              maxLength: RAW_TX_HEX,
              description: 'hex of an encoded signed tx',
            },
          },
        },
      },
      response: {
        200: {
          type: 'object',
          required: ['results'],
          properties: {
            results: {
              type: 'array',
              items: {
                type: 'object',
                required: ['status'],
                properties: {
                  status: {
                    type: 'integer',
                    description: 'what POST /txs would have answered for this tx alone: 202, 400 or 503',
                  },
                  id: { ...hash, description: 'the tx id (absent only when the tx did not decode)' },
                  replaced: { ...hash, description: 'the pending tx it replaced' },
                  error: { ...errorSchema.properties.error, description: 'why it was refused' },
                },
              },
            },
          },
        },
        ...errors,
      },
    },
  },
  mine: {
    method: 'POST',
    url: '/mine',
    operationId: 'mine',
    summary: 'Mine blocks now, paying the reward to `to` (for regtest and local learning)',
    schema: {
      body: {
        type: 'object',
        required: ['blocks', 'to'],
        additionalProperties: false,
        properties: {
          blocks: { type: 'integer', minimum: 1, maximum: MINE_MAX_BLOCKS },
          to: { ...address, maxLength: 200 },
        },
      },
      response: {
        200: {
          type: 'object',
          required: ['hashes'],
          properties: { hashes: { type: 'array', items: hash } },
        },
        ...errors,
      },
    },
  },
  peers: {
    method: 'GET',
    url: '/peers',
    operationId: 'getPeers',
    summary: 'Connected peers, and banned peers while their ban lasts',
    schema: { response: { 200: { type: 'array', items: peerSchema }, ...errors } },
  },
  mempool: {
    method: 'GET',
    url: '/mempool',
    operationId: 'getMempool',
    summary: `Pending txs in arrival order, at most \`limit\` (default ${MEMPOOL_LIST_DEFAULT}, max ${MEMPOOL_LIST_MAX})`,
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: { type: 'string', pattern: '^[0-9]{1,9}$', description: 'a decimal count' } },
      },
      response: { 200: { type: 'array', items: mempoolEntrySchema }, ...errors },
    },
  },
  events: {
    method: 'GET',
    url: '/events',
    operationId: 'events',
    summary:
      'Server-sent events, each with an `id:`: `block` (joined the main chain) {hash, height, txs, ' +
      'prevHash, chainWork, miner, origin?, peer?, receivedAt?}, `block:stored` (a valid block stored on ' +
      'a side branch; the same fields), `reorg` {depth, oldTip, newTip, fork, forkHeight, disconnected, ' +
      'connected, returnedTxs, returnedTxCount} (the txs of the abandoned blocks that go back to the ' +
      'mempool), `tx` {id, origin?, peer?, receivedAt?}; origin is mined, api, gossip, sync, reorg or ' +
      "reindex, receivedAt is unix ms on the node's clock. A client reconnecting with Last-Event-ID (header, or ?lastEventId=) gets " +
      'what it missed from a bounded replay buffer, or one `reset` event when that id is too old (refetch ' +
      'the state). A comment line every 15 s keeps idle connections open. A client that reads too slowly ' +
      'is dropped',
    produces: 'text/event-stream',
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          topics: {
            type: 'string',
            maxLength: 100,
            description: 'comma-separated topics to receive: block, block:stored, reorg, tx (default all)',
          },
          lastEventId: { type: 'string', maxLength: 100, description: 'resume after this event id' },
        },
      },
      response: { ...errors },
    },
  },
  metrics: {
    method: 'GET',
    url: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus text exposition of the node’s metrics',
    produces: 'text/plain; version=0.0.4',
    schema: { response: { ...errors } },
  },
  blockPeers: {
    method: 'POST',
    url: '/admin/block-peers',
    operationId: 'blockPeers',
    summary:
      'Admin, loopback only (403 FORBIDDEN otherwise): drop these peers and refuse them both ways until ' +
      'unblock-peers (the devnet uses it to split the network in two)',
    schema: {
      body: {
        type: 'object',
        required: ['peerIds'],
        additionalProperties: false,
        properties: {
          peerIds: {
            type: 'array',
            maxItems: 1_000,
            items: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
      },
      response: { 200: okSchema, ...errors },
    },
  },
  unblockPeers: {
    method: 'POST',
    url: '/admin/unblock-peers',
    operationId: 'unblockPeers',
    summary: 'Admin, loopback only: lift every block-peers block (heal the devnet partition); no body needed',
    schema: { response: { 200: okSchema, ...errors } },
  },
  openapi: {
    method: 'GET',
    url: '/openapi.json',
    operationId: 'openapi',
    summary: 'This API’s OpenAPI 3.1 description',
    schema: { response: { 200: { type: 'object', additionalProperties: true }, ...errors } },
  },
} as const satisfies Record<string, RouteSpec>;
