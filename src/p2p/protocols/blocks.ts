// The blocks protocol: "send me the blocks with these hashes" (Core: getdata MSG_BLOCK → block). Sync
// asks for bodies whose headers it has already validated, so every answer can be checked against what
// was asked: a block we did not request, or one that appears twice, is a protocol violation.
//
//   request  = count u8 (≤ 64) | count × hash 32
//   response = one frame: count u16 (≤ requested), then `count` frames, each one encoded block
//
// The client keeps each block as the bytes it received (ReceivedBlock), checked for form and identity
// but not decoded: sync decodes a block when its turn to connect comes, and stores those same bytes.
//
// The server sends the blocks it has, in the order asked, skipping the ones it lacks, and stops at a
// byte budget (always sending at least one block), so one answer is bounded both in blocks and bytes.
import type { Stream } from '@libp2p/interface';
import { toHex } from '../../consensus/bytes.js';
import { blockSize, decodeBlock, decodeHeader } from '../../consensus/encoding.js';
import { RuleError } from '../../consensus/errors.js';
import { blockHash } from '../../consensus/hash.js';
import {
  BLOCK_OVERHEAD_BYTES,
  type Block,
  type BlockHeader,
  type Hash,
  HEADER_BYTES,
} from '../../consensus/types.js';
import {
  checkedCount,
  type FramedStream,
  frameReader,
  frameWriter,
  ProtocolError,
  type Requester,
  request,
  serverExchange,
} from '../framing.js';

export const MAX_BLOCKS_PER_REQUEST = 64;
export const BLOCKS_REQUEST_MAX_BYTES = 1 + MAX_BLOCKS_PER_REQUEST * 32;
/** The server stops adding blocks to an answer past this many bytes. */
export const BLOCKS_RESPONSE_BUDGET = 8 * 1024 * 1024;

// --- Codec ---------------------------------------------------------------------------------------------

export function encodeBlocksRequest(hashes: readonly Hash[]): Uint8Array {
  if (hashes.length > MAX_BLOCKS_PER_REQUEST) throw new Error('too many hashes in one blocks request');
  const w = frameWriter(1 + hashes.length * 32).u8(hashes.length);
  for (const h of hashes) w.raw(h, 32);
  return w.finish();
}

export function decodeBlocksRequest(bytes: Uint8Array): Hash[] {
  const r = frameReader(bytes, 'blocks request');
  const n = checkedCount(r, r.u8(), MAX_BLOCKS_PER_REQUEST, 'hash count');
  const out: Hash[] = [];
  for (let i = 0; i < n; i++) out.push(r.copy(32));
  r.end();
  return out;
}

// --- Server ----------------------------------------------------------------------------------------------

/** Where the server reads encoded blocks from (Chain.getBlockBytes). */
export type BlockBytesSource = (hash: Hash) => Promise<Uint8Array | undefined>;

/** Writes the answer to a blocks request: the blocks we have, in order, within the byte budget. */
export async function writeBlocksResponse(
  fs: FramedStream,
  hashes: readonly Hash[],
  source: BlockBytesSource,
  budget = BLOCKS_RESPONSE_BUDGET,
): Promise<void> {
  const found: Uint8Array[] = [];
  let bytes = 0;
  for (const h of hashes) {
    const b = await source(h);
    if (!b) continue;
    if (found.length > 0 && bytes + b.length > budget) break;
    found.push(b);
    bytes += b.length;
  }
  await fs.write(frameWriter(2).u16(found.length).finish());
  for (const b of found) await fs.write(b);
}

/** Serves one blocks exchange from `source`. */
export function serveBlocks(
  stream: Stream,
  timeoutMs: number,
  source: BlockBytesSource,
  budget = BLOCKS_RESPONSE_BUDGET,
): Promise<void> {
  return serverExchange(stream, { maxFrame: BLOCKS_REQUEST_MAX_BYTES, timeoutMs }, async (req, fs) => {
    await writeBlocksResponse(fs, decodeBlocksRequest(req), source, budget);
  });
}

// --- Client ----------------------------------------------------------------------------------------------

/**
 * A block as a peer sent it: its bytes, and its header. Kept encoded until its turn to connect comes:
 * sync may hold hundreds of downloaded blocks, and one buffer each is far lighter for memory and the
 * garbage collector than a thousand decoded txs each. `decodeReceived` gives the Block.
 */
export interface ReceivedBlock {
  readonly header: BlockHeader;
  readonly hash: Hash;
  /** Exactly the block's encoding (encodeBlock of the decoded block), in a buffer of its own. */
  readonly bytes: Uint8Array;
}

/**
 * Checks that `bytes` are a well-formed block without decoding its txs: the header decodes and the
 * length is the size of a block with the tx count it states, within `maxBlockBytes`. Nothing else in a
 * block can fail to decode (every tx field is fixed-size and any value is representable), so a block
 * that passes always decodes (decodeReceived). Throws BAD_ENCODING / BLOCK_TOO_LARGE like decodeBlock.
 */
export function checkEncodedBlock(bytes: Uint8Array, maxBlockBytes: number): BlockHeader {
  if (bytes.length > maxBlockBytes) {
    throw new RuleError(
      'BLOCK_TOO_LARGE',
      `block is ${bytes.length} bytes, more than the limit of ${maxBlockBytes}`,
    );
  }
  if (bytes.length < BLOCK_OVERHEAD_BYTES) {
    throw new RuleError(
      'BAD_ENCODING',
      `a block is at least ${BLOCK_OVERHEAD_BYTES} bytes, got ${bytes.length}`,
    );
  }
  const header = decodeHeader(bytes.subarray(0, HEADER_BYTES));
  const count = new DataView(bytes.buffer, bytes.byteOffset + HEADER_BYTES, 4).getUint32(0);
  if (blockSize(count) !== bytes.length) {
    throw new RuleError(
      'BAD_ENCODING',
      `block says it has ${count} txs (${blockSize(count)} bytes) but is ${bytes.length} bytes`,
    );
  }
  return header;
}

/** The Block of a received one (cannot fail: checkEncodedBlock checked everything that could). */
export function decodeReceived(r: ReceivedBlock): Block {
  return decodeBlock(r.bytes);
}

/**
 * Reads and checks an answer: every block is well-formed within `maxBlockBytes` (checkEncodedBlock) and
 * is one we asked for, once. Blocks the peer did not have are simply absent from the result.
 */
export async function readBlocksResponse(
  fs: FramedStream,
  asked: readonly Hash[],
  maxBlockBytes: number,
): Promise<ReceivedBlock[]> {
  const head = frameReader(await fs.read(), 'blocks response');
  const n = checkedCount(head, head.u16(), asked.length, 'block count');
  head.end();
  const pending = new Set(asked.map(toHex));
  const out: ReceivedBlock[] = [];
  for (let i = 0; i < n; i++) {
    const frame = await fs.read();
    let header: BlockHeader;
    try {
      header = checkEncodedBlock(frame, maxBlockBytes);
    } catch (e) {
      throw new ProtocolError('MALFORMED', `block ${i}: ${(e as Error).message}`);
    }
    const hash = blockHash(header);
    const key = toHex(hash);
    if (!pending.delete(key)) {
      throw new ProtocolError('UNEXPECTED', `block ${key.slice(0, 16)}… was not asked for (or came twice)`);
    }
    // A frame can be a view into a larger network buffer; a block that waits in sync's buffer must not
    // keep that alive (the buffer's byte bound counts the block only).
    const bytes = frame.byteLength === frame.buffer.byteLength ? frame : frame.slice();
    out.push({ header, hash, bytes });
  }
  return out;
}

/** Asks `peer` for the blocks with these hashes (at most 64); resolves with those it had. */
export function requestBlocks(
  requester: Requester,
  peer: string,
  hashes: readonly Hash[],
  maxBlockBytes: number,
): Promise<ReceivedBlock[]> {
  const protocol = requester.ids.blocksProtocol;
  // Each response frame is one block (or the 2-byte count before them).
  return request(requester, peer, protocol, encodeBlocksRequest(hashes), Math.max(maxBlockBytes, 4), (fs) =>
    readBlocksResponse(fs, hashes, maxBlockBytes),
  );
}
