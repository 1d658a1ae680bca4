// Transactions: GET /txs/:id (pending or confirmed; Core: getrawtransaction / getmempoolentry), POST /txs
// (to the mempool; Core: sendrawtransaction) and GET /mempool (Core: getrawmempool).
import type { FastifyInstance } from 'fastify';
import { originNow } from '../../chain/origin.js';
import { fromHex, toHex } from '../../consensus/bytes.js';
import { decodeTx, txBytesAt } from '../../consensus/encoding.js';
import { isRuleError } from '../../consensus/errors.js';
import { sha256, txId } from '../../consensus/hash.js';
import type { Hash, Tx } from '../../consensus/types.js';
import { isMempoolError } from '../../mempool/policy.js';
import { ApiError, toHttpError } from '../errors.js';
import { MEMPOOL_LIST_DEFAULT, MEMPOOL_LIST_MAX, ROUTES, SUBMIT_BATCH_BODY_LIMIT } from '../schemas.js';
import { type TxStatusView, txView } from '../views.js';
import type { RouteContext } from './context.js';

export function registerTxRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.route<{ Params: { id: string } }>({ ...ROUTES.tx, handler: async (req) => tx(ctx, req.params.id) });
  app.route<{ Body: { raw: string } }>({
    ...ROUTES.submitTx,
    handler: async (req, reply) => {
      const result = await submitTx(ctx, req.body.raw);
      return reply.code(202).send(result);
    },
  });
  app.route<{ Body: { txs: string[] } }>({
    ...ROUTES.submitTxs,
    bodyLimit: SUBMIT_BATCH_BODY_LIMIT,
    handler: async (req) => submitTxs(ctx, req.body.txs),
  });
  app.route<{ Querystring: { limit?: string } }>({
    ...ROUTES.mempool,
    handler: async (req) => mempoolList(ctx, req.query.limit),
  });
}

async function tx(ctx: RouteContext, idHex: string): Promise<TxStatusView> {
  const id = fromHex(idHex);
  // Chain, then mempool, then chain again: a tx that gets mined between the first two reads leaves the
  // pool and enters the chain, and must not look unknown for that moment.
  const found = (await confirmedTx(ctx, id)) ?? pendingTx(ctx, id) ?? (await confirmedTx(ctx, id));
  if (!found) throw new ApiError(404, 'NOT_FOUND', `no tx ${idHex} in the mempool or the main chain`);
  return found;
}

function pendingTx(ctx: RouteContext, id: Hash): TxStatusView | undefined {
  const entry = ctx.mempool.get(id);
  return entry && { ...txView(entry.tx, entry.id, ctx.hrp), status: 'pending' };
}

async function confirmedTx(ctx: RouteContext, id: Hash): Promise<TxStatusView | undefined> {
  const { chain } = ctx;
  const loc = await chain.findTx(id);
  if (!loc) return undefined;
  const raw = await chain.getBlockBytes(loc.entry.hash);
  const bytes = indexedTx(raw, loc.index, id, loc.entry.hex, 'tx index');
  const height = loc.entry.header.height;
  return {
    ...txView(decodeTx(bytes), id, ctx.hrp, bytes),
    status: 'confirmed',
    blockHash: loc.entry.hex,
    height,
    confirmations: chain.height - height + 1,
  };
}

/**
 * Tx `i` of a stored block, where an index (the tx index, the address index) says tx `id` is. The index
 * and the block disagreeing, or stored bytes that are not a block with such a tx, would mean a damaged
 * datadir: fail loudly (500), not wrongly.
 */
export function indexedTx(
  block: Uint8Array | undefined,
  i: number,
  id: Hash,
  blockHex: string,
  index: string,
): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    bytes = block && txBytesAt(block, i);
  } catch {
    bytes = undefined;
  }
  if (!bytes || toHex(sha256(bytes)) !== toHex(id)) {
    throw new Error(`the ${index} points tx ${toHex(id)} at block ${blockHex}, which does not hold it`);
  }
  return bytes;
}

async function submitTx(ctx: RouteContext, rawHex: string): Promise<{ id: string; replaced?: string }> {
  try {
    const decoded = decodeTx(fromHex(rawHex)); // RuleError BAD_ENCODING for a wrong length or field
    // The tx arrived over HTTP now: its events say so (the P2P node publishes what is not from a peer).
    const { id, replaced } = await ctx.mempool.add(decoded, originNow('api'));
    return replaced ? { id: toHex(id), replaced: toHex(replaced) } : { id: toHex(id) };
  } catch (e) {
    // Counted here, where the refusal is known: a tx refused over HTTP is counted once, by the API.
    if (isRuleError(e) || isMempoolError(e)) ctx.metrics.rejectedTx(e.code);
    throw e;
  }
}

/** One tx's answer in POST /txs/batch: what POST /txs would have said about it alone. */
interface BatchResult {
  readonly status: number;
  readonly id?: string;
  readonly replaced?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * POST /txs/batch: decode each tx, hand the decoded ones to the mempool in one call (one account read,
 * one signature batch, one commit turn: Mempool.addMany), and answer each in place. A refusal is the
 * status and error body POST /txs would give (errors.ts, the one mapping), and is counted the same way.
 */
async function submitTxs(ctx: RouteContext, raws: readonly string[]): Promise<{ results: BatchResult[] }> {
  const results: BatchResult[] = new Array(raws.length);
  const txs: Tx[] = [];
  const at: number[] = [];
  raws.forEach((raw, i) => {
    try {
      txs.push(decodeTx(fromHex(raw))); // RuleError BAD_ENCODING for a wrong length or field
      at.push(i);
    } catch (e) {
      results[i] = refusal(ctx, e, undefined);
    }
  });
  const origin = originNow('api');
  const settled = await ctx.mempool.addMany(txs, origin);
  settled.forEach((r, k) => {
    const i = at[k]!;
    if (r.status === 'fulfilled') {
      const { id, replaced } = r.value;
      results[i] = replaced
        ? { status: 202, id: toHex(id), replaced: toHex(replaced) }
        : { status: 202, id: toHex(id) };
    } else {
      results[i] = refusal(ctx, r.reason, txs[k]!);
    }
  });
  return { results };
}

/** A refused tx's entry; anything but a rule or mempool refusal is the node's fault and fails the request. */
function refusal(ctx: RouteContext, e: unknown, tx: Tx | undefined): BatchResult {
  if (!isRuleError(e) && !isMempoolError(e)) throw e;
  ctx.metrics.rejectedTx(e.code);
  const { status, body } = toHttpError(e);
  return tx === undefined
    ? { status, error: body.error }
    : { status, id: toHex(txId(tx)), error: body.error };
}

function mempoolList(ctx: RouteContext, limitText: string | undefined) {
  const limit = limitText === undefined ? MEMPOOL_LIST_DEFAULT : Number(limitText);
  if (!(limit >= 1 && limit <= MEMPOOL_LIST_MAX)) {
    throw new ApiError(400, 'BAD_REQUEST', `limit must be between 1 and ${MEMPOOL_LIST_MAX}`);
  }
  const out = [];
  for (const e of ctx.mempool.entries()) {
    if (out.length >= limit) break;
    out.push(txView(e.tx, e.id, ctx.hrp));
  }
  return out;
}
