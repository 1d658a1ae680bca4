// The miner: builds a template on the current tip, searches for a nonce in worker threads, and hands the
// solved block to the chain like any block from the network (Core: the old internal miner's
// BitcoinMiner loop; today's equivalent is getblocktemplate plus an external miner).
//
// Work is abandoned the moment the tip changes: a block on a stale parent would only make an orphan.
import { EventEmitter } from 'node:events';
import type { Chain } from '../chain/chain.js';
import { originNow } from '../chain/origin.js';
import { decodeHeader, encodeHeader } from '../consensus/encoding.js';
import { RuleError } from '../consensus/errors.js';
import { compactToTarget } from '../consensus/pow.js';
import type { Hash, Tx } from '../consensus/types.js';
import { PowSearch } from './pow-search.js';
import { buildTemplate } from './template.js';

/** Where template txs come from (the mempool); optional, so `cairn mine` can run on an empty pool. */
export interface TxSource {
  selectForBlock(maxBytes: number): readonly { readonly tx: Tx }[];
}

/** The proof-of-work engine (PowSearch); an option so tests can drive the miner's decisions directly. */
export type PowEngine = Pick<PowSearch, 'solve' | 'hashrate' | 'close'> & Partial<Pick<PowSearch, 'hashes'>>;

export interface MinerOptions {
  readonly chain: Chain;
  readonly engine?: PowEngine;
  readonly txs?: TxSource;
  readonly threads: number;
  /** Rebuild the template this often to pick up new txs (ms). */
  readonly templateRefreshMs?: number;
  readonly now?: () => number;
}

export interface MinedBlock {
  readonly hash: Hash;
  readonly height: number;
  readonly txCount: number;
}

export interface MinerEvents {
  'block:mined': [MinedBlock];
  error: [Error];
}

export class Miner extends EventEmitter<MinerEvents> {
  private readonly chain: Chain;
  private readonly txs: TxSource | undefined;
  private readonly search: PowEngine;
  private readonly refreshMs: number;
  private readonly now: () => number;
  /** One solve at a time: POST /mine and the continuous loop take turns (FIFO). */
  private turn: Promise<unknown> = Promise.resolve();
  private loop: { stop: AbortController; done: Promise<void> } | undefined;
  private closed = false;

  constructor(opts: MinerOptions) {
    super();
    this.chain = opts.chain;
    this.txs = opts.txs;
    this.search = opts.engine ?? new PowSearch({ threads: opts.threads });
    this.refreshMs = opts.templateRefreshMs ?? 10_000;
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  }

  get mining(): boolean {
    return this.loop !== undefined;
  }

  hashrate(): number {
    return this.search.hashrate();
  }

  /** Hashes tried since the miner started (0 for an engine that does not count). */
  hashes(): number {
    return this.search.hashes?.() ?? 0;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * One attempt at a block on the current tip. Resolves with the block once the chain has connected it,
   * or null if the attempt was abandoned (tip changed, template refresh, or `signal` aborted).
   */
  private async attempt(to: Uint8Array, signal?: AbortSignal): Promise<MinedBlock | null> {
    const { chain } = this;
    const ctx = chain.nextBlockContext();
    const txs = this.txs?.selectForBlock(chain.params.maxBlockBytes).map((e) => e.tx) ?? [];
    const template = buildTemplate(
      chain.params,
      {
        header: ctx.parent.header,
        hash: ctx.parent.hash,
        anchor: ctx.parent.anchor?.header,
        medianTimePast: ctx.medianTimePast,
      },
      txs,
      to,
      this.now(),
    );
    const abandon = new AbortController();
    const onTip = () => {
      if (chain.tip !== ctx.parent) abandon.abort();
    };
    const onOuter = () => abandon.abort();
    chain.on('tip', onTip);
    signal?.addEventListener('abort', onOuter, { once: true });
    // Only a non-empty pool is worth refreshing for; an idle miner keeps its template.
    const refresh = this.txs ? setTimeout(() => abandon.abort(), this.refreshMs) : undefined;
    try {
      if (signal?.aborted) return null;
      const solution = await this.search.solve(
        {
          header: encodeHeader(template.header),
          target: compactToTarget(template.header.bits),
          minTime: template.minTime,
        },
        abandon.signal,
      );
      if (!solution) return null;
      const block = { header: decodeHeader(solution.header), txs: template.txs };
      const result = await chain.processBlock(block, originNow('mined'));
      if (result.status !== 'connected') return null; // another block won the race while we solved
      const mined = { hash: result.hash, height: block.header.height, txCount: block.txs.length };
      this.emit('block:mined', mined);
      return mined;
    } finally {
      chain.off('tip', onTip);
      signal?.removeEventListener('abort', onOuter);
      if (refresh) clearTimeout(refresh);
    }
  }

  /** Mines `count` blocks to `to` on top of whatever the tip is, retrying abandoned attempts. */
  async mine(count: number, to: Uint8Array, signal?: AbortSignal): Promise<MinedBlock[]> {
    const out: MinedBlock[] = [];
    while (out.length < count) {
      if (this.closed) throw new Error('the miner is closed');
      if (signal?.aborted) break;
      const mined = await this.exclusive(() => this.attempt(to, signal));
      if (mined) out.push(mined);
    }
    return out;
  }

  /**
   * Mines continuously to `to` until stop(). Errors are reported as 'error' events, and mining goes on.
   * `minIntervalMs` paces a chain whose proof of work is trivial (regtest), where an unpaced miner would
   * produce thousands of blocks a second and starve every other process on the machine.
   */
  start(to: Uint8Array, opts: { minIntervalMs?: number } = {}): void {
    if (this.loop || this.closed) return;
    const stop = new AbortController();
    // Sleeps `ms`, or until stop(). The abort listener goes when the pause ends either way: one left per
    // paced block would pile up on the loop's signal (MaxListenersExceededWarning after ten blocks).
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const onAbort = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          stop.signal.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        stop.signal.addEventListener('abort', onAbort, { once: true });
      });
    const done = (async () => {
      while (!stop.signal.aborted) {
        try {
          const started = Date.now();
          const mined = await this.exclusive(() => this.attempt(to, stop.signal));
          const wait = (opts.minIntervalMs ?? 0) - (Date.now() - started);
          if (mined && wait > 0) await pause(wait);
        } catch (e) {
          if (stop.signal.aborted) break;
          this.emit('error', e instanceof Error ? e : new Error(String(e)));
          // A template the chain rejects would be rejected again at once; give the mempool a moment.
          if (e instanceof RuleError) await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
    this.loop = { stop, done };
  }

  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    this.loop = undefined;
    loop.stop.abort();
    await loop.done;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.stop();
    this.closed = true;
    await this.search.close();
  }
}
