// The batch intake of the mempool (docs/PROTOCOL.md §13): many txs checked and added at once, each with
// its own verdict, paying the fixed costs (account reads, signature batch, a turn of the queue) once.
// Core has no batch AcceptToMemoryPool; each tx here passes the same checks as Mempool.add.
// Split out of mempool.ts: `addMany` is a free function over the few pool operations it needs
// (BatchIntake), which the Mempool hands it.

import type { Origin } from '../chain/origin.js';
import { addressHash } from '../consensus/address.js';
import { toHex } from '../consensus/bytes.js';
import { isRuleError } from '../consensus/errors.js';
import { txId } from '../consensus/hash.js';
import type { Account, Hash, Tx } from '../consensus/types.js';
import { checkTxSanity } from '../consensus/validation.js';
import { keyOf } from './entries.js';
import { isMempoolError, MempoolError } from './policy.js';

/**
 * Checks a tx's signature, throwing RuleError BAD_SIGNATURE / HIGH_S / BAD_PUBKEY. The node passes its
 * TxVerifier (src/crypto: fast backend + cache, so a tx verified here costs nothing again when its
 * block arrives); tests pass the reference `checkTxSignature` wrapped in an async function.
 */
export interface MempoolVerifier {
  verifyTx(tx: Tx, id?: Uint8Array): Promise<void>;
  /**
   * Many txs at once, each with its own verdict (undefined: valid; else the RuleError verifyTx would
   * throw). The TxVerifier sends them to its worker pool as one batch; without this, addMany calls
   * verifyTx for each.
   */
  checkTxs?(txs: readonly Tx[], ids?: readonly Uint8Array[]): Promise<(Error | undefined)[]>;
}

export interface AddResult {
  readonly id: Hash;
  /** The id of the tx this one replaced (same sender and nonce, lower fee). */
  readonly replaced?: Hash;
}

/** The most txs addMany takes at once (POST /txs/batch's limit). */
export const MAX_ADD_MANY = 1_000;

/** What addMany needs of the pool (the Mempool's own private operations, see mempool.ts). */
export interface BatchIntake {
  readonly verifier: MempoolVerifier;
  /** In the pool, or being checked right now. */
  isKnown(key: string): boolean;
  /** The ids being checked right now (mempool.ts `inflight`). */
  readonly inflight: Set<string>;
  /** The pool's epoch, bumped on every block connected or disconnected. */
  epoch(): number;
  readAccounts(
    jobs: readonly { readonly sender: Uint8Array; readonly senderKey: string }[],
  ): Promise<Map<string, Account>>;
  /** The policy checks; throws the first that fails, changes nothing. */
  admit(tx: Tx, key: string, sender: Uint8Array, account: Account): void;
  serialize<T>(job: () => Promise<T>): Promise<T>;
  commit(tx: Tx, id: Hash, key: string, sender: Uint8Array, account: Account, origin: Origin): AddResult;
}

/** Mempool.addMany (see there for the contract). */
export async function addMany(
  pool: BatchIntake,
  txs: readonly Tx[],
  origin: Origin,
): Promise<PromiseSettledResult<AddResult>[]> {
  if (txs.length > MAX_ADD_MANY) {
    throw new RangeError(`addMany takes at most ${MAX_ADD_MANY} txs, got ${txs.length}`);
  }
  const out: PromiseSettledResult<AddResult>[] = new Array(txs.length);
  const refuse = (i: number, e: unknown): void => {
    if (!isRuleError(e) && !isMempoolError(e)) throw e; // a bug, not a refusal: the caller hears of it
    out[i] = { status: 'rejected', reason: e };
  };
  // 1. Context-free checks and duplicates (in the pool, being checked, or twice in this call).
  interface Job {
    readonly i: number;
    readonly tx: Tx;
    readonly id: Hash;
    readonly key: string;
    readonly sender: Uint8Array;
    readonly senderKey: string;
  }
  const jobs: Job[] = [];
  const seen = new Set<string>();
  txs.forEach((tx, i) => {
    try {
      checkTxSanity(tx);
      const id = txId(tx);
      const key = keyOf(id);
      if (pool.isKnown(key) || seen.has(key)) {
        throw new MempoolError('ALREADY_KNOWN', `tx ${toHex(id)} is already in the mempool`);
      }
      seen.add(key);
      const sender = addressHash(tx.from);
      jobs.push({ i, tx, id, key, sender, senderKey: keyOf(sender) });
    } catch (e) {
      refuse(i, e);
    }
  });
  for (const j of jobs) pool.inflight.add(j.key);
  try {
    // 2. The cheap policy checks, against one read of every sender's account. Only a sender's FIRST tx
    //    in the call is checked now: its later ones may need the earlier ones in the pool (a nonce
    //    gap, the balance), so they are judged at commit, like every tx, on the state as it is then.
    let epoch = pool.epoch();
    let accounts = await pool.readAccounts(jobs);
    const firstOfSender = new Set<string>();
    const checked = jobs.filter((j) => {
      if (firstOfSender.has(j.senderKey)) return true;
      firstOfSender.add(j.senderKey);
      try {
        pool.admit(j.tx, j.key, j.sender, accounts.get(j.senderKey)!);
        return true;
      } catch (e) {
        refuse(j.i, e);
        return false;
      }
    });
    // 3. The signatures, all in one batch, outside the queue.
    const verdicts = await checkSignatures(
      pool.verifier,
      checked.map((j) => j.tx),
      checked.map((j) => j.id),
    );
    const signed = checked.filter((j, k) => {
      const error = verdicts[k];
      if (error === undefined) return true;
      refuse(j.i, error);
      return false;
    });
    // 4. Commit in the queue, in order, each against the pool and the chain as they are now.
    return await pool.serialize(async () => {
      while (epoch !== pool.epoch()) {
        epoch = pool.epoch();
        accounts = await pool.readAccounts(signed);
      }
      for (const j of signed) {
        try {
          const account = accounts.get(j.senderKey)!;
          out[j.i] = {
            status: 'fulfilled',
            value: pool.commit(j.tx, j.id, j.key, j.sender, account, origin),
          };
        } catch (e) {
          refuse(j.i, e);
        }
      }
      return out;
    });
  } finally {
    for (const j of jobs) pool.inflight.delete(j.key);
  }
}

/** One verdict per tx: the verifier's batch check, or verifyTx for each if it has none. */
async function checkSignatures(
  verifier: MempoolVerifier,
  txs: readonly Tx[],
  ids: readonly Hash[],
): Promise<(unknown | undefined)[]> {
  if (txs.length === 0) return [];
  if (verifier.checkTxs) return verifier.checkTxs(txs, ids);
  return Promise.all(
    txs.map((tx, k) =>
      verifier.verifyTx(tx, ids[k]).then(
        () => undefined,
        (e: unknown) => e,
      ),
    ),
  );
}
