import { afterAll, describe, expect, it } from 'vitest';
import { bigIntToBytes, bytesToBigInt, concatBytes } from '../../src/consensus/bytes.js';
import { isRuleError, type RuleCode } from '../../src/consensus/errors.js';
import { txId } from '../../src/consensus/hash.js';
import { CURVE_ORDER, checkTxSignature, publicKeyOf, signTx } from '../../src/consensus/signature.js';
import type { Tx } from '../../src/consensus/types.js';
import { SignatureCache } from '../../src/crypto/signature-cache.js';
import { TxVerifier } from '../../src/crypto/tx-verifier.js';
import { defaultVerifier, type SignatureVerifier } from '../../src/crypto/verifier.js';
import { VerifierPool } from '../../src/crypto/verifier-pool.js';

const GENESIS = new Uint8Array(32).fill(0x42);
const OTHER_GENESIS = new Uint8Array(32).fill(0x43);
const KEYS = [5n, 6n, 7n].map((k) => bigIntToBytes(k * 0xdeadbeefn, 32));

function tx(i: number, genesis = GENESIS): Tx {
  const d = KEYS[i % KEYS.length]!;
  return signTx(
    {
      version: 1,
      nonce: BigInt(i),
      fee: 10n,
      amount: 1n + BigInt(i),
      to: new Uint8Array(20).fill(i),
      from: publicKeyOf(d),
    },
    d,
    genesis,
  );
}

/** One broken tx per rule code (and one that fails to encode). */
const broken: Record<'HIGH_S' | 'BAD_PUBKEY' | 'BAD_SIGNATURE' | 'BAD_ENCODING', (t: Tx) => Tx> = {
  HIGH_S: (t) => ({
    ...t,
    signature: concatBytes(
      t.signature.subarray(0, 32),
      bigIntToBytes(CURVE_ORDER - bytesToBigInt(t.signature.subarray(32)), 32),
    ),
  }),
  BAD_PUBKEY: (t) => ({ ...t, from: Uint8Array.of(0x04, ...t.from.subarray(1)) }),
  BAD_SIGNATURE: (t) => ({ ...t, amount: t.amount + 1n }),
  BAD_ENCODING: (t) => ({ ...t, to: t.to.subarray(1) }),
};

async function codeOf(p: Promise<void>): Promise<{ code: RuleCode | 'none'; message: string }> {
  try {
    await p;
    return { code: 'none', message: '' };
  } catch (e) {
    if (isRuleError(e)) return { code: e.code, message: e.message };
    throw e;
  }
}

function referenceCode(t: Tx, genesis = GENESIS): RuleCode | 'none' {
  try {
    checkTxSignature(t, genesis);
    return 'none';
  } catch (e) {
    if (isRuleError(e)) return e.code;
    throw e;
  }
}

/** Counts the signatures that actually reach a backend. */
function counting(): SignatureVerifier & { calls: number } {
  const v = {
    name: 'counting',
    calls: 0,
    verify(h: Uint8Array, q: Uint8Array, s: Uint8Array) {
      v.calls++;
      return defaultVerifier.verify(h, q, s);
    },
  };
  return v;
}

const pool = new VerifierPool({ size: 2 });
afterAll(() => pool.close());

describe('TxVerifier.verifyTx', () => {
  const verifier = new TxVerifier({ genesisHash: GENESIS });

  it('accepts a valid tx and gives the reference code for each kind of broken one', async () => {
    expect((await codeOf(verifier.verifyTx(tx(1)))).code).toBe('none');
    for (const [code, breakIt] of Object.entries(broken)) {
      const bad = breakIt(tx(2));
      expect(referenceCode(bad)).toBe(code);
      expect((await codeOf(verifier.verifyTx(bad))).code).toBe(code);
    }
  });

  it('is bound to its chain: a tx signed for another genesis is BAD_SIGNATURE', async () => {
    expect((await codeOf(verifier.verifyTx(tx(3, OTHER_GENESIS)))).code).toBe('BAD_SIGNATURE');
  });

  it('never lets a backend accept what the reference refuses, nor hide a disagreement', async () => {
    const refuseAll: SignatureVerifier = { name: 'refuse-all', verify: () => false };
    const v = new TxVerifier({ genesisHash: GENESIS, verifier: refuseAll });
    const r = await codeOf(v.verifyTx(tx(4)));
    expect(r.code).toBe('BAD_SIGNATURE');
    expect(r.message).toMatch(/refuse-all.*reference/);
  });
});

describe('TxVerifier.verifyTxs', () => {
  const txs = Array.from({ length: 40 }, (_, i) => tx(i));

  for (const [label, make] of [
    ['inline', () => new TxVerifier({ genesisHash: GENESIS })],
    ['through the pool', () => new TxVerifier({ genesisHash: GENESIS, pool })],
  ] as const) {
    it(`${label}: accepts a valid set, and reports the FIRST failing tx by index`, async () => {
      const v = make();
      expect((await codeOf(v.verifyTxs(txs))).code).toBe('none');
      const mixed = txs.slice();
      mixed[31] = broken.BAD_PUBKEY(txs[31]!);
      mixed[17] = broken.HIGH_S(txs[17]!);
      mixed[25] = broken.BAD_SIGNATURE(txs[25]!);
      const r = await codeOf(v.verifyTxs(mixed));
      expect(r.code).toBe('HIGH_S');
      expect(r.message).toMatch(/^tx 17: /);
      // A field that cannot be encoded does not jump the queue ahead of an earlier bad signature.
      mixed[3] = broken.BAD_ENCODING(txs[3]!);
      mixed[2] = broken.BAD_SIGNATURE(txs[2]!);
      const r2 = await codeOf(v.verifyTxs(mixed));
      expect(r2.code).toBe('BAD_SIGNATURE');
      expect(r2.message).toMatch(/^tx 2: /);
    });
  }

  it('refuses ids that do not match the txs one for one', async () => {
    const v = new TxVerifier({ genesisHash: GENESIS });
    await expect(v.verifyTxs(txs, [txId(txs[0]!)])).rejects.toThrow(RangeError);
  });
});

describe('TxVerifier.checkTxs', () => {
  const txs = Array.from({ length: 40 }, (_, i) => tx(200 + i));

  for (const [label, make] of [
    ['inline', () => new TxVerifier({ genesisHash: GENESIS, cache: new SignatureCache() })],
    ['through the pool', () => new TxVerifier({ genesisHash: GENESIS, pool, cache: new SignatureCache() })],
  ] as const) {
    it(`${label}: gives every tx its own verdict, the reference's code for each broken one`, async () => {
      const v = make();
      const mixed = txs.slice();
      const codes = Object.keys(broken) as (keyof typeof broken)[];
      codes.forEach((code, k) => {
        mixed[5 + 7 * k] = broken[code](txs[5 + 7 * k]!);
      });
      const verdicts = await v.checkTxs(mixed);
      expect(verdicts).toHaveLength(mixed.length);
      mixed.forEach((t, i) => {
        expect(verdicts[i]?.code ?? 'none').toBe(referenceCode(t));
      });
      expect(verdicts.filter((e) => e !== undefined)).toHaveLength(codes.length);
      // The valid ones joined the cache; the broken ones did not.
      const valid = mixed.filter((_, i) => verdicts[i] === undefined);
      await expect(v.verifyTxs(valid)).resolves.toBeUndefined();
    });
  }
});

describe('TxVerifier with a SignatureCache', () => {
  const txs = Array.from({ length: 30 }, (_, i) => tx(100 + i));

  it('verifies a tx once: the mempool check makes the block check free', async () => {
    const backend = counting();
    const cache = new SignatureCache(1000);
    const v = new TxVerifier({ genesisHash: GENESIS, cache, verifier: backend });

    for (const t of txs.slice(0, 20)) await v.verifyTx(t); // the mempool sees 20 of them
    expect(backend.calls).toBe(20);
    await v.verifyTxs(txs); // the block brings all 30: only the 10 new ones reach the backend
    expect(backend.calls).toBe(30);
    await v.verifyTxs(txs, txs.map(txId)); // seen again (e.g. the same block twice), ids supplied
    await v.verifyTx(txs[29]!);
    expect(backend.calls).toBe(30);
    expect(cache.has(txId(txs[0]!))).toBe(true);
  });

  it('caches only valid results: a failed batch is verified again next time', async () => {
    const backend = counting();
    const cache = new SignatureCache(1000);
    const v = new TxVerifier({ genesisHash: GENESIS, cache, verifier: backend });
    const mixed = txs.slice(0, 10);
    mixed[4] = broken.BAD_SIGNATURE(mixed[4]!);
    expect((await codeOf(v.verifyTxs(mixed))).code).toBe('BAD_SIGNATURE');
    expect(backend.calls).toBe(10);
    expect(cache.size).toBe(0);
    expect((await codeOf(v.verifyTxs(mixed))).code).toBe('BAD_SIGNATURE');
    expect(backend.calls).toBe(20);
    expect((await codeOf(v.verifyTx(mixed[4]!))).code).toBe('BAD_SIGNATURE');
    expect(backend.calls).toBe(21);
  });
});

describe('TxVerifier intake: concurrent verifyTx calls share pool batches', () => {
  const txs = Array.from({ length: 48 }, (_, i) => tx(200 + i));
  const kinds = Object.keys(broken) as (keyof typeof broken)[];
  /** Every 6th tx broken, cycling through the rule codes; the rest valid. */
  const mixed = txs.map((t, i) => (i % 6 === 5 ? broken[kinds[((i / 6) % kinds.length) | 0]!](t) : t));

  it('coalesces a burst into few batches, and each caller gets its own verdict and code', async () => {
    const v = new TxVerifier({ genesisHash: GENESIS, pool, intake: { maxBatch: 64, maxDelayMs: 5 } });
    expect(v.backend).toBe(pool.backend);
    const got = await Promise.all(mixed.map((t) => codeOf(v.verifyTx(t))));
    expect(got.map((r) => r.code)).toEqual(mixed.map((t) => referenceCode(t)));
    expect(got.filter((r) => r.code === 'none').length).toBe(40); // one bad tx fails nobody else
    const stats = v.intakeStats!;
    // BAD_ENCODING never reaches a backend; the other 46 arrived in one turn: one batch.
    expect(stats.items).toBe(46);
    expect(stats.batches).toBe(1);
    expect(stats.largestBatch).toBe(46);
  });

  it('splits a burst larger than maxBatch, and past maxPending verifies inline, same verdicts', async () => {
    const v = new TxVerifier({ genesisHash: GENESIS, pool, intake: { maxBatch: 16, maxPending: 24 } });
    const got = await Promise.all(mixed.map((t) => codeOf(v.verifyTx(t))));
    expect(got.map((r) => r.code)).toEqual(mixed.map((t) => referenceCode(t)));
    const stats = v.intakeStats!;
    expect(stats.largestBatch).toBe(16);
    expect(stats.overflowed).toBe(46 - 24);
    expect(stats.batches).toBe(2); // 24 queued: one full batch of 16, then 8 when the delay ran out
  });

  it('still answers when the pool has failed: the batch falls back to this thread', async () => {
    const dead = new VerifierPool({ size: 1 });
    await dead.close();
    const v = new TxVerifier({ genesisHash: GENESIS, pool: dead });
    const got = await Promise.all(mixed.slice(0, 12).map((t) => codeOf(v.verifyTx(t))));
    expect(got.map((r) => r.code)).toEqual(mixed.slice(0, 12).map((t) => referenceCode(t)));
    expect(v.intakeStats!.failedBatches).toBeGreaterThan(0);
  });

  it('remembers valid txs in the cache like the inline path, and can be switched off', async () => {
    const cache = new SignatureCache(1000);
    const v = new TxVerifier({ genesisHash: GENESIS, pool, cache });
    await Promise.all(txs.slice(0, 20).map((t) => v.verifyTx(t)));
    expect(cache.size).toBe(20);
    await Promise.all(txs.slice(0, 20).map((t) => v.verifyTx(t)));
    expect(v.intakeStats!.items).toBe(20); // the second round never reached the batcher
    const off = new TxVerifier({ genesisHash: GENESIS, pool, intake: false });
    expect(off.intakeStats).toBeUndefined();
    expect((await codeOf(off.verifyTx(mixed[5]!))).code).toBe(referenceCode(mixed[5]!));
  });
});
