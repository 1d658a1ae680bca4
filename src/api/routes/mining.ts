// POST /mine: mine blocks now, for regtest and local learning (Core: generatetoaddress). The miner
// gives its blocks the origin 'mined' itself; this route only forwards the request.
import type { FastifyInstance } from 'fastify';
import { decodeAddress } from '../../consensus/address.js';
import { toHex } from '../../consensus/bytes.js';
import { ApiError } from '../errors.js';
import { ROUTES } from '../schemas.js';
import type { RouteContext } from './context.js';

export function registerMiningRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.route<{ Body: { blocks: number; to: string } }>({
    ...ROUTES.mine,
    handler: async (req) => mine(ctx, req.body.blocks, req.body.to),
  });
}

async function mine(ctx: RouteContext, blocks: number, to: string): Promise<{ hashes: string[] }> {
  const address = decodeAddress(to, ctx.hrp);
  if (!ctx.miner) throw new ApiError(503, 'UNAVAILABLE', 'this node has no miner');
  const hashes = await ctx.miner.mine(blocks, address);
  return { hashes: hashes.map(toHex) };
}
