// Every error the HTTP API returns, and the ONE place that maps errors to HTTP statuses (DESIGN.md §6,
// like the gossip validator's ACCEPT/IGNORE/REJECT map in src/p2p and the exit codes in src/cli).
//
// The body is always {"error": {"code", "message"}}. `code` is stable (clients and tests match on it):
// the RuleError or MempoolError code when a tx or address was refused, else one of API_CODES below.
// `message` is for a person and may change.
//
// The status says whose move it is:
//   4xx  the request is wrong and resending it unchanged will fail again (fix the input);
//   503  the request is fine but this node cannot serve it now (retry later, or pay a higher fee);
//   500  a bug or a broken datadir: the message is generic and the details go to the log only.
import { isRuleError } from '../consensus/errors.js';
import { isMempoolError, type MempoolCode } from '../mempool/policy.js';

/** The API's own codes, besides the rule and mempool codes of refused txs. */
export const API_CODES = {
  BAD_JSON: 'the body is not valid JSON',
  BAD_REQUEST: 'the request does not match the route schema (wrong type, missing or unknown field)',
  BAD_HEX: 'a field that must be hex (a hash, a raw tx) is not',
  BODY_TOO_LARGE: 'the body is larger than the limit',
  UNSUPPORTED_MEDIA_TYPE: 'the body is not application/json',
  NOT_FOUND: 'no such route, block, tx or height',
  UNAUTHORIZED: 'the API token is missing or wrong',
  FORBIDDEN: 'an admin route was called from another machine (admin routes answer loopback only)',
  UNAVAILABLE: 'this node cannot serve the request now (no miner, too many event clients, …)',
  INTERNAL: 'an unexpected failure inside the node; see its log',
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
 * A full mempool is not bad input: the same tx may be taken once blocks drain the pool (or with a
 * higher fee), so it is 503 with Retry-After, the status that tells a client to come back. Every other
 * mempool code describes the tx itself against this node's state (nonce used, funds short, duplicate,
 * fee too low), which the sender must change: 400, like the consensus rule codes.
 */
const MEMPOOL_STATUS: Partial<Record<MempoolCode, number>> = { MEMPOOL_FULL: 503 };

/** The retry hint for a full mempool, in seconds: about one block at the default spacing. */
const RETRY_AFTER_SECONDS = '10';

/** Fastify's own error codes (its body parser and router), by the API code they become. */
const FASTIFY_CODES: Readonly<Record<string, readonly [number, ApiCode]>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'BAD_JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'BAD_JSON'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST'],
};

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
  // A consensus rule refused it: the tx (or address) is invalid everywhere, forever.
  if (isRuleError(err)) return { status: 400, body: body(err.code, err.message), internal: false };
  if (isMempoolError(err)) {
    const status = MEMPOOL_STATUS[err.code] ?? 400;
    const headers = status === 503 ? { 'retry-after': RETRY_AFTER_SECONDS } : undefined;
    return { status, body: body(err.code, err.message), headers, internal: false };
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
