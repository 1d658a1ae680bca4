// GET /accounts/:address: balance and nonce at the tip, with the next nonce counting pending txs. Core
// has no accounts; the nearest are getbalance (wallet) and scantxoutset.
// GET /accounts/:address/txs: the address's confirmed txs, both directions, newest first, a page at a time,
// from the chain's address index (src/chain/address-indexer.ts). Core has none; Electrum's
// blockchain.scripthash.get_history is the nearest.
import type { FastifyInstance } from 'fastify';
import { decodeAddress, encodeAddress } from '../../consensus/address.js';
import { decodeTx } from '../../consensus/encoding.js';
import { ApiError } from '../errors.js';
import { ACCOUNT_TXS_DEFAULT, ACCOUNT_TXS_MAX, ROUTES } from '../schemas.js';
import { type AccountTxView, accountTxView, accountView } from '../views.js';
import type { RouteContext } from './context.js';
import { indexedTx } from './txs.js';

export function registerAccountRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.route<{ Params: { address: string } }>({
    ...ROUTES.account,
    handler: async (req) => account(ctx, req.params.address),
  });
  app.route<{ Params: { address: string }; Querystring: { limit?: string; before?: string } }>({
    ...ROUTES.accountTxs,
    handler: async (req) => accountTxs(ctx, req.params.address, req.query.limit, req.query.before),
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

async function accountTxs(
  ctx: RouteContext,
  text: string,
  limitText: string | undefined,
  beforeText: string | undefined,
): Promise<{ address: string; txs: AccountTxView[]; next: string | null }> {
  const address = decodeAddress(text, ctx.hrp);
  const limit = limitText === undefined ? ACCOUNT_TXS_DEFAULT : Number(limitText);
  if (!(limit >= 1 && limit <= ACCOUNT_TXS_MAX)) {
    throw new ApiError(400, 'BAD_REQUEST', `limit must be between 1 and ${ACCOUNT_TXS_MAX}`);
  }
  let before: { height: number; position: number } | undefined;
  if (beforeText !== undefined) {
    const [height, position] = beforeText.split('.').map(Number) as [number, number];
    if (height > 0xffff_ffff || position > 0xffff_ffff) {
      throw new ApiError(400, 'BAD_REQUEST', 'before must be HEIGHT.POSITION, each a u32, as `next` gives');
    }
    before = { height, position };
  }
  const { chain } = ctx;
  const page = await chain.addressTxs(address, limit, before);
  const tipHeight = chain.height;
  // Several txs of a page often share a block: read each block once.
  const bodies = new Map<string, Uint8Array | undefined>();
  const txs: AccountTxView[] = [];
  for (const { ref, entry } of page.txs) {
    if (!bodies.has(entry.hex)) bodies.set(entry.hex, await chain.getBlockBytes(entry.hash));
    const bytes = indexedTx(bodies.get(entry.hex), ref.position, ref.id, entry.hex, 'address index');
    txs.push(accountTxView(decodeTx(bytes), ref.id, address, entry, ref.position, tipHeight, ctx.hrp));
  }
  return {
    address: encodeAddress(address, ctx.hrp),
    txs,
    next: page.next ? `${page.next.height}.${page.next.position}` : null,
  };
}
