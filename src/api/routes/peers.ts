// The network: GET /peers (Core: getpeerinfo), and the devnet's admin controls POST /admin/block-peers and
// /admin/unblock-peers (Core: setban / clearbanned, though these are for partitions, not punishment).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { isLoopback } from '../loopback.js';
import { ROUTES } from '../schemas.js';
import type { ApiAdmin } from '../services.js';
import type { RouteContext } from './context.js';

export function registerPeerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.route({ ...ROUTES.peers, handler: async () => ctx.p2p?.peers() ?? [] });
}

export function registerAdminRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.route<{ Body: { peerIds: string[] } }>({
    ...ROUTES.blockPeers,
    handler: async (req) => {
      const admin = adminFor(ctx, req);
      await admin.blockPeers(req.body.peerIds);
      return { ok: true };
    },
  });
  app.route({
    ...ROUTES.unblockPeers,
    handler: async (req) => {
      await adminFor(ctx, req).unblockAll();
      return { ok: true };
    },
  });
}

/**
 * The admin service, for a client on this machine only. A token lets a remote client read and submit,
 * but cutting a node off from its peers is for whoever runs it (the devnet script), so the admin
 * routes check the socket's own address as well.
 */
function adminFor(ctx: RouteContext, req: FastifyRequest): ApiAdmin {
  if (!isLoopback(req.socket.remoteAddress ?? '')) {
    throw new ApiError(403, 'FORBIDDEN', 'admin routes answer clients on this machine only');
  }
  if (!ctx.admin) throw new ApiError(503, 'UNAVAILABLE', 'this node has no peer-to-peer service');
  return ctx.admin;
}
