// GET /events: chain and mempool events as server-sent events (the stream itself is ../events.ts). A
// block or tx event carries where the block or tx came from (origin, peer, receivedAt: src/chain/origin.ts)
// whenever the service's event has it, so a dashboard can draw who saw what, when.
import type { FastifyInstance } from 'fastify';
import type { IndexEntry } from '../../chain/block-index.js';
import { toHex } from '../../consensus/bytes.js';
import type { Hash } from '../../consensus/types.js';
import { ApiError } from '../errors.js';
import { ROUTES } from '../schemas.js';
import type { ApiTxAdded, EventOrigin } from '../services.js';
import type { RouteContext } from './context.js';

export function registerEventRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.route({
    ...ROUTES.events,
    handler: async (req, reply) => {
      if (ctx.events.full) {
        throw new ApiError(503, 'UNAVAILABLE', 'too many event-stream clients; try again later');
      }
      reply.hijack(); // the response is ours now: fastify neither serialises nor ends it
      ctx.events.accept(req.raw, reply.raw);
    },
  });
}

/** The origin fields an event has, and no others (an absent field stays absent in the JSON). */
export function originFields(e: EventOrigin | undefined): EventOrigin {
  if (e === undefined) return {};
  const out: { -readonly [K in keyof EventOrigin]: EventOrigin[K] } = {};
  if (e.origin !== undefined) out.origin = e.origin;
  if (e.peer !== undefined) out.peer = e.peer;
  if (e.receivedAt !== undefined) out.receivedAt = e.receivedAt;
  return out;
}

/**
 * Chain and mempool events become server-sent events. Returns the functions that stop following them.
 */
export function followForEvents(ctx: RouteContext): (() => void)[] {
  const { chain, mempool, events } = ctx;
  const onBlock = (b: { entry: IndexEntry; ids: readonly Hash[] } & EventOrigin) =>
    events.broadcast('block', {
      hash: b.entry.hex,
      height: b.entry.header.height,
      txs: b.ids.length,
      ...originFields(b),
    });
  const onReorg = (r: { depth: number; oldTip: IndexEntry; newTip: IndexEntry; fork: IndexEntry }) =>
    events.broadcast('reorg', {
      depth: r.depth,
      oldTip: r.oldTip.hex,
      newTip: r.newTip.hex,
      fork: r.fork.hex,
    });
  // At thousands of txs a second, skip the hex when nobody listens.
  const onTx = (e: ApiTxAdded) => {
    if (events.size > 0) events.broadcast('tx', { id: toHex(e.id), ...originFields(e) });
  };
  chain.on('block:connected', onBlock);
  chain.on('reorg', onReorg);
  mempool.on('tx:added', onTx);
  return [
    () => chain.off('block:connected', onBlock),
    () => chain.off('reorg', onReorg),
    () => mempool.off('tx:added', onTx),
  ];
}
