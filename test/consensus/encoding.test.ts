import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockSize,
  decodeBlock,
  decodeHeader,
  decodeTx,
  encodeBlock,
  encodeHeader,
  encodeTx,
  encodeUnsignedTx,
  txBytesAt,
} from '../../src/consensus/encoding.js';
import { isRuleError, type RuleCode, RuleError } from '../../src/consensus/errors.js';
import {
  BLOCK_OVERHEAD_BYTES,
  HEADER_BYTES,
  TX_BYTES,
  UNSIGNED_TX_BYTES,
} from '../../src/consensus/types.js';
import { arbBlock, arbHeader, arbTx } from './arbitraries.js';

/** Run `fn`, expecting a RuleError with `code`; returns it for further checks. */
function ruleErrorOf(fn: () => unknown): RuleError {
  try {
    fn();
  } catch (e) {
    if (isRuleError(e)) return e;
    throw new Error(`expected a RuleError, got ${String(e)}`);
  }
  throw new Error('expected a RuleError, but nothing was thrown');
}
function expectCode(fn: () => unknown, code: RuleCode): RuleError {
  const e = ruleErrorOf(fn);
  expect(e.code).toBe(code);
  return e;
}

/** Either decodes, or throws a RuleError: any other exception (RangeError, TypeError) fails the property. */
function decodesOrRuleError(decode: (b: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    decode(bytes);
  } catch (e) {
    if (!(e instanceof RuleError)) throw e;
  }
}

/** Offset of the u64 `time` field in the header: version 4, height 4, prevHash 32, txRoot 32, miner 20. */
const TIME_OFFSET = 4 + 4 + 32 + 32 + 20;

describe('round trips: decode(encode(x)) = x', () => {
  it('tx', () => {
    fc.assert(
      fc.property(arbTx(), (tx) => {
        expect(decodeTx(encodeTx(tx))).toEqual(tx);
      }),
    );
  });
  it('header', () => {
    fc.assert(
      fc.property(arbHeader(), (h) => {
        expect(decodeHeader(encodeHeader(h))).toEqual(h);
      }),
    );
  });
  it('block', () => {
    fc.assert(
      fc.property(arbBlock(), (b) => {
        expect(decodeBlock(encodeBlock(b))).toEqual(b);
      }),
      { numRuns: 50 },
    );
  });
  it('encode(decode(bytes)) = bytes for every byte string that decodes (one encoding per value)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: TX_BYTES, maxLength: TX_BYTES }), (bytes) => {
        expect(encodeTx(decodeTx(bytes))).toEqual(bytes);
      }),
    );
  });
  it('decoded values do not alias the input buffer', () => {
    fc.assert(
      fc.property(arbTx(), (tx) => {
        const bytes = encodeTx(tx);
        const decoded = decodeTx(bytes);
        bytes.fill(0xaa);
        expect(decoded).toEqual(tx);
      }),
      { numRuns: 20 },
    );
  });
});

describe('exact sizes', () => {
  it('a tx is 142 bytes, of which 78 are signed; a header is 112', () => {
    fc.assert(
      fc.property(arbTx(), arbHeader(), (tx, h) => {
        expect(encodeTx(tx).length).toBe(142);
        expect(encodeUnsignedTx(tx).length).toBe(78);
        expect(encodeHeader(h).length).toBe(112);
      }),
      { numRuns: 20 },
    );
    expect([TX_BYTES, UNSIGNED_TX_BYTES, HEADER_BYTES]).toEqual([142, 78, 112]);
  });
  it('a block is header + u32 count + count × tx, and blockSize agrees without encoding', () => {
    fc.assert(
      fc.property(arbBlock(), (b) => {
        const bytes = encodeBlock(b);
        expect(bytes.length).toBe(112 + 4 + 142 * b.txs.length);
        expect(blockSize(b.txs.length)).toBe(bytes.length);
      }),
      { numRuns: 30 },
    );
  });
  it('the signed bytes are the tx encoding without its signature', () => {
    fc.assert(
      fc.property(arbTx(), (tx) => {
        expect(encodeUnsignedTx(tx)).toEqual(encodeTx(tx).subarray(0, UNSIGNED_TX_BYTES));
      }),
      { numRuns: 20 },
    );
  });
  it('integers are big-endian at the positions docs/PROTOCOL.md §4.1 and §5.1 fix', () => {
    const h = encodeHeader({
      version: 1,
      height: 0x0102_0304,
      prevHash: new Uint8Array(32),
      txRoot: new Uint8Array(32),
      miner: new Uint8Array(20),
      time: 0x0a0b_0c0d,
      bits: 0x1e04_0000,
      nonce: 0x1122_3344_5566_7788n,
    });
    expect([...h.subarray(0, 8)]).toEqual([0, 0, 0, 1, 1, 2, 3, 4]);
    expect([...h.subarray(TIME_OFFSET, TIME_OFFSET + 8)]).toEqual([0, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d]);
    expect([...h.subarray(100, 104)]).toEqual([0x1e, 0x04, 0, 0]);
    expect([...h.subarray(104, 112)]).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
  });
});

describe('any byte string either decodes or fails with a RuleError', () => {
  // Lengths near the real sizes, where the interesting failures are, as well as anything at all.
  const anyBytes = fc.oneof(
    fc.uint8Array({ maxLength: 700 }),
    fc
      .integer({ min: 0, max: 3 })
      .chain((n) => fc.uint8Array({ minLength: blockSize(n) - 2, maxLength: blockSize(n) + 2 })),
  );
  it('decodeTx', () =>
    fc.assert(
      fc.property(anyBytes, (b) => decodesOrRuleError(decodeTx, b)),
      { numRuns: 300 },
    ));
  it('decodeHeader', () =>
    fc.assert(
      fc.property(anyBytes, (b) => decodesOrRuleError(decodeHeader, b)),
      { numRuns: 300 },
    ));
  it('decodeBlock', () =>
    fc.assert(
      fc.property(anyBytes, (b) => decodesOrRuleError(decodeBlock, b)),
      { numRuns: 300 },
    ));
  it('decodeBlock on mutations of a valid block', () => {
    const mutated = fc
      .tuple(arbBlock(3), fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([block, at, byte]) => {
        const bytes = encodeBlock(block);
        bytes[at % bytes.length] = byte;
        return bytes;
      });
    fc.assert(
      fc.property(mutated, (b) => decodesOrRuleError(decodeBlock, b)),
      { numRuns: 200 },
    );
  });
});

describe('strictness', () => {
  it('truncated input is BAD_ENCODING at every length', () => {
    fc.assert(
      fc.property(arbBlock(2), arbTx(), arbHeader(), fc.nat(), (block, tx, header, cut) => {
        for (const [encoded, decode] of [
          [encodeTx(tx), decodeTx],
          [encodeHeader(header), decodeHeader],
          [encodeBlock(block), decodeBlock],
        ] as const) {
          const short = encoded.subarray(0, cut % encoded.length);
          expectCode(() => decode(short), 'BAD_ENCODING');
        }
      }),
      { numRuns: 50 },
    );
  });
  it('trailing bytes are BAD_ENCODING', () => {
    fc.assert(
      fc.property(
        arbBlock(2),
        arbTx(),
        arbHeader(),
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        (block, tx, header, extra) => {
          for (const [encoded, decode] of [
            [encodeTx(tx), decodeTx],
            [encodeHeader(header), decodeHeader],
            [encodeBlock(block), decodeBlock],
          ] as const) {
            const long = new Uint8Array(encoded.length + extra.length);
            long.set(encoded);
            long.set(extra, encoded.length);
            expectCode(() => decode(long), 'BAD_ENCODING');
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  /** A block's bytes with its u32 tx count overwritten. */
  function withCount(bytes: Uint8Array, count: number): Uint8Array {
    const out = bytes.slice();
    new DataView(out.buffer).setUint32(HEADER_BYTES, count);
    return out;
  }

  it('a tx count that claims more (or fewer) txs than the bytes hold is BAD_ENCODING', () => {
    const block = fc.sample(arbBlock(0), { numRuns: 1, seed: 1 })[0]!;
    const empty = encodeBlock({ ...block, txs: [] });
    expect(empty.length).toBe(BLOCK_OVERHEAD_BYTES);
    // 2^32 − 1 txs would be ~610 GB; the decoder must compare the claim with the length before it
    // reserves anything, so this fails at once with the encoding error rather than an out-of-memory.
    const before = process.memoryUsage().heapUsed;
    const e = expectCode(() => decodeBlock(withCount(empty, 0xffff_ffff)), 'BAD_ENCODING');
    expect(e.message).toContain('4294967295');
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);

    const two = encodeBlock({ ...block, txs: fc.sample(arbTx(), { numRuns: 2, seed: 2 }) });
    expectCode(() => decodeBlock(withCount(two, 3)), 'BAD_ENCODING');
    expectCode(() => decodeBlock(withCount(two, 1)), 'BAD_ENCODING');
    expect(decodeBlock(withCount(two, 2)).txs).toHaveLength(2);
  });

  it('decodeBlock over maxBytes is BLOCK_TOO_LARGE, checked before decoding', () => {
    fc.assert(
      fc.property(arbBlock(3), (block) => {
        const bytes = encodeBlock(block);
        expectCode(() => decodeBlock(bytes, bytes.length - 1), 'BLOCK_TOO_LARGE');
        expect(decodeBlock(bytes, bytes.length)).toEqual(block);
      }),
      { numRuns: 30 },
    );
    // Garbage that is too large is reported as too large, without reading it.
    expectCode(() => decodeBlock(new Uint8Array(1001), 1000), 'BLOCK_TOO_LARGE');
  });

  it('header time above 2^53 − 1 is BAD_ENCODING; 2^53 − 1 itself decodes', () => {
    const header = fc.sample(arbHeader(), { numRuns: 1, seed: 3 })[0]!;
    const bytes = encodeHeader(header);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(TIME_OFFSET, BigInt(Number.MAX_SAFE_INTEGER));
    expect(decodeHeader(bytes).time).toBe(Number.MAX_SAFE_INTEGER);
    for (const t of [2n ** 53n, 2n ** 64n - 1n]) {
      view.setBigUint64(TIME_OFFSET, t);
      expectCode(() => decodeHeader(bytes), 'BAD_ENCODING');
      const block = new Uint8Array(BLOCK_OVERHEAD_BYTES);
      block.set(bytes);
      expectCode(() => decodeBlock(block), 'BAD_ENCODING');
    }
  });

  it('encoders refuse out-of-range fields with BAD_ENCODING', () => {
    const tx = fc.sample(arbTx(), { numRuns: 1, seed: 4 })[0]!;
    const header = fc.sample(arbHeader(), { numRuns: 1, seed: 5 })[0]!;
    expectCode(() => encodeTx({ ...tx, version: 256 }), 'BAD_ENCODING');
    expectCode(() => encodeTx({ ...tx, amount: 2n ** 64n }), 'BAD_ENCODING');
    expectCode(() => encodeTx({ ...tx, fee: -1n }), 'BAD_ENCODING');
    expectCode(() => encodeTx({ ...tx, to: new Uint8Array(21) }), 'BAD_ENCODING');
    expectCode(() => encodeTx({ ...tx, signature: new Uint8Array(63) }), 'BAD_ENCODING');
    expectCode(() => encodeHeader({ ...header, height: 2 ** 32 }), 'BAD_ENCODING');
    expectCode(() => encodeHeader({ ...header, time: 2 ** 53 }), 'BAD_ENCODING');
    expectCode(() => encodeHeader({ ...header, time: 1.5 }), 'BAD_ENCODING');
    expectCode(() => encodeHeader({ ...header, prevHash: new Uint8Array(31) }), 'BAD_ENCODING');
  });
});

describe('txBytesAt: a tx read straight out of the block bytes', () => {
  it('is exactly encodeTx of tx i, for every i of every block', () => {
    fc.assert(
      fc.property(arbBlock(5), (block) => {
        const bytes = encodeBlock(block);
        block.txs.forEach((tx, i) => {
          expect(txBytesAt(bytes, i)).toEqual(encodeTx(tx));
        });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses an index the block does not have, and bytes that are not a block, with BAD_ENCODING', () => {
    const header = fc.sample(arbHeader(), { numRuns: 1, seed: 11 })[0]!;
    const bytes = encodeBlock({ header, txs: fc.sample(arbTx(), { numRuns: 2, seed: 12 }) });
    expect(txBytesAt(bytes, 1).length).toBe(TX_BYTES);
    for (const i of [2, 3, -1, 0.5, Number.NaN]) expectCode(() => txBytesAt(bytes, i), 'BAD_ENCODING');
    expectCode(() => txBytesAt(bytes.subarray(0, bytes.length - 1), 1), 'BAD_ENCODING');
    expectCode(() => txBytesAt(bytes.subarray(0, HEADER_BYTES + 2), 0), 'BAD_ENCODING');
    const extra = new Uint8Array(bytes.length + TX_BYTES);
    extra.set(bytes);
    expectCode(() => txBytesAt(extra, 0), 'BAD_ENCODING');
  });

  it('any byte string gives a tx-sized slice or a RuleError, never a short or out-of-bounds read', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: -1, max: 4 }), (b, i) => {
        let tx: Uint8Array;
        try {
          tx = txBytesAt(b, i);
        } catch (e) {
          expect(e).toBeInstanceOf(RuleError);
          return;
        }
        expect(tx.length).toBe(TX_BYTES);
        expect(decodeBlock(b).txs.length).toBeGreaterThan(i);
      }),
      { numRuns: 300 },
    );
  });
});
