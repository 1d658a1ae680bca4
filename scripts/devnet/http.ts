// The few HTTP calls the devnet makes to its nodes and to its own supervisor.
import { createServer as createNetServer } from 'node:net';
import { apiOf, type NodeSpec, type Status } from './state.js';

/** JSON from `url`; a non-2xx answer throws with the API's `message [CODE]` when it sent one. */
export async function http<T>(url: string, init: RequestInit = {}, timeoutMs = 3_000): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as T & { error?: { code: string; message: string } };
  if (!res.ok)
    throw new Error(body.error ? `${body.error.message} [${body.error.code}]` : `HTTP ${res.status}`);
  return body;
}

export const post = <T>(url: string, body: unknown = {}, timeoutMs?: number) =>
  http<T>(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    timeoutMs,
  );

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
