// What every route module gets: the services behind the API and the few values derived from them once
// (the address prefix, the genesis hash's hex). The ApiServer builds one RouteContext and hands it to
// each module's register function (server.ts), so a route reads the same objects the server owns.
import type { FastifyInstance } from 'fastify';
import type { EventStream } from '../events.js';
import type { Metrics } from '../metrics.js';
import type { ApiAdmin, ApiChain, ApiMempool, ApiMiner, ApiPeers, StatusExtras } from '../services.js';

export interface RouteContext {
  readonly chain: ApiChain;
  readonly mempool: ApiMempool;
  readonly miner: ApiMiner | undefined;
  readonly p2p: ApiPeers | undefined;
  readonly extras: StatusExtras;
  readonly admin: ApiAdmin | undefined;
  readonly metrics: Metrics;
  readonly events: EventStream;
  /** The chain's bech32m address prefix. */
  readonly hrp: string;
  readonly genesisHex: string;
  /** Reported by GET /status. */
  readonly version: string | undefined;
  /** The signature backend's name, reported by GET /status. */
  readonly verifier: string | undefined;
  /** Connected peers that are not banned (GET /status and the cairn_peers gauge). */
  peerCount(): number;
}

/** A route module: registers its routes on the app. */
export type RegisterRoutes = (app: FastifyInstance, ctx: RouteContext) => void;
