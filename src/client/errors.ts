// The one error type of a node's HTTP client, shared by `cairn` and `cairn-wallet`. Every way a request can
// fail is one of four kinds, and each CLI turns the kind into its exit status in one place
// (src/client/exit-codes.ts):
//   BAD_INPUT         the caller's own input (an API URL that is not http(s), a token file that is missing);
//   NODE_UNREACHABLE  nothing answered (connection refused, DNS, timeout): "is `cairn start` running?";
//   NODE_REJECTED     the node answered 4xx {"error": {"code", "message"}} (or refused POST /txs): its code;
//   FAILED            the node answered 5xx, or something that is not the Cairn API (BAD_RESPONSE).
// The API's error body is decoded here and nowhere else: `code` and `message` are the node's own.

export type ClientErrorKind = 'BAD_INPUT' | 'NODE_UNREACHABLE' | 'NODE_REJECTED' | 'FAILED';

export class ClientError extends Error {
  override readonly name = 'ClientError';

  constructor(
    readonly kind: ClientErrorKind,
    /** Stable, SCREAMING_SNAKE_CASE; for NODE_REJECTED it is the node's own code (NOT_FOUND, BAD_NONCE…). */
    readonly code: string,
    message: string,
    /** Details a CLI may word its own way. */
    readonly detail: {
      /** The API base URL the request went to. */
      readonly url?: string;
      /** The HTTP status, when the node answered. */
      readonly status?: number;
      /** Why nothing answered: ECONNREFUSED, "no answer within 10 s", … */
      readonly reason?: string;
      /** The node's own message, without the request in front of it. */
      readonly nodeMessage?: string;
    } = {},
  ) {
    super(message);
  }
}

export function isClientError(e: unknown): e is ClientError {
  return e instanceof ClientError;
}

/** The API's error shape, `{"error": {"code", "message"}}`, or null when `json` is not that shape. */
export function decodeErrorBody(json: unknown): { code: string; message: string | null } | null {
  if (typeof json !== 'object' || json === null) return null;
  const error = (json as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return null;
  return { code, message: typeof message === 'string' ? message : null };
}
