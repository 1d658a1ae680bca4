// The node itself: GET /status (the node at a glance), GET /metrics (Prometheus text) and
// GET /openapi.json (this API's own description). Core: getblockchaininfo + getnetworkinfo for the
// first, no equivalent of the other two.
import type { FastifyInstance } from 'fastify';
import type { IndexEntry } from '../../chain/block-index.js';
import { toHex } from '../../consensus/bytes.js';
import { openApiDocument } from '../openapi.js';
import { ROUTES } from '../schemas.js';
import type { RouteContext } from './context.js';

export function registerStatusRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { chain, mempool, extras, metrics } = ctx;
  // The state digest's hex, computed once per tip (the digest changes only when the tip does).
  let digestTip: IndexEntry | undefined;
  let digestText = '';
  const digestHex = (tip: IndexEntry): string => {
    if (digestTip !== tip) {
      digestTip = tip;
      digestText = toHex(chain.stateDigest);
    }
    return digestText;
  };

  // A node without a network is always synced: with itself.
  const syncView = () => {
    const s = extras.sync?.();
    return s
      ? { height: s.height, target: s.target, blocksPerSecond: s.blocksPerSecond }
      : { height: chain.height, target: chain.height, blocksPerSecond: 0 };
  };

  const status = () => {
    const tip = chain.tip;
    return {
      network: chain.params.network,
      genesisHash: ctx.genesisHex,
      height: chain.height,
      tipHash: tip.hex,
      chainWork: tip.chainWork.toString(),
      peers: ctx.peerCount(),
      mempool: mempool.size,
      mempoolBytes: mempool.bytes,
      syncing: extras.syncing?.() ?? false,
      sync: syncView(),
      stateDigest: digestHex(tip),
      stateMismatches: extras.stateMismatches?.() ?? metrics.stateMismatchCount,
      ...(ctx.version ? { version: ctx.version } : {}),
      ...(ctx.verifier ? { verifier: ctx.verifier } : {}),
    };
  };

  // Synchronous: the busiest read route skips the promise an async handler costs.
  app.route({ ...ROUTES.status, handler: (_req, reply) => reply.send(status()) });
  app.route({
    ...ROUTES.metrics,
    handler: async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()),
  });
  const doc = openApiDocument();
  app.route({ ...ROUTES.openapi, handler: async () => doc });
}
