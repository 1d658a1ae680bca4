// GET /events: chain and mempool events as server-sent events (the stream itself is ../events.ts). A
// block or tx event carries where the block or tx came from (origin, peer, receivedAt: src/chain/origin.ts)
// whenever the service's event has it, so a dashboard can draw who saw what, when.
import type { FastifyInstance } from 'fastify';
import type { IndexEntry } from '../../chain/block-index.js';
import { toHex } from '../../consensus/bytes.js';
import type { Hash } from '../../consensus/types.js';
import { ApiError } from '../errors.js';
import { blockEventData, originFields, parseTopics, reorgEventData, STREAM_HEADERS } from '../events.js';
import { ROUTES } from '../schemas.js';
import type { ApiTxAdded, EventOrigin } from '../services.js';

export { originFields } from '../events.js';

import type { RouteContext } from './context.js';

export function registerEventRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.route<{ Querystring: { topics?: string; lastEventId?: string } }>({
    ...ROUTES.events,
    handler: async (req, reply) => {
      if (ctx.events.full) {
        throw new ApiError(503, 'UNAVAILABLE', 'too many event-stream clients; try again later');
      }
      const topics = parseTopics(req.query.topics);
      const header = req.headers['last-event-id'];
      // The query parameter is for a page that opens a new EventSource itself (which cannot set headers).
      const lastEventId = typeof header === 'string' ? header : req.query.lastEventId;
      // HEAD asks for the headers only: answer them and end. (Accepting it as a stream would hold one of
      // the stream slots forever, because a HEAD response has no body to write events into.)
      if (req.method === 'HEAD') {
        return reply.code(200).headers(STREAM_HEADERS).send();
      }
      reply.hijack(); // the response is ours now: fastify neither serialises nor ends it
      ctx.events.accept(req.raw, reply.raw, {
        topics,
        ...(lastEventId !== undefined ? { lastEventId } : {}),
      });
    },
  });
}

/**
 * Chain and mempool events become server-sent events. Returns the functions that stop following them.
 */
export function followForEvents(ctx: RouteContext): (() => void)[] {
  const { chain, mempool, events } = ctx;
  // With no client connected and none expected back (events.active), skip building the payloads.
  const onBlock = (b: { entry: IndexEntry; ids: readonly Hash[] } & EventOrigin) => {
    if (events.active) events.broadcast('block', blockEventData(b, ctx.hrp));
  };
  // A body stored on a side branch: without it a fork would show only when it wins (or on a refetch).
  const onStored = (b: { entry: IndexEntry; ids: readonly Hash[] } & EventOrigin) => {
    if (events.active) events.broadcast('block:stored', blockEventData(b, ctx.hrp));
  };
  const onReorg = (r: {
    depth: number;
    oldTip: IndexEntry;
    newTip: IndexEntry;
    fork: IndexEntry;
    returnedTxs: readonly Hash[];
  }) => events.broadcast('reorg', reorgEventData(r));
  // At thousands of txs a second, skip the hex when nobody listens.
  const onTx = (e: ApiTxAdded) => {
    if (events.active) events.broadcast('tx', { id: toHex(e.id), ...originFields(e) });
  };
  chain.on('block:connected', onBlock);
  chain.on('block:stored', onStored);
  chain.on('reorg', onReorg);
  mempool.on('tx:added', onTx);
  return [
    () => chain.off('block:connected', onBlock),
    () => chain.off('block:stored', onStored),
    () => chain.off('reorg', onReorg),
    () => mempool.off('tx:added', onTx),
  ];
}
