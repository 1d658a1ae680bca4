// The signature checker the chain and the mempool use. It answers exactly like the reference
// `checkTxSignature` (same RuleError codes) but fast: cached txs are skipped, the rest go through the
// fastest backend, and a block's worth at once fans out over the VerifierPool.
//
// The fast path only says yes or no. Failures are rare (they cost the sender's peer its reputation), so
// when one occurs the reference verifier runs on that one tx to say WHY, with the exact code: BAD_PUBKEY,
// HIGH_S, BAD_SIGNATURE (or BAD_ENCODING for a field of the wrong size). Core splits the same way:
// CheckInputScripts runs the checks in parallel, and only on failure re-runs one to classify the error.
//
// Single txs (the mempool's) that arrive together are coalesced by a MicroBatcher into one pool batch, so
// concurrent API requests and gossip share worker round trips instead of each verifying alone.
import { isRuleError, RuleError } from '../consensus/errors.js';
import { txId } from '../consensus/hash.js';
import { checkTxSignature, signingHash } from '../consensus/signature.js';
import { PUBKEY_BYTES, SIGNATURE_BYTES, type Tx } from '../consensus/types.js';
import type { VerifyItem } from './batch.js';
import { MicroBatcher, type MicroBatcherStats } from './micro-batcher.js';
import type { SignatureCache } from './signature-cache.js';
import { resolveBackend, type SignatureVerifier, verifierByName } from './verifier.js';
import type { VerifierPool } from './verifier-pool.js';

export interface TxVerifierOptions {
  /** The chain this verifier serves: part of every signing hash (see consensus/signature.ts). */
  readonly genesisHash: Uint8Array;
  /** Fans batches out over worker threads; without it every check runs on the calling thread. */
  readonly pool?: VerifierPool;
  /** Skips txs already verified valid, and remembers the ones verified here. One chain per cache. */
  readonly cache?: SignatureCache;
  /** The backend for checks on this thread; default the pool's backend, else resolveBackend()'s. */
  readonly verifier?: SignatureVerifier;
  /**
   * How verifyTx calls are coalesced into pool batches (only with a pool; false: each verifies alone,
   * inline). A batch smaller than the pool's inlineBelow is still verified on this thread, but in one go:
   * light traffic keeps the lowest latency, heavy traffic moves to the workers in full batches.
   */
  readonly intake?: false | IntakeOptions;
}

export interface IntakeOptions {
  /** Send a batch once this many txs wait. Default 64. */
  readonly maxBatch?: number;
  /** While a batch is at the pool, newcomers wait at most this long for it to return. Default 1 ms. */
  readonly maxDelayMs?: number;
  /** Txs waiting or in flight at most; past that a tx is verified inline at once. Default 4,096. */
  readonly maxPending?: number;
}

export class TxVerifier {
  private readonly genesisHash: Uint8Array;
  private readonly pool: VerifierPool | undefined;
  private readonly cache: SignatureCache | undefined;
  private readonly verifier: SignatureVerifier;
  private readonly intake: MicroBatcher<VerifyItem, boolean> | undefined;

  constructor(opts: TxVerifierOptions) {
    this.genesisHash = opts.genesisHash;
    this.pool = opts.pool;
    this.cache = opts.cache;
    this.verifier = opts.verifier ?? verifierByName(opts.pool?.backend ?? resolveBackend());
    const pool = opts.pool;
    if (pool !== undefined && opts.intake !== false) {
      const verify = this.verifier;
      this.intake = new MicroBatcher<VerifyItem, boolean>({
        ...opts.intake,
        run: (items) => pool.verifyBatch(items),
        fallback: (it) => verify.verify(it.msgHash, it.publicKey, it.signature),
      });
    }
  }

  /** The backend's name (e.g. "secp256k1-native"), for the start-up log, /status and /metrics. */
  get backend(): string {
    return this.pool?.backend ?? this.verifier.name;
  }

  /** How verifyTx calls were coalesced; undefined without a pool (each verifies inline). */
  get intakeStats(): MicroBatcherStats | undefined {
    return this.intake?.stats;
  }

  /**
   * Check one tx's signature (a tx arriving at the mempool). With a pool, it joins the txs arriving at
   * the same time in one batch (see IntakeOptions); without, it is verified on this thread. `id` is its
   * tx id if the caller already has it. Throws like checkTxSignature.
   */
  async verifyTx(tx: Tx, id?: Uint8Array): Promise<void> {
    const key = this.cache ? (id ?? txId(tx)) : undefined;
    if (key !== undefined && this.cache?.has(key)) return;
    const item = this.itemOf(tx);
    if (item === null) this.explain(tx);
    const ok = this.intake
      ? await this.intake.submit(item)
      : this.verifier.verify(item.msgHash, item.publicKey, item.signature);
    if (!ok) this.explain(tx);
    if (key !== undefined) this.cache?.add(key);
  }

  /**
   * Check every tx's signature (a block's txs), skipping cached ones and verifying the rest in parallel.
   * Throws the RuleError of the FIRST failing tx by index, so every node reports the same reason for the
   * same invalid block; on success, all of them join the cache.
   */
  async verifyTxs(txs: readonly Tx[], ids?: readonly Uint8Array[]): Promise<void> {
    const { todo, keys, valid } = await this.fastVerdicts(txs, ids);
    for (let k = 0; k < todo.length; k++) {
      if (valid[k]) continue;
      const index = todo[k]!;
      const e = this.explanation(txs[index]!);
      throw new RuleError(e.code, `tx ${index}: ${e.message}`);
    }
    for (const i of todo) {
      const key = keys[i];
      if (key !== undefined) this.cache?.add(key);
    }
  }

  /**
   * Check each tx's signature on its own: txs submitted together (POST /txs/batch) that stand or fall one
   * by one. Like verifyTxs, the uncached ones go to the pool as one batch; unlike it, every tx gets its
   * own verdict: undefined when valid (it joins the cache), else the RuleError checkTxSignature throws.
   */
  async checkTxs(txs: readonly Tx[], ids?: readonly Uint8Array[]): Promise<(RuleError | undefined)[]> {
    const { todo, keys, valid } = await this.fastVerdicts(txs, ids);
    const out: (RuleError | undefined)[] = new Array(txs.length).fill(undefined);
    for (let k = 0; k < todo.length; k++) {
      const index = todo[k]!;
      const key = keys[index];
      if (!valid[k]) out[index] = this.explanation(txs[index]!);
      else if (key !== undefined) this.cache?.add(key);
    }
    return out;
  }

  /** The fast path over the uncached txs: which ones (by index), their cache keys, and yes or no each. */
  private async fastVerdicts(
    txs: readonly Tx[],
    ids: readonly Uint8Array[] | undefined,
  ): Promise<{ todo: number[]; keys: (Uint8Array | undefined)[]; valid: boolean[] }> {
    if (ids !== undefined && ids.length !== txs.length) {
      throw new RangeError(`got ${ids.length} tx ids for ${txs.length} txs`);
    }
    // A tx that cannot be encoded has no id, so no cache entry: it goes on to fail below.
    const keys: (Uint8Array | undefined)[] = this.cache ? txs.map((tx, i) => ids?.[i] ?? idOf(tx)) : [];
    const todo: number[] = [];
    for (let i = 0; i < txs.length; i++) {
      const key = keys[i];
      if (key === undefined || !this.cache?.has(key)) todo.push(i);
    }

    // A tx whose fields cannot even be hashed fails without reaching a backend (and keeps its place in
    // the index order, so an earlier bad signature is still the one reported).
    const items: (VerifyItem | null)[] = todo.map((i) => this.itemOf(txs[i]!));
    const sendable = items.filter((it): it is VerifyItem => it !== null);
    const verdicts = this.pool
      ? await this.pool.verifyBatch(sendable)
      : sendable.map((it) => this.verifier.verify(it.msgHash, it.publicKey, it.signature));
    const valid: boolean[] = new Array(todo.length);
    let next = 0;
    for (let k = 0; k < todo.length; k++) valid[k] = items[k] !== null && verdicts[next++] === true;
    return { todo, keys, valid };
  }

  /** Close the pool this verifier was given (it owns it from construction on). */
  async close(): Promise<void> {
    this.intake?.flush(); // txs still waiting get their verdict (inline, if the pool is already closing)
    await this.pool?.close();
  }

  /** The verification job for a tx, or null if its key or signature is the wrong size to be one. */
  private itemOf(tx: Tx): VerifyItem | null {
    if (tx.from.length !== PUBKEY_BYTES || tx.signature.length !== SIGNATURE_BYTES) return null;
    try {
      return { msgHash: signingHash(tx, this.genesisHash), publicKey: tx.from, signature: tx.signature };
    } catch (e) {
      if (isRuleError(e)) return null; // an unencodable field; explain() reports its BAD_ENCODING
      throw e;
    }
  }

  /** The fast path said no: let the reference verifier name the rule. Always throws. */
  private explain(tx: Tx): never {
    throw this.explanation(tx);
  }

  /** Why the fast path said no, as the reference verifier names it (a RuleError, never thrown here). */
  private explanation(tx: Tx): RuleError {
    try {
      checkTxSignature(tx, this.genesisHash);
    } catch (e) {
      if (isRuleError(e)) return e;
      throw e;
    }
    // The reference accepted what the backend refused: a backend bug. Refusing is the safe side (the tx
    // can be retried), and the message makes the disagreement impossible to miss.
    return new RuleError(
      'BAD_SIGNATURE',
      `backend ${this.verifier.name} rejected a signature that the reference verifier accepts (a backend bug)`,
    );
  }
}

/** A tx's id, or undefined when a field has the wrong size to be encoded (then it has no id). */
function idOf(tx: Tx): Uint8Array | undefined {
  try {
    return txId(tx);
  } catch (e) {
    if (isRuleError(e)) return undefined;
    throw e;
  }
}
