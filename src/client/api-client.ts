// The one HTTP client of a Cairn node's API (docs/openapi.json), used by `cairn`, `cairn-wallet` and the
// devnet (scripts/devnet/http.ts).
// Every method returns checked, typed values (amounts as bigint), and every failure is a ClientError
// (./errors.ts) of one kind: NODE_UNREACHABLE, NODE_REJECTED or FAILED.
// Requests go over node:http with a deadline, so a hung node makes a command fail with a message instead
// of waiting forever; a token goes in "Authorization: Bearer".
import { ClientError, decodeErrorBody } from './errors.js';

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
  /** Blocks on top of and including its block (1 when just mined); 0 while pending. */
  readonly confirmations: number;
  readonly raw: string | null;
}

/** One confirmed tx of an address (GET /accounts/:address/txs), seen from that address. */
export interface AccountTx {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly amount: bigint;
  readonly fee: bigint;
  readonly nonce: bigint;
  readonly direction: 'in' | 'out' | 'self';
  readonly height: number;
  readonly blockHash: string;
  /** The block's time, unix seconds. */
  readonly time: number;
  readonly confirmations: number;
}

export interface AccountTxPage {
  readonly txs: readonly AccountTx[];
  /** The cursor of the next (older) page, or null on the last page. */
  readonly next: string | null;
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
  /** Sent as "Authorization: Bearer <token>" on every request (`cairn start --api-token`). */
  readonly token?: string | undefined;
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
  private readonly token: string | undefined;

  constructor(baseUrl: string, options: ApiClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.token = options.token;
  }

  private unreachable(reason: string): ClientError {
    return new ClientError(
      'NODE_UNREACHABLE',
      'NODE_UNREACHABLE',
      `cannot reach the node at ${this.baseUrl}: is \`cairn start\` running? (${reason})`,
      { url: this.baseUrl, reason },
    );
  }

  private badResponse(what: string, why: string, status?: number): ClientError {
    return new ClientError(
      'FAILED',
      'BAD_RESPONSE',
      `the node at ${this.baseUrl} answered ${what} with ${why} (is it a Cairn node of this version?)`,
      { url: this.baseUrl, status },
    );
  }

  /** One request. Returns the HTTP status and the parsed JSON body; throws on no answer or non-JSON. */
  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<[number, unknown]> {
    const what = `${method} ${path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> =
      payload === undefined
        ? { accept: 'application/json' }
        : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let response: { status: number; text: string };
    try {
      response = await this.send(method, path, headers, payload);
    } catch (e) {
      const err = e as { name?: string; code?: string; message?: string };
      if (err.name === 'TimeoutError') {
        throw this.unreachable(`no answer to ${what} within ${this.timeoutMs / 1000} s`);
      }
      throw this.unreachable(err.code ?? err.message ?? 'request failed');
    }
    const text = response.text;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.badResponse(what, `HTTP ${response.status} and a body that is not JSON`, response.status);
    }
    return [response.status, json];
  }

  /**
   * The HTTP exchange itself, on node:http (node:https for an https:// API). Not the global fetch: in
   * Node 20 its first call loads undici, which costs more than the rest of a read command's start-up
   * together (scripts/bench/cli.bench.ts). The deadline covers connecting, the answer and its body.
   */
  private async send(
    method: string,
    path: string,
    headers: Record<string, string>,
    payload: string | undefined,
  ): Promise<{ status: number; text: string }> {
    const url = new URL(`${this.baseUrl}${path}`);
    const request =
      url.protocol === 'https:' ? (await import('node:https')).request : (await import('node:http')).request;
    return new Promise((resolve, reject) => {
      // agent: false, so no kept-alive socket holds the process open after the command is done.
      const req = request(url, { method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      const timer = setTimeout(() => {
        const e = new Error(`no answer within ${this.timeoutMs} ms`);
        e.name = 'TimeoutError';
        req.destroy(e);
      }, this.timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(payload);
    });
  }

  /**
   * Turn a non-2xx answer into the right ClientError. A 4xx is a refusal of the request; so is any
   * error answer to POST /txs (503 MEMPOOL_FULL: the pool is full and this fee does not beat its cheapest).
   */
  failure(what: string, status: number, json: unknown): ClientError {
    const error = decodeErrorBody(json);
    if (error === null)
      return this.badResponse(what, `HTTP ${status} and no {"error": {"code"}} body`, status);
    const { code, message } = error;
    const line = `${code}: ${message ?? '(no message)'}`;
    const detail = { url: this.baseUrl, status, nodeMessage: message ?? '(no message)' };
    if ((status >= 400 && status < 500) || what === 'POST /txs') {
      return new ClientError('NODE_REJECTED', code, `the node rejected ${what}: ${line}`, detail);
    }
    return new ClientError('FAILED', code, `the node failed on ${what} (HTTP ${status}): ${line}`, detail);
  }

  /** GET `path` and return its JSON as `T` (unchecked: for the read commands that print what they get). */
  async get<T = unknown>(path: string): Promise<T> {
    const [status, json] = await this.request('GET', path);
    if (status < 200 || status > 299) throw this.failure(`GET ${path}`, status, json);
    return json as T;
  }

  /** POST `body` to `path` and return the JSON answer as `T`. */
  async post<T = unknown>(path: string, body: unknown): Promise<T> {
    const [status, json] = await this.request('POST', path, body);
    if (status < 200 || status > 299) throw this.failure(`POST ${path}`, status, json);
    return json as T;
  }

  /** GET /status: which chain the node is on (the wallet signs for its genesis hash). */
  async status(): Promise<NodeStatus> {
    const json = await this.get('/status');
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
   * Wait until the node answers GET /status, for at most `seconds` (Core: bitcoin-cli -rpcwait). Only
   * "nothing answered" is waited out: a node that answers with an error fails at once.
   */
  async waitUntilUp(seconds: number, pollMs = 200): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      try {
        await this.status();
        return;
      } catch (e) {
        if (!(e instanceof ClientError) || e.kind !== 'NODE_UNREACHABLE' || Date.now() >= deadline) throw e;
      }
      await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
    }
  }

  /**
   * GET /accounts/:address → confirmed balance and nonce. An account that was never used is
   * {balance 0, nonce 0} (docs/PROTOCOL.md); a node that answers 404 for it instead is read the same way.
   */
  async account(address: string): Promise<AccountInfo> {
    const path = `/accounts/${encodeURIComponent(address)}`;
    const [status, json] = await this.request('GET', path);
    if (status === 404 && decodeErrorBody(json) !== null) return { address, balance: 0n, nonce: 0n };
    if (status < 200 || status > 299) throw this.failure(`GET ${path}`, status, json);
    const balance = isRecord(json) ? readUint(json.balance) : null;
    const nonce = isRecord(json) ? readUint(json.nonce) : null;
    if (balance === null || nonce === null) {
      throw this.badResponse(`GET ${path}`, 'no decimal "balance" and "nonce"');
    }
    const nextNonce = isRecord(json) ? readUint(json.nextNonce) : null;
    return nextNonce === null ? { address, balance, nonce } : { address, balance, nonce, nextNonce };
  }

  /**
   * GET /accounts/:address/txs: a page of the address's confirmed txs, newest first (`limit` per page,
   * older than the cursor `before`, which is a previous page's `next`).
   */
  async accountTxs(address: string, opts: { limit?: number; before?: string } = {}): Promise<AccountTxPage> {
    const query = new URLSearchParams();
    if (opts.limit !== undefined) query.set('limit', String(opts.limit));
    if (opts.before !== undefined) query.set('before', opts.before);
    const q = query.toString();
    const path = `/accounts/${encodeURIComponent(address)}/txs${q ? `?${q}` : ''}`;
    const json = await this.get(path);
    const bad = (why: string) => this.badResponse(`GET ${path}`, why);
    if (!isRecord(json) || !Array.isArray(json.txs)) throw bad('no "txs" array');
    const next = typeof json.next === 'string' ? json.next : null;
    const txs = json.txs.map((t: unknown): AccountTx => {
      if (!isRecord(t)) throw bad('a tx that is not an object');
      const amount = readUint(t.amount);
      const fee = readUint(t.fee);
      const nonce = readUint(t.nonce);
      const { id, from, to, direction, height, blockHash, time, confirmations } = t;
      if (
        typeof id !== 'string' ||
        typeof from !== 'string' ||
        typeof to !== 'string' ||
        amount === null ||
        fee === null ||
        nonce === null ||
        (direction !== 'in' && direction !== 'out' && direction !== 'self') ||
        typeof height !== 'number' ||
        typeof blockHash !== 'string' ||
        typeof time !== 'number' ||
        typeof confirmations !== 'number'
      ) {
        throw bad('a tx without id, from, to, amount, fee, nonce, direction, height, blockHash, time');
      }
      return { id, from, to, amount, fee, nonce, direction, height, blockHash, time, confirmations };
    });
    return { txs, next };
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
      confirmations:
        typeof json.confirmations === 'number' && Number.isSafeInteger(json.confirmations)
          ? json.confirmations
          : json.status === 'confirmed'
            ? 1
            : 0,
      raw: typeof json.raw === 'string' ? json.raw : null,
    };
  }

  /**
   * GET /mempool: the pending txs (a JSON array, or an object with a "txs" array). The node lists at most
   * `limit` of them (its default is 1,000), so the wallet asks for as many as the API allows.
   */
  async mempool(limit = MEMPOOL_LIMIT): Promise<MempoolEntry[]> {
    const json = await this.get(`/mempool?limit=${limit}`);
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

  /** POST /mine {blocks, to}: the node mines `blocks` blocks now, paying `to` (Core: generatetoaddress). */
  async mine(blocks: number, to: string): Promise<string[]> {
    const json = await this.post('/mine', { blocks, to });
    if (!isRecord(json) || !Array.isArray(json.hashes) || !json.hashes.every((h) => typeof h === 'string')) {
      throw this.badResponse('POST /mine', 'no "hashes" array');
    }
    return json.hashes as string[];
  }
}
