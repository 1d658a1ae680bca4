// GET /accounts/:address: balance and nonce at the tip, with the next nonce counting pending txs. Core
// has no accounts; the nearest are getbalance (wallet) and scantxoutset.
import type { FastifyInstance } from 'fastify';
import { decodeAddress } from '../../consensus/address.js';
import { ROUTES } from '../schemas.js';
import { accountView } from '../views.js';
import type { RouteContext } from './context.js';

export function registerAccountRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.route<{ Params: { address: string } }>({
    ...ROUTES.account,
    handler: async (req) => account(ctx, req.params.address),
  });
}

async function account(ctx: RouteContext, text: string) {
  const address = decodeAddress(text, ctx.hrp); // RuleError BAD_ADDRESS → 400
  const [state, next] = await Promise.all([
    ctx.chain.getAccount(address),
    ctx.mempool.pendingNonce?.(address),
  ]);
  return accountView(address, state, ctx.hrp, next);
}
