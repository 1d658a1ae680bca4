// The wallet's only way to a node: its HTTP API (DESIGN.md §6). Every method returns checked, typed
// values (amounts as bigint), and every failure is a WalletError of one of three kinds:
//   NODE_UNREACHABLE  nothing answered (connection refused, DNS, timeout): "is `cairn start` running?";
//   NODE_REJECTED     the node answered 4xx {"error": {"code", "message"}}: its code is shown as is;
//   FAILED            the node answered 5xx, or something that is not the Cairn API (BAD_RESPONSE).
// Requests use the global fetch (Node ≥ 18) with a deadline (AbortSignal.timeout), so a hung node makes
// the wallet fail with a message instead of waiting forever.
import { WalletError } from './errors.js';

export interface NodeStatus {
  readonly network: string;
  readonly genesisHash: string; // 64 lowercase hex
  readonly height: number | null;
}

export interface AccountInfo {
  readonly address: string;
  readonly balance: bigint;
  readonly nonce: bigint;
  /** The node's own "next nonce for a new tx" (account nonce + this sender's pending txs), if it says. */
  readonly nextNonce?: bigint;
}

export interface TxInfo {
  readonly id: string;
  readonly status: 'pending' | 'confirmed';
  readonly blockHash: string | null;
  readonly height: number | null;
  readonly raw: string | null;
}

/** One mempool entry. Only `id` is required; the wallet reads the rest from `raw` when it can. */
export interface MempoolEntry {
  readonly id: string;
  readonly from: string | null;
  readonly nonce: bigint | null;
  readonly raw: string | null;
}

export interface ApiClientOptions {
  /** Deadline of each request, in milliseconds (default 10 s). */
  readonly timeoutMs?: number;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** The most entries GET /mempool?limit= returns (the API's MEMPOOL_LIST_MAX). */
export const MEMPOOL_LIMIT = 10_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A u64-ish count or amount: a decimal string (the API's form) or, leniently, a safe integer number. */
function readUint(v: unknown): bigint | null {
  if (typeof v === 'string' && /^[0-9]{1,20}$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return null;
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: ApiClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  private unreachable(detail: string): WalletError {
    return new WalletError(
      'NODE_UNREACHABLE',
      'NODE_UNREACHABLE',
      `cannot reach the node at ${this.baseUrl}: is \`cairn start\` running? (${detail})`,
    );
  }

  private badResponse(what: string, why: string): WalletError {
    return new WalletError(
      'FAILED',
      'BAD_RESPONSE',
      `the node at ${this.baseUrl} answered ${what} with ${why} (is it a Cairn node of this version?)`,
    );
  }

  /** One request. Returns the HTTP status and the parsed JSON body; throws on no answer or non-JSON. */
  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<[number, unknown]> {
    const what = `${method} ${path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (e) {
      const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') {
        throw this.unreachable(`no answer to ${what} within ${this.timeoutMs / 1000} s`);
      }
      throw this.unreachable(err.cause?.code ?? err.cause?.message ?? err.message ?? 'fetch failed');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.badResponse(what, `HTTP ${response.status} and a body that is not JSON`);
    }
    return [response.status, json];
  }

  /**
   * Turn a non-2xx answer into the right WalletError. A 4xx is a refusal of the request; so is any
   * error answer to POST /txs (503 MEMPOOL_FULL: the pool is full and this fee does not beat its cheapest).
   */
  private failure(what: string, status: number, json: unknown): WalletError {
    const error = isRecord(json) && isRecord(json.error) ? json.error : null;
    const code = error && typeof error.code === 'string' ? error.code : null;
    const message = error && typeof error.message === 'string' ? error.message : null;
    if (code === null) return this.badResponse(what, `HTTP ${status} and no {"error": {"code"}} body`);
    const line = `${code}: ${message ?? '(no message)'}`;
    if ((status >= 400 && status < 500) || what === 'POST /txs') {
      return new WalletError('NODE_REJECTED', code, `the node rejected ${what}: ${line}`);
    }
    return new WalletError('FAILED', code, `the node failed on ${what} (HTTP ${status}): ${line}`);
  }

  private async getOk(path: string): Promise<unknown> {
    const [status, json] = await this.request('GET', path);
    if (status < 200 || status > 299) throw this.failure(`GET ${path}`, status, json);
    return json;
  }

  /** GET /status: which chain the node is on (the wallet signs for its genesis hash). */
  async status(): Promise<NodeStatus> {
    const json = await this.getOk('/status');
    if (!isRecord(json) || typeof json.network !== 'string' || typeof json.genesisHash !== 'string') {
      throw this.badResponse('GET /status', 'no "network" and "genesisHash"');
    }
    const genesisHash = json.genesisHash.toLowerCase();
    if (!HEX64.test(genesisHash))
      throw this.badResponse('GET /status', 'a "genesisHash" that is not 32 bytes hex');
    const height = typeof json.height === 'number' && Number.isSafeInteger(json.height) ? json.height : null;
    return { network: json.network, genesisHash, height };
  }

  /**
   * GET /accounts/:address → confirmed balance and nonce. An account that was never used is
   * {balance 0, nonce 0} (DESIGN.md §2); a node that answers 404 for it instead is read the same way.
   */
  async account(address: string): Promise<AccountInfo> {
    const path = `/accounts/${encodeURIComponent(address)}`;
    const [status, json] = await this.request('GET', path);
    if (status === 404 && isRecord(json) && isRecord(json.error)) return { address, balance: 0n, nonce: 0n };
    if (status < 200 || status > 299) throw this.failure(`GET ${path}`, status, json);
    const balance = isRecord(json) ? readUint(json.balance) : null;
    const nonce = isRecord(json) ? readUint(json.nonce) : null;
    if (balance === null || nonce === null) {
      throw this.badResponse(`GET ${path}`, 'no decimal "balance" and "nonce"');
    }
    const nextNonce = isRecord(json) ? readUint(json.nextNonce) : null;
    return nextNonce === null ? { address, balance, nonce } : { address, balance, nonce, nextNonce };
  }

  /** POST /txs {"raw"} → the tx id the node assigned (202). A rejected tx is NODE_REJECTED with its code. */
  async submitTx(raw: string): Promise<string> {
    const [status, json] = await this.request('POST', '/txs', { raw });
    if (status < 200 || status > 299) throw this.failure('POST /txs', status, json);
    if (!isRecord(json) || typeof json.id !== 'string' || !HEX64.test(json.id)) {
      throw this.badResponse('POST /txs', 'no 32-byte hex "id"');
    }
    return json.id;
  }

  /** GET /txs/:id; null if the node does not know the tx (never seen, or dropped from its mempool). */
  async tx(id: string): Promise<TxInfo | null> {
    const path = `/txs/${encodeURIComponent(id)}`;
    const [status, json] = await this.request('GET', path);
    if (status === 404) return null;
    if (status < 200 || status > 299) throw this.failure(`GET ${path}`, status, json);
    if (!isRecord(json) || (json.status !== 'pending' && json.status !== 'confirmed')) {
      throw this.badResponse(`GET ${path}`, 'no "status" of "pending" or "confirmed"');
    }
    return {
      id: typeof json.id === 'string' ? json.id : id,
      status: json.status,
      blockHash: typeof json.blockHash === 'string' ? json.blockHash : null,
      height: typeof json.height === 'number' && Number.isSafeInteger(json.height) ? json.height : null,
      raw: typeof json.raw === 'string' ? json.raw : null,
    };
  }

  /**
   * GET /mempool: the pending txs (a JSON array, or an object with a "txs" array). The node lists at most
   * `limit` of them (its default is 1,000), so the wallet asks for as many as the API allows.
   */
  async mempool(limit = MEMPOOL_LIMIT): Promise<MempoolEntry[]> {
    const json = await this.getOk(`/mempool?limit=${limit}`);
    const list = Array.isArray(json) ? json : isRecord(json) && Array.isArray(json.txs) ? json.txs : null;
    if (list === null)
      throw this.badResponse(`GET /mempool?limit=${limit}`, 'neither an array nor {"txs": [...]}');
    return list.map((entry: unknown) => {
      if (!isRecord(entry) || typeof entry.id !== 'string') {
        throw this.badResponse(`GET /mempool?limit=${limit}`, 'an entry without an "id"');
      }
      return {
        id: entry.id,
        from: typeof entry.from === 'string' ? entry.from : null,
        nonce: readUint(entry.nonce),
        raw: typeof entry.raw === 'string' ? entry.raw : null,
      };
    });
  }
}
