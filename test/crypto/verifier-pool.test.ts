// The pool must answer exactly as the inline verifier does, item by item, across a split batch; and it must
// outlive a worker that dies. Two workers keep this cheap on a shared 2-core machine.
import { sha256 } from '@noble/hashes/sha2.js';
import * as secp from '@noble/secp256k1';
import { afterAll, describe, expect, it } from 'vitest';
import { bigIntToBytes, bytesToBigInt, concatBytes } from '../../src/consensus/bytes.js';
import { CURVE_ORDER, publicKeyOf } from '../../src/consensus/signature.js';
import { ITEM_BYTES, packItems, type VerifyItem, verifyPacked } from '../../src/crypto/batch.js';
import { defaultVerifier, nobleVerifier, resolveBackend } from '../../src/crypto/verifier.js';
import { stopWorker, VerifierPool } from '../../src/crypto/verifier-pool.js';
import { spawnWorker } from '../../src/util/spawn-worker.js';
import { NATIVE, nativeStatus } from './native-status.js';

/** `n` signatures by a few keys; every item whose index satisfies `bad` is broken in a rotating way. */
function batch(n: number, bad: (i: number) => boolean): VerifyItem[] {
  const keys = [1n, 2n, 3n].map((k) => bigIntToBytes(k * 0x1234567n, 32));
  const items: VerifyItem[] = [];
  for (let i = 0; i < n; i++) {
    const d = keys[i % keys.length]!;
    const msgHash = sha256(Uint8Array.of(i >> 8, i & 0xff));
    let signature: Uint8Array = secp.sign(msgHash, d, { prehash: false });
    let publicKey = publicKeyOf(d);
    if (bad(i)) {
      switch (i % 4) {
        case 0: // a valid signature on another message
          signature = secp.sign(sha256(Uint8Array.of(0xff, i)), d, { prehash: false });
          break;
        case 1: // the high-S twin
          signature = concatBytes(
            signature.subarray(0, 32),
            bigIntToBytes(CURVE_ORDER - bytesToBigInt(signature.subarray(32)), 32),
          );
          break;
        case 2: // a signature of the wrong size (cannot be packed)
          signature = signature.subarray(0, 63);
          break;
        default: // the wrong signer
          publicKey = publicKeyOf(keys[(i + 1) % keys.length]!);
      }
    }
    items.push({ msgHash, publicKey, signature });
  }
  return items;
}

const inline = (items: readonly VerifyItem[]) =>
  items.map((it) => defaultVerifier.verify(it.msgHash, it.publicKey, it.signature));

describe('packing', () => {
  it('round-trips items through one buffer, zero-filling ones of the wrong size', () => {
    const items = batch(9, (i) => i % 3 === 2);
    const packed = new Uint8Array(packItems(items, 1, 9));
    expect(packed.length).toBe(8 * ITEM_BYTES);
    const seen: boolean[] = Array.from(verifyPacked(packed, defaultVerifier.verify), (b) => b === 1);
    expect(seen).toEqual(inline(items.slice(1)));
  });
});

describe('VerifierPool', () => {
  const pool = new VerifierPool({ size: 2 });
  afterAll(() => pool.close());

  it('agrees with the inline verifier, item by item, on a mixed batch split across workers', async () => {
    const items = batch(300, (i) => i % 7 === 3 || i === 0 || i === 299);
    const expected = inline(items);
    expect(expected.filter((ok) => !ok).length).toBeGreaterThan(40); // the batch really is mixed
    expect(await pool.verifyBatch(items)).toEqual(expected);
  });

  it('answers small batches inline and empty ones with nothing', async () => {
    const items = batch(5, (i) => i === 2);
    expect(await pool.verifyBatch(items)).toEqual(inline(items));
    expect(await pool.verifyBatch([])).toEqual([]);
  });

  it('keeps concurrent batches apart', async () => {
    const a = batch(64, (i) => i % 5 === 0);
    const b = batch(80, (i) => i % 3 === 1);
    const [ra, rb] = await Promise.all([pool.verifyBatch(a), pool.verifyBatch(b)]);
    expect(ra).toEqual(inline(a));
    expect(rb).toEqual(inline(b));
  });
});

describe(`VerifierPool backends (${nativeStatus})`, () => {
  const reference = (items: readonly VerifyItem[]) =>
    items.map((it) => nobleVerifier.verify(it.msgHash, it.publicKey, it.signature));

  it('runs the backend resolveBackend() picks, in every worker', async () => {
    const pool = new VerifierPool({ size: 1 });
    try {
      expect(pool.backend).toBe(resolveBackend());
      const items = batch(40, (i) => i % 3 === 0);
      expect(await pool.verifyBatch(items)).toEqual(reference(items));
    } finally {
      await pool.close();
    }
  });

  for (const backend of ['secp256k1-native', 'tiny-secp256k1'] as const) {
    it.skipIf(backend === 'secp256k1-native' && !NATIVE.load.ok)(
      `${backend} in the workers agrees with noble item by item`,
      async () => {
        const pool = new VerifierPool({ size: 1, backend });
        try {
          expect(pool.backend).toBe(backend);
          // Unpacked from one transferred buffer: the native addon reads subarrays at an offset.
          const items = batch(120, (i) => i % 5 === 1 || i === 119);
          expect(await pool.verifyBatch(items)).toEqual(reference(items));
        } finally {
          await pool.close();
        }
      },
    );
  }
});

describe('VerifierPool under faults', () => {
  it('rejects the batch a dying worker held, then respawns and verifies the next batch in full', async () => {
    const items = batch(200, (i) => i % 11 === 0);
    // WASM, not the native addon: terminate() in the middle of a node-addon-api call aborts the whole
    // process (see stopWorker), and this drill terminates on purpose.
    const pool = new VerifierPool({ size: 2, backend: 'tiny-secp256k1' });
    try {
      // Posted to both (still starting) workers synchronously; worker 0 is killed before it can answer.
      const doomed = pool.verifyBatch(items);
      await pool.killWorker(0);
      await expect(doomed).rejects.toThrow(/signature worker exited/);
      expect(await pool.verifyBatch(items)).toEqual(inline(items));
      // And again after killing the replacement of the other worker while idle.
      await pool.killWorker(1);
      expect(await pool.verifyBatch(items)).toEqual(inline(items));
    } finally {
      await pool.close();
    }
  });

  it('close() lets a worker that is still loading its backend exit by itself, never terminated mid-load', async () => {
    // A worker stopped by terminate() exits with code 1; one that closed its port after loading, with 0.
    // Terminating a worker while it loads the native addon can abort the process (Napi::Error).
    const workers = Array.from({ length: 3 }, () =>
      spawnWorker(new URL('../../src/crypto/verifier-pool.ts', import.meta.url).href, './verify-worker', {
        workerData: { backend: resolveBackend() },
      }),
    );
    const codes = workers.map((w) => new Promise<number>((resolve) => w.once('exit', resolve)));
    await Promise.all(workers.map((w) => stopWorker(w)));
    expect(await Promise.all(codes)).toEqual([0, 0, 0]);
    // And a worker already gone is no reason to wait.
    const started = Date.now();
    await stopWorker(workers[0]!);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses work once closed', async () => {
    const pool = new VerifierPool({ size: 1 });
    await pool.close();
    await expect(pool.verifyBatch(batch(20, () => false))).rejects.toThrow(/closed/);
  });
});
