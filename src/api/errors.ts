// Every error the HTTP API returns, and the ONE place that maps errors to HTTP statuses (see the outcome
// table of docs/ARCHITECTURE.md; like the gossip verdict in src/p2p and the exit codes in src/cli).
//
// The body is always {"error": {"code", "message"}}. `code` is stable (clients and tests match on it):
// the RuleError or MempoolError code when a tx or address was refused, else one of API_CODES below.
// `message` is for a person and may change.
//
// The status says whose move it is:
//   4xx  the request is wrong and resending it unchanged will fail again (fix the input);
//   503  the request is fine but this node cannot serve it now (retry later, or pay a higher fee);
//   500  a bug or a broken datadir: the message is generic and the details go to the log only. A record
//        that failed its integrity check is 500 CORRUPT_RECORD naming the block: the node never answers
//        with data it cannot vouch for (docs/STORAGE.md "Integrity checks").
// A refused tx or address gets its status from its outcome kind alone (statusOfKind below, the
// OutcomeKind table of src/consensus/errors.ts), never from a list of codes.
import { isRuleError, type OutcomeKind } from '../consensus/errors.js';
import { isMempoolError } from '../mempool/policy.js';
import { isCorruptRecord } from '../storage/index.js';

/** The API's own codes, besides the rule and mempool codes of refused txs. */
export const API_CODES = {
  BAD_JSON: 'the body is not valid JSON',
  BAD_REQUEST:
    'the request does not match the route schema (wrong type, missing or unknown field), or is not well-formed HTTP',
  BAD_URL: 'the URL has invalid percent-encoding',
  URI_TOO_LONG: 'a path segment is longer than any block hash, height or address',
  HEADERS_TOO_LARGE: 'the request line and headers are over the HTTP parser limit (16 KiB)',
  REQUEST_TIMEOUT: 'the request (headers and body) did not arrive in time; the connection is closed',
  BAD_HEX: 'a field that must be hex (a hash, a raw tx) is not',
  BODY_TOO_LARGE: 'the body is larger than the limit',
  UNSUPPORTED_MEDIA_TYPE: 'the body is not application/json',
  NOT_FOUND: 'no such route, block, tx or height',
  UNAUTHORIZED: 'the API token is missing or wrong',
  FORBIDDEN:
    'refused to protect the node from web pages: a Host that is not loopback on an API without a token (DNS ' +
    'rebinding), a state-changing request from another origin, or an admin route called from another machine',
  UNAVAILABLE: 'this node cannot serve the request now (no miner, too many event clients, …)',
  INTERNAL: 'an unexpected failure inside the node; see its log',
  CORRUPT_RECORD:
    "a stored record the answer needs failed its integrity check (the node's datadir is damaged); see its log",
} as const;

export type ApiCode = keyof typeof API_CODES;

/** An error a route throws on purpose, with its status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: ApiCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export interface HttpError {
  readonly status: number;
  readonly body: ErrorBody;
  /** Extra response headers (WWW-Authenticate, Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
  /** True when the error is the node's fault: log it at error level, with the stack. */
  readonly internal: boolean;
}

/**
 * The HTTP status of each outcome kind (contract: docs/ARCHITECTURE.md, the outcome table). Only a
 * `transient` refusal is the node's condition rather than the request's: a full mempool drains as blocks
 * are mined, a block from the future becomes timely; so it is 503 with Retry-After, the status that tells
 * a client to come back. Every other kind describes the tx or address itself (invalid or mutated
 * everywhere, against this node's policy, malformed input, another chain, a parent not yet known), which
 * the sender must change: 400.
 */
const KIND_STATUS: Readonly<Record<OutcomeKind, 400 | 503>> = {
  invalid: 400,
  mutated: 400,
  'missing-context': 400,
  policy: 400,
  input: 400,
  'wrong-chain': 400,
  transient: 503,
};

/** The status a refusal of this outcome kind gets. */
export function statusOfKind(kind: OutcomeKind): 400 | 503 {
  return KIND_STATUS[kind];
}

/** The retry hint of a transient refusal, in seconds: about one block at the default spacing. */
export const RETRY_AFTER_SECONDS = '10';

/** Fastify's own error codes (its body parser and router), by the API code they become. */
const FASTIFY_CODES: Readonly<Record<string, readonly [number, ApiCode]>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'BAD_JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'BAD_JSON'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST'],
  // The router's own refusals (fastify's `frameworkErrors` hands them to the one error handler).
  FST_ERR_BAD_URL: [400, 'BAD_URL'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'URI_TOO_LONG'],
};

/**
 * The error of a request the HTTP parser itself refused (Node's `clientError` event: the request never
 * reached fastify), by Node's error code: llhttp's HPE_* codes for malformed HTTP, and the timeouts of
 * src/api/server.ts. Every one gets the one body shape too.
 */
export function clientErrorOf(code: string | undefined): HttpError {
  if (code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      body: body('HEADERS_TOO_LARGE', 'the request line and headers are larger than 16 KiB'),
      internal: false,
    };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return {
      status: 408,
      body: body('REQUEST_TIMEOUT', 'the request did not arrive in time; send its headers and body promptly'),
      internal: false,
    };
  if (code === 'HPE_URI_TOO_LONG')
    return { status: 414, body: body('URI_TOO_LONG', 'the URL is too long'), internal: false };
  const what =
    code === 'HPE_INVALID_URL' || code === 'HPE_INVALID_PATH'
      ? 'the URL has a byte that is not allowed there (send non-ASCII percent-encoded, e.g. %C3%A9)'
      : 'the request is not well-formed HTTP/1.1';
  return { status: 400, body: body('BAD_REQUEST', `${what} (${code ?? 'parse error'})`), internal: false };
}

/**
 * The patterns of the route schemas that mean "hex" (see schemas.ts). A value that fails one of them is
 * BAD_HEX rather than the generic BAD_REQUEST, so a client learns exactly what to fix.
 */
export const HEX_PATTERNS: ReadonlySet<string> = new Set(['^[0-9a-fA-F]{64}$', '^(?:[0-9a-fA-F]{2})*$']);

interface ValidationItem {
  readonly keyword?: string;
  readonly params?: { readonly pattern?: string };
}

interface FrameworkError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly validation?: readonly ValidationItem[];
  readonly message?: unknown;
}

function body(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Maps anything a request can throw to its status and body. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof ApiError) {
    const headers: Record<string, string> | undefined =
      err.code === 'UNAUTHORIZED' ? { 'www-authenticate': 'Bearer' } : undefined;
    return { status: err.status, body: body(err.code, err.message), headers, internal: false };
  }
  // A consensus rule or the mempool's policy refused it: the kind says whose move it is.
  if (isRuleError(err) || isMempoolError(err)) {
    const status = statusOfKind(err.kind);
    const headers = status === 503 ? { 'retry-after': RETRY_AFTER_SECONDS } : undefined;
    return { status, body: body(err.code, err.message), headers, internal: false };
  }
  // The datadir is damaged: say so, and which block, but never serve what was read.
  if (isCorruptRecord(err)) {
    const where = err.height !== undefined ? `the block at height ${err.height}` : 'a record';
    return {
      status: 500,
      body: body(
        'CORRUPT_RECORD',
        `${where}${err.hash ? ` (${err.hash})` : ''} is damaged in this node's datadir: run cairn reindex`,
      ),
      internal: true,
    };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as FrameworkError;
  const message = typeof e.message === 'string' ? e.message : String(err);
  // Schema validation (params, querystring or body) failed.
  if (Array.isArray(e.validation)) {
    const hex = e.validation.some(
      (v) => v.keyword === 'pattern' && v.params?.pattern !== undefined && HEX_PATTERNS.has(v.params.pattern),
    );
    return { status: 400, body: body(hex ? 'BAD_HEX' : 'BAD_REQUEST', message), internal: false };
  }
  const known = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (known) return { status: known[0], body: body(known[1], message), internal: false };
  // Any other client error the framework raised (a malformed URL, say) keeps its status.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: body('BAD_REQUEST', message), internal: false };
  }
  return {
    status: 500,
    body: body('INTERNAL', 'the node failed to answer this request; its log has the details'),
    internal: true,
  };
}
