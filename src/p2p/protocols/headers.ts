// The headers protocol: "here is my block locator, send me the headers that follow" (Core: getheaders /
// headers, at most MAX_HEADERS_RESULTS = 2,000 per message). Headers-first sync asks this of a peer with
// more work, validates the headers (proof of work, difficulty, time) before asking anyone for bodies.
//
//   request  = locatorCount u8 (≤ 64) | locatorCount × hash 32 | maxHeaders u32
//   response = count u16 (≤ 2,000) | count × header 112
//
// The server walks its main chain only: the locator's first hash that is on it is the fork point, and the
// answer starts right after it (from genesis if no locator hash is known). maxHeaders is clamped to
// 2,000, so a request for a million headers costs the server one 224 KB answer, never more.
import type { Stream } from '@libp2p/interface';
import { bytesEqual } from '../../consensus/bytes.js';
import { decodeHeader, encodeHeader } from '../../consensus/encoding.js';
import { blockHash } from '../../consensus/hash.js';
import { type BlockHeader, type Hash, HEADER_BYTES } from '../../consensus/types.js';
import type { P2PChain } from '../chain-view.js';
import {
  checkedCount,
  frameReader,
  frameWriter,
  ProtocolError,
  type Requester,
  request,
  serverExchange,
} from '../framing.js';

export const MAX_HEADERS = 2_000;
export const MAX_LOCATOR = 64;
export const HEADERS_REQUEST_MAX_BYTES = 1 + MAX_LOCATOR * 32 + 4;
export const HEADERS_RESPONSE_MAX_BYTES = 2 + MAX_HEADERS * HEADER_BYTES;

export interface HeadersRequest {
  readonly locator: readonly Hash[];
  readonly maxHeaders: number;
}

// --- Codec ---------------------------------------------------------------------------------------------

export function encodeHeadersRequest(req: HeadersRequest): Uint8Array {
  const locator = req.locator.slice(0, MAX_LOCATOR);
  const w = frameWriter(1 + locator.length * 32 + 4).u8(locator.length);
  for (const h of locator) w.raw(h, 32);
  return w.u32(req.maxHeaders).finish();
}

export function decodeHeadersRequest(bytes: Uint8Array): HeadersRequest {
  const r = frameReader(bytes, 'headers request');
  const n = checkedCount(r, r.u8(), MAX_LOCATOR, 'locator length');
  const locator: Hash[] = [];
  for (let i = 0; i < n; i++) locator.push(r.copy(32));
  const maxHeaders = r.u32();
  r.end();
  return { locator, maxHeaders };
}

export function encodeHeadersResponse(headers: readonly BlockHeader[]): Uint8Array {
  const w = frameWriter(2 + headers.length * HEADER_BYTES).u16(headers.length);
  for (const h of headers) w.raw(encodeHeader(h), HEADER_BYTES);
  return w.finish();
}

export function decodeHeadersResponse(bytes: Uint8Array, maxHeaders: number): BlockHeader[] {
  const r = frameReader(bytes, 'headers response');
  const n = checkedCount(r, r.u16(), Math.min(maxHeaders, MAX_HEADERS), 'header count');
  const out: BlockHeader[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push(decodeHeader(r.raw(HEADER_BYTES))); // decodeHeader copies its fields
    } catch (e) {
      if (e instanceof ProtocolError) throw e; // truncated: the reader's own MALFORMED
      throw new ProtocolError('MALFORMED', `header ${i}: ${(e as Error).message}`);
    }
  }
  r.end();
  return out;
}

// --- Server ----------------------------------------------------------------------------------------------

/** What the server needs from the chain. */
export type HeadersSource = Pick<P2PChain, 'entry' | 'isOnMainChain' | 'atHeight' | 'height'>;

/** Serves one headers exchange: the main-chain headers after the asker's locator. */
export function serveHeaders(stream: Stream, timeoutMs: number, chain: HeadersSource): Promise<void> {
  return serverExchange(stream, { maxFrame: HEADERS_REQUEST_MAX_BYTES, timeoutMs }, async (req, fs) => {
    const { locator, maxHeaders } = decodeHeadersRequest(req);
    await fs.write(encodeHeadersResponse(headersAfter(chain, locator, maxHeaders)));
  });
}

/**
 * The main-chain headers after the locator's fork point (Core: FindForkInBlockIndex, then the loop of
 * ProcessGetHeaders). At most min(maxHeaders, 2,000).
 */
export function headersAfter(
  chain: HeadersSource,
  locator: readonly Hash[],
  maxHeaders: number,
): BlockHeader[] {
  let start = 0;
  for (const hash of locator) {
    const e = chain.entry(hash);
    if (e && chain.isOnMainChain(e)) {
      start = e.header.height;
      break;
    }
  }
  const count = Math.min(maxHeaders, MAX_HEADERS, chain.height - start);
  const out: BlockHeader[] = [];
  for (let h = start + 1; h <= start + count; h++) {
    const e = chain.atHeight(h);
    if (!e) break;
    out.push(e.header);
  }
  return out;
}

// --- Client ----------------------------------------------------------------------------------------------

/** Asks `peer` for at most `maxHeaders` headers after `locator`. */
export function requestHeaders(
  requester: Requester,
  peer: string,
  locator: readonly Hash[],
  maxHeaders: number,
): Promise<BlockHeader[]> {
  const protocol = requester.ids.headersProtocol;
  const frame = encodeHeadersRequest({ locator, maxHeaders });
  return request(requester, peer, protocol, frame, HEADERS_RESPONSE_MAX_BYTES, async (fs) =>
    decodeHeadersResponse(await fs.read(), maxHeaders),
  );
}

/** Headers from a peer must form one chain, each the parent of the next; returns their hashes. */
export function checkLinked(headers: readonly BlockHeader[]): Hash[] {
  const hashes: Hash[] = [];
  headers.forEach((h, i) => {
    if (i > 0 && !bytesEqual(h.prevHash, hashes[i - 1]!)) {
      throw new ProtocolError('UNEXPECTED', `header ${i} does not build on header ${i - 1}`);
    }
    hashes.push(blockHash(h));
  });
  return hashes;
}
