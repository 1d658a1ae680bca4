import { describe, expect, it } from 'vitest';
import { originNow } from '../../src/chain/origin.js';
import { addressHash } from '../../src/consensus/address.js';
import { toHex } from '../../src/consensus/bytes.js';
import { RuleError } from '../../src/consensus/errors.js';
import { sha256, txId } from '../../src/consensus/hash.js';
import { checkTxSignature, publicKeyOf, signTx } from '../../src/consensus/signature.js';
import {
  type Account,
  BLOCK_OVERHEAD_BYTES,
  type Block,
  TX_BYTES,
  TX_VERSION,
  type Tx,
} from '../../src/consensus/types.js';
import { ENTRY_MEMORY_BYTES, type MempoolEntry, SENDER_MEMORY_BYTES } from '../../src/mempool/entries.js';
import type { TxAdded, TxRemoved } from '../../src/mempool/events.js';
import { MAX_ADD_MANY, Mempool, type MempoolChain } from '../../src/mempool/mempool.js';
import {
  MEMPOOL_CODES,
  type MempoolCode,
  MempoolError,
  type MempoolPolicy,
  type RemovalReason,
} from '../../src/mempool/policy.js';

const GENESIS = sha256(new TextEncoder().encode('cairn mempool test genesis'));
const T0 = 1_700_000_000;
const AMOUNT = 10_000n;
const FEE = 2_000n;

interface Key {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: Uint8Array;
}

function key(name: string): Key {
  const privateKey = sha256(new TextEncoder().encode(`mempool-test-key-${name}`));
  const publicKey = publicKeyOf(privateKey);
  return { privateKey, publicKey, address: addressHash(publicKey) };
}

const A = key('a');
const B = key('b');
const C = key('c');
const D = key('d');
const E = key('e');
const SINK = key('sink').address;
const MINER = key('miner').address;

function makeTx(from: Key, nonce: bigint, fee = FEE, amount = AMOUNT, to = SINK): Tx {
  return signTx(
    { version: TX_VERSION, nonce, fee, amount, to, from: from.publicKey },
    from.privateKey,
    GENESIS,
  );
}

function makeBlock(txs: readonly Tx[], height = 1): Block {
  return {
    header: {
      version: 1,
      height,
      prevHash: new Uint8Array(32),
      txRoot: new Uint8Array(32),
      miner: MINER,
      time: T0,
      bits: 0x207fffff,
      nonce: 0n,
    },
    txs,
  };
}

/** An in-memory chain state that applies and undoes blocks the way the consensus rules do. */
class FakeChain implements MempoolChain {
  readonly accounts = new Map<string, Account>();
  private readonly undo: Map<string, Account>[] = [];
  calls = 0;

  set(address: Uint8Array, balance: bigint, nonce = 0n): void {
    this.accounts.set(toHex(address), { balance, nonce });
  }

  get(address: Uint8Array): Account {
    return this.accounts.get(toHex(address)) ?? { balance: 0n, nonce: 0n };
  }

  async getAccounts(addresses: readonly Uint8Array[]): Promise<(Account | undefined)[]> {
    this.calls++;
    await Promise.resolve(); // a real store answers asynchronously: let other work interleave
    return addresses.map((a) => this.accounts.get(toHex(a)));
  }

  apply(block: Block): void {
    this.undo.push(new Map(this.accounts));
    for (const tx of block.txs) {
      const from = addressHash(tx.from);
      const sender = this.get(from);
      if (sender.nonce !== tx.nonce || sender.balance < tx.amount + tx.fee) throw new Error('invalid block');
      this.set(from, sender.balance - tx.amount - tx.fee, sender.nonce + 1n);
      const to = this.get(tx.to);
      this.set(tx.to, to.balance + tx.amount, to.nonce);
    }
  }

  revert(): void {
    const before = this.undo.pop()!;
    this.accounts.clear();
    for (const [k, v] of before) this.accounts.set(k, v);
  }
}

/** The reference verifier, counting calls; `gate` lets a test hold verification open. */
class TestVerifier {
  calls = 0;
  gate: Promise<void> | undefined;
  async verifyTx(tx: Tx): Promise<void> {
    this.calls++;
    if (this.gate) await this.gate;
    checkTxSignature(tx, GENESIS);
  }
}

function setup(policy: Partial<MempoolPolicy> = {}) {
  const chain = new FakeChain();
  const verifier = new TestVerifier();
  const clock = { now: T0 };
  const pool = new Mempool({ chain, verifier, policy, now: () => clock.now });
  const removed: { id: string; reason: RemovalReason }[] = [];
  const added: string[] = [];
  pool.on('tx:removed', ({ id, reason }) => removed.push({ id: toHex(id), reason }));
  pool.on('tx:added', ({ id }) => added.push(toHex(id)));
  const reasonOf = (tx: Tx) => removed.find((r) => r.id === toHex(txId(tx)))?.reason;
  return { chain, verifier, clock, pool, removed, added, reasonOf };
}

const codesSeen = new Set<MempoolCode>();

async function expectCode(promise: Promise<unknown>, code: MempoolCode): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MempoolError);
  expect((err as MempoolError).code).toBe(code);
  codesSeen.add(code);
}

async function expectRule(promise: Promise<unknown>, code: RuleError['code']): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RuleError);
  expect((err as RuleError).code).toBe(code);
}

const hexIds = (entries: readonly MempoolEntry[]) => entries.map((e) => toHex(e.id));
const ids = (txs: readonly Tx[]) => txs.map((tx) => toHex(txId(tx)));

/**
 * Resolves once the pool has asked the verifier for a signature check. The account read before it is
 * batched with the turn's other reads, so the check starts some turns after `add`: wait for it with a
 * deadline rather than for one timer tick (which a loaded machine does not honour).
 */
async function signatureCheckStarted(verifier: { readonly calls: number }): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (verifier.calls === 0) {
    if (Date.now() > deadline) throw new Error('the tx never reached the signature check');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('policy codes', () => {
  it('every code has a teaching description', () => {
    for (const info of Object.values(MEMPOOL_CODES)) expect(info.description.length).toBeGreaterThan(40);
    expect(new MempoolError('FEE_TOO_LOW', 'x').coreName).toBe('min relay fee not met');
  });
});

describe('accepting a tx', () => {
  it('adds a valid tx, reports it and counts its bytes', async () => {
    const { chain, pool, added } = setup();
    chain.set(A.address, 1_000_000n);
    const tx = makeTx(A, 0n);
    const res = await pool.add(tx);
    expect(toHex(res.id)).toBe(toHex(txId(tx)));
    expect(res.replaced).toBeUndefined();
    expect(pool.size).toBe(1);
    expect(pool.bytes).toBe(TX_BYTES);
    expect(pool.has(res.id)).toBe(true);
    const entry = pool.get(res.id)!;
    expect(entry.fee).toBe(FEE);
    expect(entry.addedAt).toBe(T0);
    expect(toHex(entry.sender)).toBe(toHex(A.address));
    expect(hexIds([...pool.entries()])).toEqual(ids([tx]));
    expect(added).toEqual(ids([tx]));
    expect(pool.pendingSpend(A.address)).toBe(AMOUNT + FEE);
    expect(await pool.pendingNonce(A.address)).toBe(1n);
  });

  it('ALREADY_KNOWN: the same tx twice, whether pooled or still being checked', async () => {
    const { chain, pool, verifier } = setup();
    chain.set(A.address, 1_000_000n);
    const tx = makeTx(A, 0n);
    const first = pool.add(tx);
    await expectCode(pool.add(tx), 'ALREADY_KNOWN'); // in flight
    await first;
    await expectCode(pool.add(tx), 'ALREADY_KNOWN'); // pooled
    expect(verifier.calls).toBe(1);
    expect(pool.size).toBe(1);
  });

  it('keeps consensus failures as RuleErrors with their codes', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 1_000_000n);
    chain.set(B.address, 1_000_000n);
    await expectRule(pool.add({ ...makeTx(A, 0n), amount: 0n }), 'BAD_AMOUNT');
    await expectRule(pool.add({ ...makeTx(A, 0n), fee: 3_000n }), 'BAD_SIGNATURE');
    const tx = makeTx(A, 0n);
    await expectRule(pool.add({ ...tx, from: B.publicKey }), 'BAD_SIGNATURE');
    expect(pool.size).toBe(0);
  });

  it('checks the signature last: a cheap rejection never costs a verification', async () => {
    const { chain, pool, verifier } = setup();
    chain.set(A.address, 1_000_000n, 5n);
    await expectCode(pool.add(makeTx(A, 4n)), 'NONCE_TOO_LOW');
    await expectCode(pool.add(makeTx(A, 5n, 999n)), 'FEE_TOO_LOW');
    await expectCode(pool.add(makeTx(A, 5n, FEE, 10_000_000n)), 'INSUFFICIENT_FUNDS');
    expect(verifier.calls).toBe(0);
  });

  it('FEE_TOO_LOW below the minimum fee, which is configurable', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 1_000_000n);
    await expectCode(pool.add(makeTx(A, 0n, 999n)), 'FEE_TOO_LOW');
    await pool.add(makeTx(A, 0n, 1_000n));

    const free = setup({ minFee: 0n });
    free.chain.set(A.address, 1_000_000n);
    await free.pool.add(makeTx(A, 0n, 0n));
    expect(free.pool.size).toBe(1);
  });
});

describe('nonces', () => {
  it('NONCE_TOO_LOW for a nonce the account already used', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 1_000_000n, 3n);
    await expectCode(pool.add(makeTx(A, 2n)), 'NONCE_TOO_LOW');
    await pool.add(makeTx(A, 3n));
  });

  it('accepts nonces up to maxNonceGap ahead, and no further', async () => {
    const { chain, pool } = setup({ maxNonceGap: 4 });
    chain.set(A.address, 1_000_000n, 10n);
    await expectCode(pool.add(makeTx(A, 15n)), 'NONCE_GAP_TOO_LARGE');
    await pool.add(makeTx(A, 14n));
    expect(pool.size).toBe(1);

    const byDefault = setup();
    byDefault.chain.set(A.address, 1_000_000n);
    expect(byDefault.pool.policy.maxNonceGap).toBe(16);
    await expectCode(byDefault.pool.add(makeTx(A, 17n)), 'NONCE_GAP_TOO_LARGE');
    await byDefault.pool.add(makeTx(A, 16n));
  });

  it('measures the gap from the end of the contiguous run, so a wallet can send many txs in a row', async () => {
    const { chain, pool } = setup({ maxNonceGap: 4, maxPerSender: 30 });
    chain.set(A.address, 100_000_000n);
    for (let n = 0n; n < 25n; n++) await pool.add(makeTx(A, n));
    expect(await pool.pendingNonce(A.address)).toBe(25n);
    await expectCode(pool.add(makeTx(A, 30n)), 'NONCE_GAP_TOO_LARGE'); // 5 past the run's end (25)
    await pool.add(makeTx(A, 29n));
    for (let n = 25n; n < 29n; n++) await pool.add(makeTx(A, n));
    await expectCode(pool.add(makeTx(A, 30n)), 'NONCE_GAP_TOO_LARGE'); // maxPerSender reached
    expect(pool.selectForBlock(1_000_000)).toHaveLength(30);
  });

  it('holds txs past a gap but makes only contiguous nonces eligible', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 1_000_000n);
    const [t0, t1, t2] = [makeTx(A, 0n), makeTx(A, 1n), makeTx(A, 2n)];
    await pool.add(t2);
    expect(await pool.pendingNonce(A.address)).toBe(0n);
    expect(pool.selectForBlock(1_000_000)).toEqual([]);
    await pool.add(t0);
    expect(await pool.pendingNonce(A.address)).toBe(1n);
    expect(hexIds(pool.selectForBlock(1_000_000))).toEqual(ids([t0]));
    await pool.add(t1);
    expect(await pool.pendingNonce(A.address)).toBe(3n);
    expect(hexIds(pool.selectForBlock(1_000_000))).toEqual(ids([t0, t1, t2]));
  });

  it('pendingNonce of a sender with nothing pending is its account nonce', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 5n, 7n);
    expect(await pool.pendingNonce(A.address)).toBe(7n);
    expect(await pool.pendingNonce(B.address)).toBe(0n);
    expect(pool.pendingSpend(B.address)).toBe(0n);
  });
});

describe('balance against pending spends', () => {
  const cost = AMOUNT + FEE;

  it('INSUFFICIENT_FUNDS once the lower nonces have taken the balance', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 3n * cost);
    for (const n of [0n, 1n, 2n]) await pool.add(makeTx(A, n));
    expect(pool.pendingSpend(A.address)).toBe(3n * cost);
    await expectCode(pool.add(makeTx(A, 3n)), 'INSUFFICIENT_FUNDS');
    // The same nonce-3 tx is fine for a sender with one unit more.
    chain.set(B.address, 4n * cost);
    for (const n of [0n, 1n, 2n, 3n]) await pool.add(makeTx(B, n));
  });

  it('a single tx above the balance is refused even with nothing pending', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, cost - 1n);
    await expectCode(pool.add(makeTx(A, 0n)), 'INSUFFICIENT_FUNDS');
    chain.set(A.address, cost);
    await pool.add(makeTx(A, 0n));
  });

  it('a lower nonce arriving late pushes out the higher nonce it leaves unpaid', async () => {
    const { chain, pool, reasonOf } = setup();
    chain.set(A.address, 2n * cost);
    const [t0, t1, t2] = [makeTx(A, 0n), makeTx(A, 1n), makeTx(A, 2n)];
    await pool.add(t1);
    await pool.add(t2);
    await pool.add(t0);
    expect(pool.has(txId(t2))).toBe(false);
    expect(reasonOf(t2)).toBe('unaffordable');
    expect(hexIds(pool.selectForBlock(1_000_000))).toEqual(ids([t0, t1]));
    expect(pool.pendingSpend(A.address)).toBe(2n * cost);
  });
});

describe('replace-by-fee', () => {
  it('needs +10%, rounded up, when that is more than +minFee', async () => {
    const { chain, pool, reasonOf } = setup();
    chain.set(A.address, 10_000_000n);
    const old = makeTx(A, 0n, 100_000n);
    await pool.add(old);
    await expectCode(pool.add(makeTx(A, 0n, 109_999n)), 'REPLACEMENT_FEE_TOO_LOW');
    const bump = makeTx(A, 0n, 110_000n);
    const res = await pool.add(bump);
    expect(toHex(res.replaced!)).toBe(toHex(txId(old)));
    expect(reasonOf(old)).toBe('replaced');
    expect(pool.size).toBe(1);
    expect(pool.get(txId(bump))!.fee).toBe(110_000n);
  });

  it('rounds the +10% up: 10% of 10,001 is 1,000.1, so 11,002 is the least replacement', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 10_000_000n);
    await pool.add(makeTx(A, 0n, 10_001n));
    await expectCode(pool.add(makeTx(A, 0n, 11_001n)), 'REPLACEMENT_FEE_TOO_LOW');
    expect((await pool.add(makeTx(A, 0n, 11_002n))).replaced).toBeDefined();
  });

  it('needs +minFee when that is more than +10%', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 10_000_000n);
    await pool.add(makeTx(A, 0n, 2_000n));
    await expectCode(pool.add(makeTx(A, 0n, 2_999n)), 'REPLACEMENT_FEE_TOO_LOW');
    await expectCode(pool.add(makeTx(A, 0n, 2_200n)), 'REPLACEMENT_FEE_TOO_LOW');
    const res = await pool.add(makeTx(A, 0n, 3_000n));
    expect(res.replaced).toBeDefined();
  });

  it('a replacement that spends more may push out the nonces after it', async () => {
    const { chain, pool, reasonOf } = setup();
    const cost = AMOUNT + FEE;
    chain.set(A.address, 2n * cost + 5_000n);
    const t1 = makeTx(A, 1n);
    await pool.add(makeTx(A, 0n));
    await pool.add(t1);
    await pool.add(makeTx(A, 0n, FEE + 10_000n));
    expect(reasonOf(t1)).toBe('unaffordable');
    expect(pool.size).toBe(1);
  });
});

describe('limits and eviction', () => {
  it('by count: evicts the lowest fee; MEMPOOL_FULL unless the newcomer pays more', async () => {
    const { chain, pool, reasonOf } = setup({ maxCount: 3 });
    for (const k of [A, B, C, D]) chain.set(k.address, 1_000_000n);
    const [a, b, c] = [makeTx(A, 0n, 2_000n), makeTx(B, 0n, 3_000n), makeTx(C, 0n, 4_000n)];
    for (const tx of [a, b, c]) await pool.add(tx);
    await expectCode(pool.add(makeTx(D, 0n, 2_000n)), 'MEMPOOL_FULL');
    expect(pool.size).toBe(3);
    const d = makeTx(D, 0n, 2_500n);
    await pool.add(d);
    expect(reasonOf(a)).toBe('evicted');
    expect(hexIds([...pool.entries()]).sort()).toEqual(ids([b, c, d]).sort());
  });

  it('by memory: the same rule when the accounted memory binds first', async () => {
    // Two txs of two senders fit, a third does not (each tx and each sender is accounted in entries.ts).
    const two = 2 * (ENTRY_MEMORY_BYTES + SENDER_MEMORY_BYTES);
    const { chain, pool, reasonOf } = setup({ maxMemoryBytes: two + 100 });
    for (const k of [A, B, C]) chain.set(k.address, 1_000_000n);
    const [a, b] = [makeTx(A, 0n, 5_000n), makeTx(B, 0n, 3_000n)];
    await pool.add(a);
    await pool.add(b);
    await expectCode(pool.add(makeTx(C, 0n, 3_000n)), 'MEMPOOL_FULL');
    await pool.add(makeTx(C, 0n, 3_001n));
    expect(reasonOf(b)).toBe('evicted');
    expect(pool.bytes).toBe(2 * TX_BYTES);
    expect(pool.memoryBytes).toBe(two);
    expect(pool.size).toBe(2);
  });

  it('an entry shows its tx, sender and origin from the arena, and refuses to once it has left', async () => {
    const { chain, pool } = setup({ maxCount: 1 });
    for (const k of [A, B]) chain.set(k.address, 1_000_000n);
    const a = makeTx(A, 0n, 2_000n);
    await pool.add(a, { origin: 'gossip', peer: '12D3KooWpeer', receivedAt: 5 });
    const held = pool.get(txId(a))!;
    expect(held.tx).toEqual(a);
    expect(held.sender).toEqual(A.address);
    expect(held.arrival).toEqual({ origin: 'gossip', peer: '12D3KooWpeer', receivedAt: 5 });
    await pool.add(makeTx(B, 0n, 3_000n)); // evicts a: its arena slot goes to this one
    expect(pool.get(txId(a))).toBeUndefined();
    expect(() => held.tx).toThrow(/has left the mempool/);
  });

  it('evicts a tx with its descendants, never leaving a nonce hole', async () => {
    const { chain, pool, reasonOf } = setup({ maxCount: 3 });
    for (const k of [A, B, C]) chain.set(k.address, 1_000_000n);
    const [a0, a1] = [makeTx(A, 0n, 1_500n), makeTx(A, 1n, 9_000n)];
    await pool.add(a0);
    await pool.add(a1);
    await pool.add(makeTx(B, 0n, 3_000n));
    await pool.add(makeTx(C, 0n, 2_000n));
    expect(reasonOf(a0)).toBe('evicted');
    expect(reasonOf(a1)).toBe('evicted');
    expect(pool.size).toBe(2);
    expect(await pool.pendingNonce(A.address)).toBe(0n);
  });

  it('MEMPOOL_FULL when the cheapest tx is one the newcomer depends on', async () => {
    const { chain, pool } = setup({ maxCount: 2 });
    for (const k of [A, B]) chain.set(k.address, 1_000_000n);
    await pool.add(makeTx(A, 0n, 1_500n));
    await pool.add(makeTx(B, 0n, 3_000n));
    await expectCode(pool.add(makeTx(A, 1n, 9_000n)), 'MEMPOOL_FULL');
    // Replacing the cheap ancestor needs no room: that is the way out for this sender.
    await pool.add(makeTx(A, 0n, 4_000n));
    expect(pool.size).toBe(2);
  });

  it('heavy churn at the limit keeps the highest fees and the count bound', async () => {
    const { chain, pool } = setup({ maxCount: 5 });
    const keys = Array.from({ length: 12 }, (_, i) => key(`churn-${i}`));
    const fees = [5, 9, 2, 7, 11, 3, 8, 12, 1, 10, 6, 4].map((f) => BigInt(f) * 1_000n + 1_000n);
    for (const k of keys) chain.set(k.address, 1_000_000n);
    for (let i = 0; i < keys.length; i++) {
      await pool.add(makeTx(keys[i]!, 0n, fees[i]!)).catch((e) => {
        expect((e as MempoolError).code).toBe('MEMPOOL_FULL');
      });
      expect(pool.size).toBeLessThanOrEqual(5);
    }
    const kept = [...pool.entries()].map((e) => e.fee).sort((x, y) => (x < y ? 1 : -1));
    const best = [...fees].sort((x, y) => (x < y ? 1 : -1)).slice(0, 5);
    expect(kept).toEqual(best);
  });
});

describe('expiry', () => {
  it('drops txs older than expirySeconds, with their descendants', async () => {
    const { chain, pool, clock, reasonOf } = setup({ expirySeconds: 1_000 });
    chain.set(A.address, 1_000_000n);
    chain.set(B.address, 1_000_000n);
    const a0 = makeTx(A, 0n);
    await pool.add(a0);
    clock.now = T0 + 500;
    const [a1, b0] = [makeTx(A, 1n), makeTx(B, 0n)];
    await pool.add(a1);
    await pool.add(b0);
    expect(pool.expire(T0 + 1_000)).toBe(0); // exactly expirySeconds old: not yet older
    clock.now = T0 + 1_001;
    expect(pool.expire()).toBe(2);
    expect(reasonOf(a0)).toBe('expired');
    expect(reasonOf(a1)).toBe('expired');
    expect(pool.has(txId(b0))).toBe(true);
    expect(pool.expire(T0 + 1_501)).toBe(1);
    expect(pool.size).toBe(0);
  });

  it('defaults to three hours', () => {
    expect(setup().pool.policy.expirySeconds).toBe(3 * 3600);
  });
});

describe('selectForBlock', () => {
  async function threeSenders() {
    const s = setup();
    for (const k of [A, B, C, D]) s.chain.set(k.address, 1_000_000n);
    const txs = {
      a0: makeTx(A, 0n, 2_000n),
      a1: makeTx(A, 1n, 9_000n),
      b0: makeTx(B, 0n, 5_000n),
      b1: makeTx(B, 1n, 4_000n),
      c0: makeTx(C, 0n, 3_000n),
      d5: makeTx(D, 5n, 50_000n), // past a gap: never eligible
    };
    for (const tx of Object.values(txs)) await s.pool.add(tx);
    return { ...s, txs };
  }

  it('merges the senders by the fee of their next tx, each in nonce order', async () => {
    const { pool, txs } = await threeSenders();
    const { a0, a1, b0, b1, c0 } = txs;
    expect(hexIds(pool.selectForBlock(1_000_000))).toEqual(ids([b0, b1, c0, a0, a1]));
  });

  it('stops at maxBytes, counting the block header and tx count', async () => {
    const { pool, txs } = await threeSenders();
    const { b0, b1, c0 } = txs;
    expect(hexIds(pool.selectForBlock(BLOCK_OVERHEAD_BYTES + 3 * TX_BYTES))).toEqual(ids([b0, b1, c0]));
    expect(hexIds(pool.selectForBlock(BLOCK_OVERHEAD_BYTES + 3 * TX_BYTES - 1))).toEqual(ids([b0, b1]));
    expect(pool.selectForBlock(BLOCK_OVERHEAD_BYTES + TX_BYTES - 1)).toEqual([]);
  });

  it('builds on the accounts it is given', async () => {
    const { pool, txs } = await threeSenders();
    const { a1, b0, b1, c0 } = txs;
    const accounts = (address: Uint8Array): Account | undefined => {
      if (toHex(address) === toHex(A.address)) return { balance: 1_000_000n, nonce: 1n };
      if (toHex(address) === toHex(C.address)) return { balance: AMOUNT, nonce: 0n }; // cannot pay c0
      return { balance: 1_000_000n, nonce: 0n };
    };
    expect(hexIds(pool.selectForBlock(1_000_000, accounts))).toEqual(ids([a1, b0, b1]));
    expect(c0).toBeDefined();
  });

  it('equal fees go first come, first served', async () => {
    const { chain, pool } = setup();
    for (const k of [A, B, C]) chain.set(k.address, 1_000_000n);
    const order = [makeTx(C, 0n), makeTx(A, 0n), makeTx(B, 0n)];
    for (const tx of order) await pool.add(tx);
    expect(hexIds(pool.selectForBlock(1_000_000))).toEqual(ids(order));
  });
});

describe('following the chain', () => {
  it('a connected block removes its txs and the ones it invalidated, in one batched read', async () => {
    const { chain, pool, reasonOf } = setup();
    for (const k of [A, B, E]) chain.set(k.address, 100_000n);
    const cost = AMOUNT + FEE;
    const [a0, a1, b0, e0, e1] = [makeTx(A, 0n), makeTx(A, 1n), makeTx(B, 0n), makeTx(E, 0n), makeTx(E, 1n)];
    chain.set(E.address, 2n * cost);
    for (const tx of [a0, a1, b0, e0, e1]) await pool.add(tx);
    // The block mines a0, a different nonce-0 tx of B's, and an E tx that spends more than e0 did.
    const block = makeBlock([a0, makeTx(B, 0n, FEE + 1n), makeTx(E, 0n, FEE, AMOUNT + 1n)]);
    chain.apply(block);
    const before = chain.calls;
    await pool.onBlockConnected(block, block.txs.map(txId));
    expect(chain.calls - before).toBe(1);
    expect(reasonOf(a0)).toBe('mined');
    expect(reasonOf(b0)).toBe('stale');
    expect(reasonOf(e0)).toBe('stale');
    expect(reasonOf(e1)).toBe('unaffordable');
    expect(hexIds([...pool.entries()])).toEqual(ids([a1]));
    expect(hexIds(pool.selectForBlock(1_000_000))).toEqual(ids([a1]));
  });

  it('a block of many txs costs one read, however many senders it touches', async () => {
    const { chain, pool } = setup();
    const keys = Array.from({ length: 40 }, (_, i) => key(`many-${i}`));
    const mined: Tx[] = [];
    for (const k of keys) {
      chain.set(k.address, 1_000_000n);
      const t0 = makeTx(k, 0n);
      mined.push(t0);
      await pool.add(t0);
      await pool.add(makeTx(k, 1n));
    }
    const block = makeBlock(mined);
    chain.apply(block);
    const before = chain.calls;
    await pool.onBlockConnected(block); // ids computed by the pool
    expect(chain.calls - before).toBe(1);
    expect(pool.size).toBe(40);
    expect(pool.selectForBlock(1_000_000).every((e) => e.nonce === 1n)).toBe(true);
  });

  it('a disconnected block returns its txs without verifying them again', async () => {
    const { chain, pool, verifier } = setup();
    chain.set(A.address, 1_000_000n);
    const [a0, a1, a2] = [makeTx(A, 0n), makeTx(A, 1n), makeTx(A, 2n)];
    for (const tx of [a0, a1, a2]) await pool.add(tx);
    const block = makeBlock([a0, a1]);
    chain.apply(block);
    await pool.onBlockConnected(block);
    expect(hexIds([...pool.entries()])).toEqual(ids([a2]));
    chain.revert();
    const calls = verifier.calls;
    const before = chain.calls;
    await pool.onBlockDisconnected(block);
    expect(verifier.calls).toBe(calls);
    expect(chain.calls - before).toBe(1);
    expect(hexIds(pool.selectForBlock(1_000_000))).toEqual(ids([a0, a1, a2]));
    expect(await pool.pendingNonce(A.address)).toBe(3n);
  });

  it("a disconnected block takes back what it paid: the recipient's pending txs that relied on it leave", async () => {
    const { chain, pool, reasonOf } = setup();
    chain.set(B.address, 1_000_000n);
    const pay = makeTx(B, 0n, FEE, 50_000n, A.address);
    const block = makeBlock([pay]);
    chain.apply(block);
    await pool.onBlockConnected(block);
    const spend = makeTx(A, 0n);
    await pool.add(spend); // affordable only with the 50,000 the block paid A
    chain.revert();
    await pool.onBlockDisconnected(block);
    expect(reasonOf(spend)).toBe('unaffordable');
    expect(hexIds([...pool.entries()])).toEqual(ids([pay]));
  });

  it('a reorg: disconnected txs come back, those the new branch mined leave, misfits are dropped quietly', async () => {
    const { chain, pool } = setup({ maxNonceGap: 2 });
    for (const k of [A, B, C]) chain.set(k.address, 1_000_000n);
    const old = makeBlock([makeTx(A, 0n), makeTx(B, 0n), makeTx(C, 0n, 999n)]);
    chain.apply(old);
    await pool.onBlockConnected(old);
    const b1 = makeTx(B, 1n);
    await pool.add(b1);
    // The new branch has A's nonce 0 too, but a different tx; B's nonce 0 is only in the old block.
    const rival = makeBlock([makeTx(A, 0n, 5_000n)], 1);
    chain.revert();
    chain.apply(rival);
    // The chain emits disconnect, then connect; the node does not wait between them.
    const p1 = pool.onBlockDisconnected(old);
    const p2 = pool.onBlockConnected(rival);
    await Promise.all([p1, p2]);
    const [oldA, oldB, oldC] = old.txs;
    expect(pool.has(txId(oldA!))).toBe(false); // its nonce is used by the rival: dropped quietly
    expect(pool.has(txId(oldC!))).toBe(false); // below the min fee: dropped quietly
    expect(hexIds(pool.selectForBlock(1_000_000))).toEqual(ids([oldB!, b1]));
  });
});

describe('concurrency', () => {
  it('parallel adds from one sender, in any order, all land', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 1_000_000n);
    const txs = Array.from({ length: 10 }, (_, i) => makeTx(A, BigInt(i)));
    const shuffled = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4].map((i) => txs[i]!);
    await Promise.all(shuffled.map((tx) => pool.add(tx)));
    expect(await pool.pendingNonce(A.address)).toBe(10n);
    expect(hexIds(pool.selectForBlock(1_000_000))).toEqual(ids(txs));
  });

  it('adds that arrive in the same turn of the event loop share one account read', async () => {
    const { chain, pool } = setup();
    for (const k of [A, B, C, D, E]) chain.set(k.address, 1_000_000n);
    const txs = [A, B, C, D, E].flatMap((k) => [makeTx(k, 0n), makeTx(k, 1n)]);
    await Promise.all(txs.map((tx) => pool.add(tx)));
    expect(pool.size).toBe(10);
    expect(chain.calls).toBe(1);
    // A later add is a later turn: a read of its own.
    await pool.add(makeTx(A, 2n));
    expect(chain.calls).toBe(2);
  });

  it('parallel adds that overdraw end consistent: the pool never spends more than the balance', async () => {
    const { chain, pool } = setup();
    const cost = AMOUNT + FEE;
    chain.set(A.address, 6n * cost);
    const txs = Array.from({ length: 10 }, (_, i) => makeTx(A, BigInt(i)));
    const results = await Promise.allSettled(txs.map((tx) => pool.add(tx)));
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as MempoolError).code).toBe('INSUFFICIENT_FUNDS');
    }
    expect(pool.pendingSpend(A.address)).toBeLessThanOrEqual(6n * cost);
    expect(pool.size).toBe(6);
    expect(hexIds(pool.selectForBlock(1_000_000))).toEqual(ids(txs.slice(0, 6)));
  });

  it('parallel replacements of one nonce leave exactly one tx', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 1_000_000n);
    await pool.add(makeTx(A, 0n, 10_000n));
    const bumps = [makeTx(A, 0n, 20_000n), makeTx(A, 0n, 12_000n), makeTx(A, 0n, 40_000n)];
    await Promise.allSettled(bumps.map((tx) => pool.add(tx)));
    expect(pool.size).toBe(1);
    const [kept] = [...pool.entries()];
    expect(kept!.nonce).toBe(0n);
  });

  it('a block connected while a tx is being verified is taken into account before it commits', async () => {
    const { chain, pool, verifier } = setup();
    chain.set(A.address, 1_000_000n);
    let open!: () => void;
    verifier.gate = new Promise((resolve) => {
      open = resolve;
    });
    const pending = pool.add(makeTx(A, 0n));
    await signatureCheckStarted(verifier);
    expect(verifier.calls).toBe(1);
    const block = makeBlock([makeTx(A, 0n, 7_000n)]);
    chain.apply(block);
    await pool.onBlockConnected(block);
    open();
    await expectCode(pending, 'NONCE_TOO_LOW');
    expect(pool.size).toBe(0);
  });
});

describe('addMany', () => {
  it('judges each tx on its own, in order, with one account read before the signatures', async () => {
    const { chain, pool, verifier, added } = setup({ maxNonceGap: 1 });
    chain.set(A.address, 1_000_000n);
    chain.set(B.address, 1_000_000n);
    chain.set(C.address, 1n); // cannot pay anything
    const run = [0n, 1n, 2n, 3n].map((n) => makeTx(A, n)); // past the gap of 1, but in order
    const forged = { ...makeTx(B, 0n), amount: AMOUNT + 1n }; // the signature no longer matches
    const txs = [...run, forged, makeTx(C, 0n), run[1]!, makeTx(D, 5n)];
    const results = await pool.addMany(txs, originNow('api'));
    expect(results.slice(0, 4)).toEqual(run.map((tx) => ({ status: 'fulfilled', value: { id: txId(tx) } })));
    const reason = (i: number) => {
      const r = results[i]!;
      return r.status === 'rejected' ? (r.reason as { code: string }).code : 'accepted';
    };
    expect([4, 5, 6, 7].map(reason)).toEqual([
      'BAD_SIGNATURE',
      'INSUFFICIENT_FUNDS',
      'ALREADY_KNOWN', // twice in one call
      'NONCE_GAP_TOO_LARGE', // D's account nonce is 0
    ]);
    expect(results[4]!.status === 'rejected' && results[4]!.reason).toBeInstanceOf(RuleError);
    expect(added).toEqual(ids(run));
    // Senders A, B, C, D read in ONE call; C's and D's cheap refusals cost no signature check.
    expect(chain.calls).toBe(1);
    expect(verifier.calls).toBe(5);
  });

  it("hands the signatures to the verifier's batch check in one call when it has one", async () => {
    const chain = new FakeChain();
    chain.set(A.address, 1_000_000n);
    chain.set(B.address, 1_000_000n);
    const batches: number[] = [];
    const verifier = {
      verifyTx: async () => {
        throw new Error('verifyTx must not be called when checkTxs exists');
      },
      checkTxs: async (txs: readonly Tx[]) => {
        batches.push(txs.length);
        return txs.map((tx) => {
          try {
            checkTxSignature(tx, GENESIS);
            return undefined;
          } catch (e) {
            return e as Error;
          }
        });
      },
    };
    const pool = new Mempool({ chain, verifier, now: () => T0 });
    const good = [makeTx(A, 0n), makeTx(B, 0n), makeTx(A, 1n)];
    const bad = { ...makeTx(B, 1n), fee: FEE + 1n };
    const results = await pool.addMany([...good, bad]);
    expect(batches).toEqual([4]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect(pool.size).toBe(3);
  });

  it('a block connected while the batch is being verified is taken into account before it commits', async () => {
    const { chain, pool, verifier } = setup();
    chain.set(A.address, 1_000_000n);
    chain.set(B.address, 1_000_000n);
    let open!: () => void;
    verifier.gate = new Promise((resolve) => {
      open = resolve;
    });
    const pending = pool.addMany([makeTx(A, 0n), makeTx(B, 0n)]);
    await signatureCheckStarted(verifier);
    // Meanwhile a copy arriving alone is a duplicate: it is being checked already.
    await expectCode(pool.add(makeTx(B, 0n)), 'ALREADY_KNOWN');
    const block = makeBlock([makeTx(A, 0n, 7_000n)]); // A's nonce 0, but another tx
    chain.apply(block);
    await pool.onBlockConnected(block);
    open();
    const results = await pending;
    expect(results[0]!.status === 'rejected' && (results[0]!.reason as MempoolError).code).toBe(
      'NONCE_TOO_LOW',
    );
    expect(results[1]!.status).toBe('fulfilled');
    expect(pool.size).toBe(1);
  });

  it(`refuses more than ${MAX_ADD_MANY} txs at once`, async () => {
    const { pool } = setup();
    await expect(pool.addMany(new Array(MAX_ADD_MANY + 1).fill(makeTx(A, 0n)))).rejects.toThrow(RangeError);
  });
});

describe('origins on the events', () => {
  it('tx:added and tx:removed carry the origin the tx was added with, flat, with its peer', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 1_000_000n);
    const added: TxAdded[] = [];
    const removed: TxRemoved[] = [];
    pool.on('tx:added', (e) => added.push(e));
    pool.on('tx:removed', (e) => removed.push(e));
    const tx = makeTx(A, 0n);
    await pool.add(tx, originNow('gossip', 'peer-a', 1_234));
    expect(added).toHaveLength(1);
    expect(added[0]).toEqual({ tx, id: txId(tx), origin: 'gossip', peer: 'peer-a', receivedAt: 1_234 });
    expect(pool.get(txId(tx))?.arrival).toEqual({ origin: 'gossip', peer: 'peer-a', receivedAt: 1_234 });
    const block = makeBlock([tx]);
    chain.apply(block);
    await pool.onBlockConnected(block);
    expect(removed).toEqual([
      { id: txId(tx), reason: 'mined', origin: 'gossip', peer: 'peer-a', receivedAt: 1_234 },
    ]);
  });

  it("without an origin a tx counts as submitted locally ('api'), with no peer field", async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 1_000_000n);
    const added: TxAdded[] = [];
    pool.on('tx:added', (e) => added.push(e));
    const before = Date.now();
    await pool.add(makeTx(A, 0n));
    expect(added[0]!.origin).toBe('api');
    expect('peer' in added[0]!).toBe(false);
    expect(added[0]!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(added[0]!.receivedAt).toBeLessThanOrEqual(Date.now());
  });

  it('a replacement reports the tx it replaced; the replaced one leaves with its own origin', async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 1_000_000n);
    const added: TxAdded[] = [];
    const removed: TxRemoved[] = [];
    pool.on('tx:added', (e) => added.push(e));
    pool.on('tx:removed', (e) => removed.push(e));
    const first = makeTx(A, 0n);
    const bump = makeTx(A, 0n, FEE * 2n);
    await pool.add(first, originNow('api', undefined, 1));
    await pool.add(bump, originNow('gossip', 'peer-b', 2));
    expect(toHex(added[1]!.replaced!)).toBe(toHex(txId(first)));
    expect(added[1]).toMatchObject({ origin: 'gossip', peer: 'peer-b', receivedAt: 2 });
    expect(removed).toEqual([{ id: txId(first), reason: 'replaced', origin: 'api', receivedAt: 1 }]);
  });

  it("txs returned by a disconnected block are tx:added with origin 'reorg'", async () => {
    const { chain, pool } = setup();
    chain.set(A.address, 1_000_000n);
    const tx = makeTx(A, 0n);
    const block = makeBlock([tx]);
    chain.apply(block);
    await pool.onBlockConnected(block);
    const added: TxAdded[] = [];
    pool.on('tx:added', (e) => added.push(e));
    chain.revert();
    const before = Date.now();
    await pool.onBlockDisconnected(block);
    expect(added.map((e) => toHex(e.id))).toEqual(ids([tx]));
    expect(added[0]!.origin).toBe('reorg');
    expect('peer' in added[0]!).toBe(false);
    expect(added[0]!.receivedAt).toBeGreaterThanOrEqual(before);
  });
});

// Last in the file (tests in a file run in order): every policy code was triggered by a test above.
describe('coverage of the codes', () => {
  it('every MEMPOOL_CODES entry was triggered at least once', () => {
    expect([...codesSeen].sort()).toEqual(Object.keys(MEMPOOL_CODES).sort());
  });
});
