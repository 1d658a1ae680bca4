// The few HTTP calls the devnet makes to its nodes and to its own supervisor, through the one HTTP client
// of a Cairn API (src/client/api-client.ts) that `cairn` and `cairn-wallet` use too. (The event hub reads
// the nodes' server-sent-event streams with fetch: a stream that never ends is not a request/answer.)
import { createServer as createNetServer } from 'node:net';
import { ApiClient } from '../../src/client/api-client.js';
import { ClientError } from '../../src/client/errors.js';
import { apiOf, type NodeSpec, type Status } from './state.js';

/**
 * GET (or POST `body` to) `url` and return its JSON; a non-2xx answer throws with the API's
 * `message [CODE]` when it sent one.
 */
export async function http<T>(
  url: string,
  init: { readonly method?: 'GET' | 'POST'; readonly body?: unknown } = {},
  timeoutMs = 3_000,
): Promise<T> {
  const { origin, pathname, search } = new URL(url);
  const client = new ApiClient(origin, { timeoutMs });
  try {
    return init.method === 'POST'
      ? await client.post<T>(pathname + search, init.body ?? {})
      : await client.get<T>(pathname + search);
  } catch (e) {
    if (e instanceof ClientError && e.detail.nodeMessage !== undefined) {
      throw new Error(`${e.detail.nodeMessage} [${e.code}]`);
    }
    throw e;
  }
}

export const post = <T>(url: string, body: unknown = {}, timeoutMs?: number) =>
  http<T>(url, { method: 'POST', body }, timeoutMs);

/** A node's /status, or undefined when it does not answer (stopped, starting, or busy). */
export async function statusOf(node: NodeSpec): Promise<Status | undefined> {
  try {
    return await http<Status>(`${apiOf(node)}/status`, {}, 2_000);
  } catch {
    return undefined;
  }
}

/** Resolves true if nothing listens on `port` at `host` (so a node can bind it). */
export function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createNetServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
