// The decoder properties of the standing attack suite (docs/HARDENING.md), shared by the CI test
// (test/fuzz/decoders.fuzz.test.ts, a few hundred runs each) and the soak (scripts/soak/decoders.ts,
// over a million inputs in total). Every consensus and storage decoder must, for ANY input, either return
// a value or throw its own error type with its own code; never a TypeError/RangeError, never a hang. A
// value it returns must be canonical: encoding it gives back exactly the input bytes, so one object has
// one encoding (Core: the serialize.h round trip; a second encoding would be a malleability vector).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  decodeBlock,
  decodeHeader,
  decodeTx,
  encodeBlock,
  encodeHeader,
  encodeTx,
} from '../../src/consensus/encoding.js';
import { RuleError } from '../../src/consensus/errors.js';
import { genesisJson, loadChainParams, parseChainParams } from '../../src/consensus/params.js';
import { decodeUndo, encodeUndo } from '../../src/consensus/state.js';
import { HEADER_BYTES, TX_BYTES } from '../../src/consensus/types.js';
import { ProtocolError } from '../../src/p2p/framing.js';
import {
  decodeBlocksRequest,
  encodeBlocksRequest,
  MAX_BLOCKS_PER_REQUEST,
} from '../../src/p2p/protocols/blocks.js';
import {
  decodeHeadersRequest,
  decodeHeadersResponse,
  encodeHeadersRequest,
  encodeHeadersResponse,
  MAX_HEADERS,
  MAX_LOCATOR,
} from '../../src/p2p/protocols/headers.js';
import {
  decodePeersResponse,
  encodePeersResponse,
  MAX_ADDR_LENGTH,
  MAX_PEER_ADDRS,
} from '../../src/p2p/protocols/peers.js';
import { decodeStatus, encodeStatus, STATUS_BYTES } from '../../src/p2p/protocols/status.js';
import {
  decodeAccount,
  decodeHash,
  decodeHeaderEntry,
  decodeTxLocation,
  decodeU32,
  encodeAccount,
  encodeHeaderEntry,
  encodeTxLocation,
  encodeU32,
  HEADER_ENTRY_BYTES,
} from '../../src/storage/codec.js';
import { StorageError } from '../../src/storage/errors.js';
import { arbBlock, arbHeader, arbTx } from '../consensus/arbitraries.js';

/** Thrown when a decoder fails with anything but its own error: the property fails with the input. */
function expectOwnError(e: unknown, kind: DecoderKind, codes: readonly string[], what: string): void {
  const own = { rule: RuleError, storage: StorageError, protocol: ProtocolError }[kind];
  const ok = e instanceof own && codes.includes(e.code);
  if (!ok) throw new Error(`${what} threw a foreign error: ${String(e)} (${(e as Error)?.name})`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whose error a decoder throws: consensus (RuleError), storage (StorageError), the wire (ProtocolError). */
type DecoderKind = 'rule' | 'storage' | 'protocol';

/** A byte decoder under test: decode, re-encode, and which error it is allowed to throw. */
interface ByteCodec {
  readonly name: string;
  readonly kind: DecoderKind;
  readonly codes: readonly string[];
  /** Decode and re-encode; return the re-encoding (the canonical check compares it to the input). */
  roundTrip(bytes: Uint8Array): Uint8Array;
  /** Valid encodings to mutate. */
  readonly valid: fc.Arbitrary<Uint8Array>;
  /** Random input lengths worth trying (around the real sizes, not only tiny ones). */
  readonly lengths: fc.Arbitrary<number>;
}

const KEY = new Uint8Array(32).fill(7);
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const MAX_BLOCK = 64 * 1024;

const undoArb = fc
  .array(
    fc.record({
      address: fc.uint8Array({ minLength: 20, maxLength: 20 }),
      before: fc.option(
        fc.record({
          balance: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          nonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        }),
        { nil: undefined },
      ),
    }),
    { maxLength: 6 },
  )
  .map((entries) => encodeUndo({ entries }));

const aroundSizes = (...sizes: number[]): fc.Arbitrary<number> =>
  fc.oneof(
    fc.integer({ min: 0, max: 8 }),
    ...sizes.map((s) => fc.integer({ min: Math.max(0, s - 3), max: s + 3 })),
  );

export const BYTE_CODECS: readonly ByteCodec[] = [
  {
    name: 'decodeTx',
    kind: 'rule',
    codes: ['BAD_ENCODING'],
    roundTrip: (b) => encodeTx(decodeTx(b)),
    valid: arbTx().map(encodeTx),
    lengths: aroundSizes(TX_BYTES),
  },
  {
    name: 'decodeHeader',
    kind: 'rule',
    codes: ['BAD_ENCODING'],
    roundTrip: (b) => encodeHeader(decodeHeader(b)),
    valid: arbHeader().map(encodeHeader),
    lengths: aroundSizes(HEADER_BYTES),
  },
  {
    name: 'decodeBlock',
    kind: 'rule',
    codes: ['BAD_ENCODING', 'BLOCK_TOO_LARGE'],
    roundTrip: (b) => encodeBlock(decodeBlock(b, MAX_BLOCK)),
    valid: arbBlock(3).map(encodeBlock),
    lengths: aroundSizes(HEADER_BYTES + 4, HEADER_BYTES + 4 + TX_BYTES, HEADER_BYTES + 4 + 2 * TX_BYTES),
  },
  {
    name: 'decodeUndo',
    kind: 'rule',
    codes: ['BAD_ENCODING'],
    roundTrip: (b) => encodeUndo(decodeUndo(b)),
    valid: undoArb,
    lengths: aroundSizes(4, 33, 62),
  },
  {
    name: 'decodeHeaderEntry',
    kind: 'storage',
    codes: ['CORRUPT_RECORD'],
    roundTrip: (b) => encodeHeaderEntry(decodeHeaderEntry(KEY, b)),
    valid: fc
      .record({
        header: arbHeader(),
        chainWork: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        status: fc.constantFrom('valid-header' as const, 'valid' as const, 'invalid' as const),
        hasBody: fc.boolean(),
      })
      .map((e) => encodeHeaderEntry({ ...e, hash: KEY })),
    lengths: aroundSizes(HEADER_ENTRY_BYTES),
  },
  {
    name: 'decodeAccount',
    kind: 'storage',
    codes: ['CORRUPT_RECORD'],
    roundTrip: (b) => encodeAccount(decodeAccount(b)),
    valid: fc
      .record({
        balance: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        nonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      })
      .map(encodeAccount),
    lengths: aroundSizes(16),
  },
  {
    name: 'decodeTxLocation',
    kind: 'storage',
    codes: ['CORRUPT_RECORD'],
    roundTrip: (b) => {
      const loc = decodeTxLocation(b);
      return encodeTxLocation(loc.blockHash, loc.index);
    },
    valid: fc
      .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 0xffff_ffff }))
      .map(([h, i]) => encodeTxLocation(h, i)),
    lengths: aroundSizes(36),
  },
  {
    name: 'decodeU32',
    kind: 'storage',
    codes: ['CORRUPT_RECORD'],
    roundTrip: (b) => encodeU32(decodeU32(b, 'fuzz'), 'fuzz'),
    valid: fc.integer({ min: 0, max: 0xffff_ffff }).map((v) => encodeU32(v, 'fuzz')),
    lengths: aroundSizes(4),
  },
  {
    name: 'decodeHash',
    kind: 'storage',
    codes: ['CORRUPT_RECORD'],
    roundTrip: (b) => decodeHash(b, 'fuzz'),
    valid: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    lengths: aroundSizes(32),
  },
  // The request/response frames of the wire (src/p2p/protocols/): a peer's bytes, refused as MALFORMED.
  // (Gossip carries decodeTx and decodeBlock frames, above.)
  {
    name: 'decodeStatus',
    kind: 'protocol',
    codes: ['MALFORMED'],
    roundTrip: (b) => encodeStatus(decodeStatus(b)),
    valid: fc
      .record({
        genesisHash: hash32,
        tipHash: hash32,
        height: fc.integer({ min: 0, max: 0xffff_ffff }),
        chainWork: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        stateDigest: hash32,
      })
      .map(encodeStatus),
    lengths: aroundSizes(STATUS_BYTES),
  },
  {
    name: 'decodeHeadersRequest',
    kind: 'protocol',
    codes: ['MALFORMED'],
    roundTrip: (b) => encodeHeadersRequest(decodeHeadersRequest(b)),
    valid: fc
      .record({
        locator: fc.array(hash32, { maxLength: MAX_LOCATOR }),
        maxHeaders: fc.integer({ min: 0, max: 0xffff_ffff }),
      })
      .map(encodeHeadersRequest),
    lengths: aroundSizes(5, 37, 1 + MAX_LOCATOR * 32 + 4),
  },
  {
    name: 'decodeHeadersResponse',
    kind: 'protocol',
    codes: ['MALFORMED'],
    roundTrip: (b) => encodeHeadersResponse(decodeHeadersResponse(b, MAX_HEADERS)),
    valid: fc.array(arbHeader(), { maxLength: 4 }).map(encodeHeadersResponse),
    lengths: aroundSizes(2, 2 + HEADER_BYTES, 2 + 2 * HEADER_BYTES),
  },
  {
    name: 'decodeBlocksRequest',
    kind: 'protocol',
    codes: ['MALFORMED'],
    roundTrip: (b) => encodeBlocksRequest(decodeBlocksRequest(b)),
    valid: fc.array(hash32, { maxLength: MAX_BLOCKS_PER_REQUEST }).map(encodeBlocksRequest),
    lengths: aroundSizes(1, 33, 1 + MAX_BLOCKS_PER_REQUEST * 32),
  },
  {
    name: 'decodePeersResponse',
    kind: 'protocol',
    codes: ['MALFORMED'],
    roundTrip: (b) => encodePeersResponse(decodePeersResponse(b)),
    // Any text, a leading byte-order mark included (it is part of the address, not a marker to strip).
    valid: fc
      .array(
        fc
          .tuple(fc.boolean(), fc.string({ unit: 'grapheme', maxLength: 40 }))
          .map(([bom, t]) => (bom ? `\uFEFF${t}` : t))
          .filter((t) => new TextEncoder().encode(t).length <= MAX_ADDR_LENGTH),
        { maxLength: MAX_PEER_ADDRS },
      )
      .map(encodePeersResponse),
    lengths: aroundSizes(1, 3, 40),
  },
];

/** Decode `bytes`: either its own error, or a value whose encoding is exactly `bytes`. */
function check(codec: ByteCodec, bytes: Uint8Array): void {
  let out: Uint8Array;
  try {
    out = codec.roundTrip(bytes);
  } catch (e) {
    expectOwnError(e, codec.kind, codec.codes, codec.name);
    return;
  }
  if (!sameBytes(out, bytes)) throw new Error(`${codec.name} is not canonical: re-encoding differs`);
}

/** A mutation of a valid encoding: bit flips, truncation, extension, byte overwrites, a splice. */
export const mutation = (valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(
      valid,
      fc.array(
        fc.oneof(
          fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
          fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
          fc.record({
            op: fc.constant('extend' as const),
            extra: fc.uint8Array({ minLength: 1, maxLength: 200 }),
          }),
          fc.record({
            op: fc.constant('set' as const),
            at: fc.nat(),
            value: fc.constantFrom(0, 0xff, 0x80, 0x7f, 1),
          }),
          fc.record({ op: fc.constant('drop' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([bytes, ops]) => {
      let b = bytes;
      for (const m of ops) {
        if (m.op === 'flip' && b.length > 0) {
          b = b.slice();
          b[m.at % b.length]! ^= 1 << m.bit;
        } else if (m.op === 'truncate') {
          b = b.slice(0, b.length === 0 ? 0 : m.at % b.length);
        } else if (m.op === 'extend') {
          const c = new Uint8Array(b.length + m.extra.length);
          c.set(b);
          c.set(m.extra, b.length);
          b = c;
        } else if (m.op === 'set' && b.length > 0) {
          b = b.slice();
          b[m.at % b.length] = m.value;
        } else if (m.op === 'drop' && b.length > 0) {
          const at = m.at % b.length;
          b = Uint8Array.of(...b.subarray(0, at), ...b.subarray(at + m.n));
        }
      }
      return b;
    });

/** Every property, each built for one decoder: random bytes, valid round trips, mutations. */
export function decoderProperties(): { name: string; property: fc.IProperty<[never]> }[] {
  const out: { name: string; property: fc.IProperty<[never]> }[] = [];
  for (const codec of BYTE_CODECS) {
    const random = codec.lengths.chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
    out.push({
      name: `${codec.name}: random bytes`,
      property: fc.property(random, (b) => check(codec, b)) as unknown as fc.IProperty<[never]>,
    });
    out.push({
      name: `${codec.name}: valid encodings round-trip exactly`,
      property: fc.property(codec.valid, (b) => {
        const again = codec.roundTrip(b); // a valid encoding must decode: no catch here
        if (!sameBytes(again, b)) throw new Error(`${codec.name}: round trip changed the bytes`);
      }) as unknown as fc.IProperty<[never]>,
    });
    out.push({
      name: `${codec.name}: mutated valid encodings`,
      property: fc.property(mutation(codec.valid), (b) => check(codec, b)) as unknown as fc.IProperty<
        [never]
      >,
    });
  }
  out.push(...genesisProperties());
  return out;
}

// --- the genesis / params JSON parser --------------------------------------------------------------

const GENESIS_TEXT = readFileSync(new URL('../../genesis.json', import.meta.url), 'utf8');
const GENESIS = JSON.parse(GENESIS_TEXT) as Record<string, unknown>;

/** Parsing either yields params or RuleError BAD_GENESIS, and valid params write back to the same JSON. */
function checkGenesis(parse: () => ReturnType<typeof parseChainParams>): void {
  let params: ReturnType<typeof parseChainParams>;
  try {
    params = parse();
  } catch (e) {
    expectOwnError(e, 'rule', ['BAD_GENESIS'], 'parseChainParams');
    return;
  }
  // Canonical: what parsed writes back out and parses to the same chain (same genesis hash).
  const again = parseChainParams(genesisJson(params));
  if (!sameBytes(again.genesisHash, params.genesisHash))
    throw new Error('genesis round trip changed the chain');
}

const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    -1,
    0,
    1,
    2 ** 32,
    2 ** 53,
    2 ** 64,
    1e308,
    -0,
    0.5,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    '0x',
    '0x1d00ffff',
    '0xffffffff',
    '0x00000000',
    '-1',
    '1e3',
    '18446744073709551616',
    '١٢٣',
    '\u0000',
    null,
    true,
    [],
    {},
  ),
);

function genesisProperties(): { name: string; property: fc.IProperty<[never]> }[] {
  const keys = Object.keys(GENESIS);
  return [
    {
      name: 'loadChainParams: random text',
      property: fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 })), (text) =>
        checkGenesis(() => loadChainParams(text)),
      ) as unknown as fc.IProperty<[never]>,
    },
    {
      name: 'parseChainParams: genesis.json with fields replaced, removed or added',
      property: fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...keys), value: jsonValue }),
            fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
            fc.record({
              op: fc.constant('add' as const),
              key: fc.string({ maxLength: 12 }),
              value: jsonValue,
            }),
            fc.record({ op: fc.constant('alloc' as const), value: jsonValue }),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        (ops) => {
          const json: Record<string, unknown> = structuredClone(GENESIS);
          for (const m of ops) {
            if (m.op === 'set') json[m.key] = m.value;
            else if (m.op === 'delete') delete json[m.key];
            else if (m.op === 'add') json[m.key] = m.value;
            else if (Array.isArray(json.allocations)) json.allocations = [...json.allocations, m.value];
          }
          checkGenesis(() => parseChainParams(json));
        },
      ) as unknown as fc.IProperty<[never]>,
    },
    {
      name: 'loadChainParams: genesis.json text with characters mutated',
      property: fc.property(
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('', '0', '9', '"', ',', '}', '-', 'x', 'é', ' ')), {
          minLength: 1,
          maxLength: 3,
        }),
        (edits) => {
          let t = GENESIS_TEXT;
          for (const [at, s] of edits) {
            const i = at % t.length;
            t = t.slice(0, i) + s + t.slice(i + 1);
          }
          checkGenesis(() => loadChainParams(t));
        },
      ) as unknown as fc.IProperty<[never]>,
    },
  ];
}

/** Run every property `runs` times; return how many inputs were tried in total. Throws on a failure. */
export function runDecoderFuzz(
  runs: number,
  seed?: number,
  onProgress?: (name: string, n: number) => void,
): number {
  let total = 0;
  for (const { name, property } of decoderProperties()) {
    fc.assert(property, { numRuns: runs, seed, endOnFailure: true });
    total += runs;
    onProgress?.(name, runs);
  }
  return total;
}
