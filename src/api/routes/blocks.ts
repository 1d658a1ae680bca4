// GET /blocks/:hashOrHeight: a block by hash (any branch), by height (the main chain), or `tip`. Core: getblock
// (and getbestblockhash for `tip`).
import type { FastifyInstance } from 'fastify';
import type { IndexEntry } from '../../chain/block-index.js';
import { decodeBlock } from '../../consensus/encoding.js';
import { sha256 } from '../../consensus/hash.js';
import { BLOCK_OVERHEAD_BYTES, type Block, TX_BYTES } from '../../consensus/types.js';
import { ApiError } from '../errors.js';
import { ROUTES } from '../schemas.js';
import { type BlockView, blockView } from '../views.js';
import type { RouteContext } from './context.js';

export function registerBlockRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.route<{ Params: { hashOrHeight: string } }>({
    ...ROUTES.block,
    handler: async (req) => block(ctx, req.params.hashOrHeight),
  });
}

async function block(ctx: RouteContext, hashOrHeight: string): Promise<BlockView> {
  const { chain } = ctx;
  let entry: IndexEntry | undefined;
  if (hashOrHeight === 'tip') {
    entry = chain.tip; // read once: the block and its confirmations describe the same tip
  } else if (hashOrHeight.length === 64) {
    entry = chain.index.get(hashOrHeight.toLowerCase());
    if (!entry) throw new ApiError(404, 'NOT_FOUND', `no block with hash ${hashOrHeight}`);
  } else {
    const height = Number(hashOrHeight);
    entry = chain.atHeight(height);
    if (!entry) {
      throw new ApiError(
        404,
        'NOT_FOUND',
        `no block at height ${height}: the main chain's tip is at height ${chain.height}`,
      );
    }
  }
  const raw = await chain.getBlockBytes(entry.hash);
  if (!raw) {
    throw new ApiError(404, 'NOT_FOUND', `the header of ${entry.hex} is known but its body is not stored`);
  }
  const decoded: Block = decodeBlock(raw);
  // A tx id is SHA-256 of the tx's encoding, which is a slice of the block's own bytes.
  const ids = decoded.txs.map((_, i) => sha256(txSlice(raw, i)));
  return blockView(entry, decoded, ids, raw, chain.isOnMainChain(entry), chain.height, ctx.hrp);
}

/** The bytes of tx `i` inside an encoded block (the block layout is fixed-size: docs/PROTOCOL.md). */
export function txSlice(block: Uint8Array, i: number): Uint8Array {
  const start = BLOCK_OVERHEAD_BYTES + i * TX_BYTES;
  return block.subarray(start, start + TX_BYTES);
}
