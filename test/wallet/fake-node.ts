// A tiny stand-in for a Cairn node's HTTP API (docs/ARCHITECTURE.md §5), on node:http, for the wallet's tests.
// It keeps accounts and a mempool in memory, checks every submitted tx the way a node would (decode,
// signature for its genesis hash, nonce, balance) and answers with the API's error shape, so the tests
// exercise the wallet's real requests and parsing. Tests can also replace any route's answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addressHash, decodeAddress, encodeAddress } from '../../src/consensus/address.js';
import { fromHex, toHex } from '../../src/consensus/bytes.js';
import { decodeTx } from '../../src/consensus/encoding.js';
import { isRuleError } from '../../src/consensus/errors.js';
import { txId } from '../../src/consensus/hash.js';
import { checkTxSignature } from '../../src/consensus/signature.js';
import type { Tx } from '../../src/consensus/types.js';

export interface FakeAccount {
  balance: bigint;
  nonce: bigint;
}

export interface FakeTx {
  readonly id: string;
  readonly tx: Tx;
  readonly raw: string;
  status: 'pending' | 'confirmed';
  blockHash: string | null;
  height: number | null;
}

export type Override = (req: IncomingMessage, res: ServerResponse, body: string) => boolean;

export class FakeNode {
  readonly accounts = new Map<string, FakeAccount>(); // keyed by hex address hash
  readonly txs = new Map<string, FakeTx>();
  readonly requests: { method: string; url: string; body: string }[] = [];
  /** Return true to take over a request (for error cases); checked before the normal routes. */
  override: Override | null = null;
  /** Extra mempool entries as served (to test entries the wallet did not make). */
  extraMempool: unknown[] = [];
  /** Serve the account's "nextNonce" as a real node does (off to test the wallet's own count). */
  serveNextNonce = true;
  height = 0;
  private server: Server | null = null;
  url = '';

  constructor(
    readonly network: string,
    readonly genesisHash: Uint8Array,
    readonly prefix = 'cairn',
  ) {}

  fund(address: Uint8Array, balance: bigint, nonce = 0n): void {
    this.accounts.set(toHex(address), { balance, nonce });
  }

  account(hash: Uint8Array): FakeAccount {
    return this.accounts.get(toHex(hash)) ?? { balance: 0n, nonce: 0n };
  }

  pending(): FakeTx[] {
    return [...this.txs.values()].filter((t) => t.status === 'pending');
  }

  /** "Mine" every pending tx in nonce order: apply it to the accounts and confirm it. */
  mine(): void {
    this.height++;
    const blockHash = toHex(new Uint8Array(32).fill(this.height));
    for (const t of this.pending().sort((a, b) => Number(a.tx.nonce - b.tx.nonce))) {
      const from = addressHash(t.tx.from);
      const a = this.account(from);
      this.accounts.set(toHex(from), { balance: a.balance - t.tx.amount - t.tx.fee, nonce: a.nonce + 1n });
      const b = this.account(t.tx.to);
      this.accounts.set(toHex(t.tx.to), { balance: b.balance + t.tx.amount, nonce: b.nonce });
      t.status = 'confirmed';
      t.blockHash = blockHash;
      t.height = this.height;
    }
  }

  /** Every confirmed tx of `hash`, newest first (block order within a block: insertion order). */
  private txsOf(hash: Uint8Array): object[] {
    const hex = toHex(hash);
    return [...this.txs.values()]
      .map((t, position) => ({
        t,
        position,
        out: toHex(addressHash(t.tx.from)) === hex,
        into: toHex(t.tx.to) === hex,
      }))
      .filter(({ t, out, into }) => t.status === 'confirmed' && (out || into))
      .reverse()
      .map(({ t, position, out, into }) => ({
        id: t.id,
        from: encodeAddress(addressHash(t.tx.from), this.prefix),
        to: encodeAddress(t.tx.to, this.prefix),
        amount: t.tx.amount.toString(),
        fee: t.tx.fee.toString(),
        nonce: t.tx.nonce.toString(),
        direction: out && into ? 'self' : out ? 'out' : 'in',
        height: t.height!,
        position,
        blockHash: t.blockHash!,
        time: 1_700_000_000 + t.height!,
        confirmations: this.height - t.height! + 1,
      }));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', body });
        if (this.override?.(req, res, body)) return;
        this.route(req, res, body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private route(req: IncomingMessage, res: ServerResponse, body: string): boolean {
    const url = (req.url ?? '').replace(/\?.*$/, '');
    if (req.method === 'GET' && url === '/status') {
      return send(res, 200, {
        network: this.network,
        genesisHash: toHex(this.genesisHash),
        height: this.height,
        tipHash: '00'.repeat(32),
        chainWork: '1',
        peers: 0,
        mempool: this.pending().length,
        syncing: false,
        stateDigest: '00'.repeat(32),
      });
    }
    const accounts = /^\/accounts\/(.*?)(\/txs)?$/.exec(url);
    if (req.method === 'GET' && accounts) {
      const text = decodeURIComponent(accounts[1]!);
      let hash: Uint8Array;
      try {
        hash = decodeAddress(text, this.prefix);
      } catch (e) {
        return error(res, 400, 'BAD_ADDRESS', (e as Error).message);
      }
      if (accounts[2]) return send(res, 200, { address: text, txs: this.txsOf(hash), next: null });
      const a = this.account(hash);
      const mine = this.pending().filter((t) => toHex(addressHash(t.tx.from)) === toHex(hash)).length;
      return send(res, 200, {
        address: text,
        balance: a.balance.toString(),
        nonce: a.nonce.toString(),
        ...(this.serveNextNonce ? { nextNonce: (a.nonce + BigInt(mine)).toString() } : {}),
      });
    }
    if (req.method === 'GET' && url === '/mempool') {
      return send(res, 200, [
        ...this.pending().map((t) => ({
          id: t.id,
          from: encodeAddress(addressHash(t.tx.from), this.prefix),
          to: encodeAddress(t.tx.to, this.prefix),
          amount: t.tx.amount.toString(),
          fee: t.tx.fee.toString(),
          nonce: t.tx.nonce.toString(),
          raw: t.raw,
        })),
        ...this.extraMempool,
      ]);
    }
    if (req.method === 'GET' && url.startsWith('/txs/')) {
      const t = this.txs.get(url.slice('/txs/'.length));
      if (!t) return error(res, 404, 'NOT_FOUND', 'no such tx');
      return send(res, 200, {
        id: t.id,
        status: t.status,
        blockHash: t.blockHash,
        height: t.height,
        raw: t.raw,
      });
    }
    if (req.method === 'POST' && url === '/txs') {
      return this.submit(res, body);
    }
    return error(res, 404, 'NOT_FOUND', `no route ${req.method} ${url}`);
  }

  /** Accept a tx like a node's mempool would: decode, signature, nonce (with pending), balance. */
  private submit(res: ServerResponse, body: string): boolean {
    let raw: string;
    let tx: Tx;
    try {
      raw = (JSON.parse(body) as { raw: string }).raw;
      tx = decodeTx(fromHex(raw));
      checkTxSignature(tx, this.genesisHash);
    } catch (e) {
      return error(res, 400, isRuleError(e) ? e.code : 'BAD_REQUEST', (e as Error).message);
    }
    const from = addressHash(tx.from);
    const account = this.account(from);
    const mine = this.pending().filter((t) => toHex(addressHash(t.tx.from)) === toHex(from));
    const expected = account.nonce + BigInt(mine.length);
    if (tx.nonce !== expected) return error(res, 400, 'BAD_NONCE', `nonce ${tx.nonce}, expected ${expected}`);
    const spent = mine.reduce((s, t) => s + t.tx.amount + t.tx.fee, 0n);
    if (account.balance - spent < tx.amount + tx.fee) {
      return error(
        res,
        400,
        'INSUFFICIENT_FUNDS',
        `balance ${account.balance - spent} < ${tx.amount + tx.fee}`,
      );
    }
    const id = toHex(txId(tx));
    this.txs.set(id, { id, tx, raw, status: 'pending', blockHash: null, height: null });
    return send(res, 202, { id });
  }
}

/** Answer with JSON; returns true (the request is handled), so routes can `return send(…)`. */
export function send(res: ServerResponse, status: number, json: unknown): boolean {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(json));
  return true;
}

/** Answer with the API's error shape {"error": {"code", "message"}}. */
export function error(res: ServerResponse, status: number, code: string, message: string): boolean {
  return send(res, status, { error: { code, message } });
}
