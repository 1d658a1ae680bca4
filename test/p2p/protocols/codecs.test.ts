import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { toHex } from '../../../src/consensus/bytes.js';
import { decodeBlock, encodeBlock, encodeHeader } from '../../../src/consensus/encoding.js';
import { RuleError } from '../../../src/consensus/errors.js';
import { blockHash } from '../../../src/consensus/hash.js';
import { HEADER_BYTES, TX_BYTES } from '../../../src/consensus/types.js';
import { ProtocolError } from '../../../src/p2p/framing.js';
import {
  checkEncodedBlock,
  decodeBlocksRequest,
  decodeReceived,
  encodeBlocksRequest,
  MAX_BLOCKS_PER_REQUEST,
} from '../../../src/p2p/protocols/blocks.js';
import {
  checkLinked,
  decodeHeadersRequest,
  decodeHeadersResponse,
  encodeHeadersRequest,
  encodeHeadersResponse,
  MAX_HEADERS,
  MAX_LOCATOR,
} from '../../../src/p2p/protocols/headers.js';
import {
  decodePeersResponse,
  encodePeersResponse,
  MAX_PEER_ADDRS,
} from '../../../src/p2p/protocols/peers.js';
import { decodeStatus, encodeStatus, STATUS_BYTES } from '../../../src/p2p/protocols/status.js';
import { networkIds } from '../../../src/p2p/topics.js';
import { BlockBuilder, testParams } from '../../helpers/chain-fixtures.js';

const params = testParams();
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Every decoder either decodes or throws a ProtocolError: never a crash, never another error. */
function decodesOrRefuses(decode: (b: Uint8Array) => unknown): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      try {
        decode(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError);
      }
    }),
    { numRuns: 300 },
  );
}

describe('names', () => {
  test('every topic and protocol id carries the genesis prefix', () => {
    const ids = networkIds(params.genesisHash);
    const g8 = toHex(params.genesisHash).slice(0, 8);
    expect(ids.blocksTopic).toBe(`/cairn/${g8}/blocks/1`);
    expect(ids.txsTopic).toBe(`/cairn/${g8}/txs/1`);
    for (const p of [ids.statusProtocol, ids.headersProtocol, ids.blocksProtocol, ids.peersProtocol]) {
      expect(p.startsWith(`/cairn/${g8}/`)).toBe(true);
    }
    const other = networkIds(testParams({ genesisTime: params.genesisTime + 1 }).genesisHash);
    expect(other.statusProtocol).not.toBe(ids.statusProtocol);
  });
});

describe('status', () => {
  test('round trip', () => {
    fc.assert(
      fc.property(
        hash,
        hash,
        fc.nat(),
        fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
        hash,
        (g, t, h, w, d) => {
          const s = { genesisHash: g, tipHash: t, height: h % 2 ** 32, chainWork: w, stateDigest: d };
          const bytes = encodeStatus(s);
          expect(bytes.length).toBe(STATUS_BYTES);
          expect(decodeStatus(bytes)).toEqual(s);
        },
      ),
    );
  });
  test('any bytes decode or are refused', () => decodesOrRefuses(decodeStatus));
});

describe('headers', () => {
  test('request round trip, locator capped at 64', () => {
    fc.assert(
      fc.property(fc.array(hash, { maxLength: MAX_LOCATOR }), fc.nat(), (locator, max) => {
        expect(decodeHeadersRequest(encodeHeadersRequest({ locator, maxHeaders: max }))).toEqual({
          locator,
          maxHeaders: max,
        });
      }),
    );
  });
  test('a request with more than 64 locator hashes is refused', () => {
    const bytes = new Uint8Array(1 + 65 * 32 + 4);
    bytes[0] = 65;
    expect(() => decodeHeadersRequest(bytes)).toThrow(ProtocolError);
  });
  test('response round trip, and a count above what was asked is refused before reading on', () => {
    const builder = new BlockBuilder(params);
    const headers = builder.extend(5).map((b) => b.header);
    const bytes = encodeHeadersResponse(headers);
    expect(decodeHeadersResponse(bytes, MAX_HEADERS)).toEqual(headers);
    expect(() => decodeHeadersResponse(bytes, 4)).toThrow(/exceeds 4/);
    // A count of 65,535 is refused from the 2-byte count alone.
    expect(() => decodeHeadersResponse(Uint8Array.of(0xff, 0xff), MAX_HEADERS)).toThrow(ProtocolError);
  });
  test('headers must link up', () => {
    const builder = new BlockBuilder(params);
    const headers = builder.extend(3).map((b) => b.header);
    expect(checkLinked(headers).map(toHex)).toEqual(headers.map((h) => toHex(blockHash(h))));
    expect(() => checkLinked([headers[0]!, headers[2]!])).toThrow(/does not build on/);
  });
  test('any bytes decode or are refused', () => {
    decodesOrRefuses(decodeHeadersRequest);
    decodesOrRefuses((b) => decodeHeadersResponse(b, MAX_HEADERS));
    // Including a well-sized response with a corrupt header inside.
    const h = encodeHeader(new BlockBuilder(params).next().header);
    h.fill(0xff, 92, 100); // the time field (bytes 92..99): 2^64 - 1 is beyond 2^53 - 1, so the header does not decode
    expect(() => decodeHeadersResponse(new Uint8Array([0, 1, ...h]), MAX_HEADERS)).toThrow(ProtocolError);
  });
});

describe('blocks', () => {
  test('request round trip; more than 64 hashes cannot be encoded nor decoded', () => {
    fc.assert(
      fc.property(fc.array(hash, { maxLength: MAX_BLOCKS_PER_REQUEST }), (hashes) => {
        expect(decodeBlocksRequest(encodeBlocksRequest(hashes))).toEqual(hashes);
      }),
    );
    const many = Array.from({ length: 65 }, () => new Uint8Array(32));
    expect(() => encodeBlocksRequest(many)).toThrow();
    const bytes = new Uint8Array(1 + 65 * 32);
    bytes[0] = 65;
    expect(() => decodeBlocksRequest(bytes)).toThrow(ProtocolError);
  });
  test('any bytes decode or are refused', () => decodesOrRefuses(decodeBlocksRequest));

  test('a received block is checked without decoding its txs, and agrees with decodeBlock on every input', () => {
    const block = new BlockBuilder(params).extend(2)[1]!;
    const bytes = encodeBlock(block);
    expect(checkEncodedBlock(bytes, params.maxBlockBytes)).toEqual(block.header);
    expect(decodeReceived({ header: block.header, hash: blockHash(block.header), bytes })).toEqual(block);
    // Random headers and tx bytes, with a tx count that may or may not fit the length: checkEncodedBlock
    // accepts exactly what decodeBlock accepts, so a block it lets into sync's buffer always decodes.
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: HEADER_BYTES, maxLength: HEADER_BYTES }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ maxLength: 3 * TX_BYTES }),
        (header, stated, actual, noise) => {
          const body = new Uint8Array(actual * TX_BYTES);
          body.set(noise.subarray(0, body.length));
          const b = new Uint8Array(HEADER_BYTES + 4 + body.length);
          b.set(header);
          new DataView(b.buffer).setUint32(HEADER_BYTES, stated);
          b.set(body, HEADER_BYTES + 4);
          let decoded: unknown;
          try {
            decoded = decodeBlock(b);
          } catch {
            decoded = undefined;
          }
          if (decoded === undefined) {
            expect(() => checkEncodedBlock(b, 1_000_000)).toThrow(RuleError);
          } else {
            expect(checkEncodedBlock(b, 1_000_000)).toEqual((decoded as { header: unknown }).header);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(() => checkEncodedBlock(bytes, bytes.length - 1)).toThrow(/BLOCK_TOO_LARGE|more than the limit/);
  });
});

describe('peers', () => {
  test('round trip, capped at 32 addresses, overlong ones dropped', () => {
    const addrs = Array.from({ length: 40 }, (_, i) => `/ip4/127.0.0.1/tcp/${4000 + i}/p2p/12D3KooW${i}`);
    const decoded = decodePeersResponse(encodePeersResponse([`/dns4/${'x'.repeat(300)}/tcp/1`, ...addrs]));
    expect(decoded).toEqual(addrs.slice(0, MAX_PEER_ADDRS));
  });
  test('any bytes decode or are refused', () => decodesOrRefuses(decodePeersResponse));
  test('a leading byte-order mark is kept: one answer has one encoding (issue 13)', () => {
    const addr = '/ip4/127.0.0.1/tcp/4001';
    const withBom = Uint8Array.of(1, 0, addr.length + 3, 0xef, 0xbb, 0xbf, ...new TextEncoder().encode(addr));
    const decoded = decodePeersResponse(withBom);
    expect(decoded).toEqual([`\uFEFF${addr}`]);
    expect(encodePeersResponse(decoded)).toEqual(withBom);
  });
  test('invalid UTF-8 (an encoded surrogate) is refused, never replaced', () => {
    expect(() => decodePeersResponse(Uint8Array.of(1, 0, 3, 0xed, 0xa0, 0x80))).toThrow(ProtocolError);
  });
});
