// Blocks: GET /blocks/:hashOrHeight, a block by hash (any branch), by height (the main chain), or `tip`
// (Core: getblock, and getbestblockhash for `tip`), and POST /blocks, a whole block handed in by a client
// (Core: submitblock).
//
// POST /blocks is how a block crafted outside the node's own miner reaches the chain: a pool's separate
// mining software, a learner's hand-made block, or the devnet's attack scenarios releasing the blocks a
// private miner withheld (docs/ATTACKS.md). The block goes through the very path a block from a peer
// takes (chain.processBlock: every rule, then fork choice), with origin 'api', so the P2P node publishes
// it to its peers like a block it mined; nothing here judges it.
import type { FastifyInstance } from 'fastify';
import type { IndexEntry } from '../../chain/block-index.js';
import { originNow } from '../../chain/origin.js';
import { fromHex, toHex } from '../../consensus/bytes.js';
import { decodeBlock, txBytesAt } from '../../consensus/encoding.js';
import { sha256 } from '../../consensus/hash.js';
import type { Block } from '../../consensus/types.js';
import { ApiError } from '../errors.js';
import { ROUTES, SUBMIT_BLOCK_BODY_LIMIT } from '../schemas.js';
import { type BlockView, blockView } from '../views.js';
import type { RouteContext } from './context.js';

export function registerBlockRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.route<{ Params: { hashOrHeight: string } }>({
    ...ROUTES.block,
    handler: async (req) => block(ctx, req.params.hashOrHeight),
  });
  app.route<{ Body: { raw: string } }>({
    ...ROUTES.submitBlock,
    bodyLimit: SUBMIT_BLOCK_BODY_LIMIT,
    handler: async (req) => submitBlock(ctx, req.body.raw),
  });
}

interface SubmitResult {
  readonly hash: string;
  readonly height: number;
  readonly status: 'connected' | 'stored' | 'orphan' | 'duplicate';
  readonly onMainChain: boolean;
}

async function submitBlock(ctx: RouteContext, rawHex: string): Promise<SubmitResult> {
  const { chain } = ctx;
  const decoded = decodeBlock(fromHex(rawHex)); // RuleError BAD_ENCODING for a wrong length or field
  const { status, hash } = await chain.processBlock(decoded, originNow('api'));
  const entry = chain.index.get(hash);
  return {
    hash: toHex(hash),
    height: decoded.header.height,
    status,
    onMainChain: entry !== undefined && chain.isOnMainChain(entry),
  };
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
  const ids = decoded.txs.map((_, i) => sha256(txBytesAt(raw, i)));
  return blockView(entry, decoded, ids, raw, chain.isOnMainChain(entry), chain.height, ctx.hrp);
}
