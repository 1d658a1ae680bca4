import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes, toHex as hex } from '../../src/consensus/bytes.js';
import { encodeHeader } from '../../src/consensus/encoding.js';
import type { BlockHeader } from '../../src/consensus/types.js';
import {
  ACCOUNT_BYTES,
  ADDRESS_TX_KEY_BYTES,
  ADDRESS_TX_VALUE_BYTES,
  decodeAccount,
  decodeAddressTx,
  decodeHeaderEntry,
  decodeTxLocation,
  decodeU32,
  encodeAccount,
  encodeAddressTxKey,
  encodeAddressTxValue,
  encodeHeaderEntry,
  encodeTxLocation,
  encodeU32,
  HEADER_ENTRY_BYTES,
  type HeaderEntry,
  TX_LOCATION_BYTES,
} from '../../src/storage/codec.js';
import { StorageError } from '../../src/storage/errors.js';
import { heightFromKey, heightKey, metaKey } from '../../src/storage/layout.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

const arbHeader: fc.Arbitrary<BlockHeader> = fc.record({
  version: u32,
  height: u32,
  prevHash: bytes(32),
  txRoot: bytes(32),
  miner: bytes(20),
  time: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  bits: u32,
  nonce: u64,
});

const arbEntry: fc.Arbitrary<HeaderEntry> = fc.record({
  header: arbHeader,
  hash: bytes(32),
  chainWork: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  status: fc.constantFrom('valid-header', 'valid', 'invalid'),
  hasBody: fc.boolean(),
});

function storageCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof StorageError) return e.code;
    throw e;
  }
  return undefined;
}

describe('header entry codec', () => {
  it('round-trips every entry through 146 bytes with the header first', () => {
    fc.assert(
      fc.property(arbEntry, (entry) => {
        const encoded = encodeHeaderEntry(entry);
        expect(encoded.length).toBe(HEADER_ENTRY_BYTES);
        expect(encoded.subarray(0, 112)).toEqual(encodeHeader(entry.header));
        expect(decodeHeaderEntry(entry.hash, encoded)).toEqual(entry);
      }),
    );
  });

  it('any 146-byte value either decodes and re-encodes identically, or fails as CORRUPT_RECORD', () => {
    fc.assert(
      fc.property(bytes(32), bytes(HEADER_ENTRY_BYTES), (hash, value) => {
        let entry: HeaderEntry;
        try {
          entry = decodeHeaderEntry(hash, value);
        } catch (e) {
          expect((e as StorageError).code).toBe('CORRUPT_RECORD');
          return;
        }
        expect(encodeHeaderEntry(entry)).toEqual(value);
      }),
    );
  });

  it('rejects wrong lengths, unknown status bytes and unknown flags', () => {
    const entry = fc.sample(arbEntry, { numRuns: 1, seed: 7 })[0]!;
    const good = encodeHeaderEntry(entry);
    expect(storageCode(() => decodeHeaderEntry(entry.hash, good.subarray(0, 145)))).toBe('CORRUPT_RECORD');
    const badStatus = good.slice();
    badStatus[144] = 3;
    expect(storageCode(() => decodeHeaderEntry(entry.hash, badStatus))).toBe('CORRUPT_RECORD');
    const badFlags = good.slice();
    badFlags[145] = 0x02;
    expect(storageCode(() => decodeHeaderEntry(entry.hash, badFlags))).toBe('CORRUPT_RECORD');
  });

  it('refuses to encode a bad hash, status or chain work', () => {
    const entry = fc.sample(arbEntry, { numRuns: 1, seed: 8 })[0]!;
    expect(storageCode(() => encodeHeaderEntry({ ...entry, hash: new Uint8Array(31) }))).toBe('BAD_ARGUMENT');
    expect(storageCode(() => encodeHeaderEntry({ ...entry, chainWork: 1n << 256n }))).toBe('BAD_ARGUMENT');
    expect(storageCode(() => encodeHeaderEntry({ ...entry, chainWork: -1n }))).toBe('BAD_ARGUMENT');
    const status = 'orphan' as HeaderEntry['status'];
    expect(storageCode(() => encodeHeaderEntry({ ...entry, status }))).toBe('BAD_ARGUMENT');
  });
});

describe('account codec', () => {
  it('round-trips every u64 pair through 16 bytes, balance first', () => {
    fc.assert(
      fc.property(u64, u64, (balance, nonce) => {
        const encoded = encodeAccount({ balance, nonce });
        expect(encoded.length).toBe(ACCOUNT_BYTES);
        expect(new DataView(encoded.buffer).getBigUint64(0)).toBe(balance);
        expect(decodeAccount(encoded)).toEqual({ balance, nonce });
      }),
    );
  });

  it('rejects out-of-range values and wrong lengths', () => {
    expect(storageCode(() => encodeAccount({ balance: 1n << 64n, nonce: 0n }))).toBe('BAD_ARGUMENT');
    expect(storageCode(() => encodeAccount({ balance: 0n, nonce: -1n }))).toBe('BAD_ARGUMENT');
    expect(storageCode(() => decodeAccount(new Uint8Array(15)))).toBe('CORRUPT_RECORD');
  });
});

describe('tx location codec', () => {
  it('round-trips block hash and index through 36 bytes', () => {
    fc.assert(
      fc.property(bytes(32), u32, (blockHash, index) => {
        const encoded = encodeTxLocation(blockHash, index);
        expect(encoded.length).toBe(TX_LOCATION_BYTES);
        expect(decodeTxLocation(encoded)).toEqual({ blockHash, index });
      }),
    );
  });

  it('rejects bad indexes and lengths', () => {
    expect(storageCode(() => encodeTxLocation(new Uint8Array(32), -1))).toBe('BAD_ARGUMENT');
    expect(storageCode(() => encodeTxLocation(new Uint8Array(32), 2 ** 32))).toBe('BAD_ARGUMENT');
    expect(storageCode(() => encodeTxLocation(new Uint8Array(20), 0))).toBe('BAD_ARGUMENT');
    expect(storageCode(() => decodeTxLocation(new Uint8Array(35)))).toBe('CORRUPT_RECORD');
  });
});

describe('address index codec', () => {
  it('round-trips (address, height, position) → (id, block hash); keys sort by address, height, position', () => {
    fc.assert(
      fc.property(bytes(20), u32, u32, bytes(32), bytes(32), (address, height, position, id, blockHash) => {
        const key = encodeAddressTxKey(address, height, position);
        const value = encodeAddressTxValue(id, blockHash);
        expect([key.length, value.length]).toEqual([ADDRESS_TX_KEY_BYTES, ADDRESS_TX_VALUE_BYTES]);
        expect(decodeAddressTx(key, value)).toEqual({ height, position, id, blockHash });
      }),
    );
    fc.assert(
      fc.property(bytes(20), u32, u32, u32, u32, (address, h1, p1, h2, p2) => {
        const order = Math.sign(
          compareBytes(encodeAddressTxKey(address, h1, p1), encodeAddressTxKey(address, h2, p2)),
        );
        expect(order).toBe(Math.sign(h1 - h2) || Math.sign(p1 - p2));
      }),
    );
  });

  it('rejects bad lengths and values', () => {
    expect(storageCode(() => encodeAddressTxKey(new Uint8Array(19), 0, 0))).toBe('BAD_ARGUMENT');
    expect(storageCode(() => encodeAddressTxKey(new Uint8Array(20), -1, 0))).toBe('BAD_ARGUMENT');
    expect(storageCode(() => encodeAddressTxValue(new Uint8Array(32), new Uint8Array(31)))).toBe(
      'BAD_ARGUMENT',
    );
    expect(storageCode(() => decodeAddressTx(new Uint8Array(27), new Uint8Array(64)))).toBe('CORRUPT_RECORD');
    expect(storageCode(() => decodeAddressTx(new Uint8Array(28), new Uint8Array(63)))).toBe('CORRUPT_RECORD');
  });
});

describe('layout keys', () => {
  it('height keys sort bytewise exactly as the heights sort numerically', () => {
    fc.assert(
      fc.property(u32, u32, (a, b) => {
        expect(heightFromKey(heightKey(a))).toBe(a);
        expect(Math.sign(compareBytes(heightKey(a), heightKey(b)))).toBe(Math.sign(a - b));
      }),
    );
  });

  it('rejects heights that are not u32 and empty meta names', () => {
    for (const h of [-1, 2 ** 32, 1.5, Number.NaN])
      expect(storageCode(() => heightKey(h))).toBe('BAD_ARGUMENT');
    expect(storageCode(() => metaKey(''))).toBe('BAD_ARGUMENT');
  });
});

describe('fixed encodings: the bytes on disk never change by accident', () => {
  const counting = (n: number, start: number) => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

  it('a header entry is header ‖ chainWork ‖ status ‖ flags, exactly these bytes', () => {
    const header: BlockHeader = {
      version: 1,
      height: 0x01020304,
      prevHash: counting(32, 0x10),
      txRoot: counting(32, 0x40),
      miner: counting(20, 0x70),
      time: 1764115200,
      bits: 0x1e040000,
      nonce: 0xdeadbeefn,
    };
    const entry: HeaderEntry = {
      header,
      hash: counting(32, 0x90),
      chainWork: 0x1234567890abcdefn << 100n,
      status: 'invalid',
      hasBody: true,
    };
    expect(hex(encodeHeaderEntry(entry))).toBe(
      '00000001' +
        '01020304' +
        hex(counting(32, 0x10)) +
        hex(counting(32, 0x40)) +
        hex(counting(20, 0x70)) +
        '0000000069264300' +
        '1e040000' +
        '00000000deadbeef' +
        '000000000000000000000001234567890abcdef0000000000000000000000000' +
        '02' +
        '01',
    );
  });

  it('accounts, tx locations, u32 records and height keys are exactly these bytes', () => {
    expect(hex(encodeAccount({ balance: 0x0102030405060708n, nonce: 0xfffffffffffffffen }))).toBe(
      '0102030405060708fffffffffffffffe',
    );
    expect(hex(encodeTxLocation(counting(32, 0x90), 0x0a0b0c0d))).toBe(`${hex(counting(32, 0x90))}0a0b0c0d`);
    expect(hex(encodeU32(0x01020304, 'test value'))).toBe('01020304');
    expect(hex(heightKey(256))).toBe('00000100');
  });
});

describe('every decoder is canonical: any stored bytes fail as CORRUPT_RECORD or re-encode to exactly themselves', () => {
  // Lengths at and around each record's size, where a lenient decoder would slip.
  const near = (n: number) => fc.uint8Array({ minLength: Math.max(0, n - 2), maxLength: n + 2 });

  /** Decode `bytes`; on success the value must re-encode to the same bytes, on failure be CORRUPT_RECORD. */
  function canonical<T>(bytes: Uint8Array, decode: (b: Uint8Array) => T, encode: (v: T) => Uint8Array): void {
    let value: T;
    try {
      value = decode(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(StorageError);
      expect((e as StorageError).code).toBe('CORRUPT_RECORD');
      return;
    }
    expect(encode(value)).toEqual(bytes);
  }

  it('header entries', () => {
    fc.assert(
      fc.property(bytes(32), near(HEADER_ENTRY_BYTES), (hash, value) =>
        canonical(value, (b) => decodeHeaderEntry(hash, b), encodeHeaderEntry),
      ),
    );
  });

  it('accounts', () => {
    fc.assert(fc.property(near(ACCOUNT_BYTES), (b) => canonical(b, decodeAccount, encodeAccount)));
  });

  it('tx locations', () => {
    fc.assert(
      fc.property(near(TX_LOCATION_BYTES), (b) =>
        canonical(b, decodeTxLocation, (l) => encodeTxLocation(l.blockHash, l.index)),
      ),
    );
  });

  it('u32 records and height keys', () => {
    fc.assert(
      fc.property(near(4), (b) => {
        canonical(
          b,
          (x) => decodeU32(x, 'test value'),
          (v) => encodeU32(v, 'test value'),
        );
        canonical(b, heightFromKey, heightKey);
      }),
    );
  });
});
