// The blocks protocol: "send me the blocks with these hashes" (Core: getdata MSG_BLOCK → block). Sync
// asks for bodies whose headers it has already validated, so every answer can be checked against what
// was asked: a block we did not request, or one that appears twice, is a protocol violation.
//
//   request  = count u8 (≤ 64) | count × hash 32
//   response = one frame: count u16 (≤ requested), then `count` frames, each one encoded block
//
// The server sends the blocks it has, in the order asked, skipping the ones it lacks, and stops at a
// byte budget (always sending at least one block), so one answer is bounded both in blocks and bytes.
import { toHex } from '../../consensus/bytes.js';
import { decodeBlock } from '../../consensus/encoding.js';
import { blockHash } from '../../consensus/hash.js';
import type { Block, Hash } from '../../consensus/types.js';
import { type FramedStream, FrameReader, FrameWriter, ProtocolError } from '../framing.js';

export const MAX_BLOCKS_PER_REQUEST = 64;
export const BLOCKS_REQUEST_MAX_BYTES = 1 + MAX_BLOCKS_PER_REQUEST * 32;
/** The server stops adding blocks to an answer past this many bytes. */
export const BLOCKS_RESPONSE_BUDGET = 8 * 1024 * 1024;

export function encodeBlocksRequest(hashes: readonly Hash[]): Uint8Array {
  if (hashes.length > MAX_BLOCKS_PER_REQUEST) throw new Error('too many hashes in one blocks request');
  const w = new FrameWriter().u8(hashes.length);
  for (const h of hashes) w.bytes(h);
  return w.finish();
}

export function decodeBlocksRequest(bytes: Uint8Array): Hash[] {
  const r = new FrameReader(bytes, 'blocks request');
  const n = r.count(() => r.u8(), MAX_BLOCKS_PER_REQUEST, 'hash count');
  const out: Hash[] = [];
  for (let i = 0; i < n; i++) out.push(r.bytes(32));
  r.end();
  return out;
}

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
  await fs.write(new FrameWriter().u16(found.length).finish());
  for (const b of found) await fs.write(b);
}

/**
 * Reads and checks an answer: every block decodes within `maxBlockBytes` and is one we asked for, once.
 * Blocks the peer did not have are simply absent from the result.
 */
export async function readBlocksResponse(
  fs: FramedStream,
  asked: readonly Hash[],
  maxBlockBytes: number,
): Promise<Block[]> {
  const head = new FrameReader(await fs.read(), 'blocks response');
  const n = head.count(() => head.u16(), asked.length, 'block count');
  head.end();
  const pending = new Set(asked.map(toHex));
  const out: Block[] = [];
  for (let i = 0; i < n; i++) {
    const bytes = await fs.read();
    let block: Block;
    try {
      block = decodeBlock(bytes, maxBlockBytes);
    } catch (e) {
      throw new ProtocolError('MALFORMED', `block ${i}: ${(e as Error).message}`);
    }
    const key = toHex(blockHash(block.header));
    if (!pending.delete(key)) {
      throw new ProtocolError('UNEXPECTED', `block ${key.slice(0, 16)}… was not asked for (or came twice)`);
    }
    out.push(block);
  }
  return out;
}
