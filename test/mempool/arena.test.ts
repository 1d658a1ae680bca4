import { describe, expect, it } from 'vitest';
import { encodeTx } from '../../src/consensus/encoding.js';
import { TX_BYTES, type Tx } from '../../src/consensus/types.js';
import { RECORD_BYTES, TxArena } from '../../src/mempool/arena.js';

const tx = (nonce: bigint, amount: bigint): Tx => ({
  version: 1,
  nonce,
  fee: 1_000n,
  amount,
  to: new Uint8Array(20).fill(2),
  from: new Uint8Array(33).fill(3),
  signature: new Uint8Array(64).fill(4),
});

describe('TxArena', () => {
  it('keeps each record apart: its bytes, amount, origin and times, across blocks', () => {
    const arena = new TxArena();
    const n = 5_000; // past one block of 4,096 records
    const slots = Array.from({ length: n }, (_, i) =>
      arena.store(encodeTx(tx(BigInt(i), BigInt(i) * 7n + 1n)), i % 6, i + 0.5, 2 * i),
    );
    expect(arena.bytes).toBe(2 * 4_096 * RECORD_BYTES);
    for (const i of [0, 1, 4_095, 4_096, n - 1]) {
      const s = slots[i]!;
      expect(arena.encoded(s)).toEqual(encodeTx(tx(BigInt(i), BigInt(i) * 7n + 1n)));
      expect(arena.encoded(s).length).toBe(TX_BYTES);
      expect(arena.amount(s)).toBe(BigInt(i) * 7n + 1n);
      expect(arena.origin(s)).toBe(i % 6);
      expect(arena.receivedAt(s)).toBe(i + 0.5);
      expect(arena.addedAt(s)).toBe(2 * i);
    }
  });

  it('reuses a released slot before growing, so memory follows the live count', () => {
    const arena = new TxArena();
    const a = arena.store(encodeTx(tx(0n, 1n)), 0, 0, 0);
    arena.store(encodeTx(tx(1n, 2n)), 0, 0, 0);
    arena.release(a);
    const c = arena.store(encodeTx(tx(9n, 9n)), 1, 0, 0);
    expect(c).toBe(a);
    expect(arena.amount(c)).toBe(9n);
    for (let i = 0; i < 10_000; i++) arena.release(arena.store(encodeTx(tx(2n, 3n)), 0, 0, 0));
    expect(arena.bytes).toBe(4_096 * RECORD_BYTES);
  });
});
