// The HTTP API's public surface. src/node builds an ApiServer; other services get the Metrics.
export { API_CODES, type ApiCode, ApiError, type ErrorBody, statusOfKind, toHttpError } from './errors.js';
export { DEFAULT_EVENT_STREAM_OPTIONS, type EventStreamOptions } from './events.js';
export { type ChainEventSource, type MetricSources, Metrics } from './metrics.js';
export { openApiDocument } from './openapi.js';
export { MEMPOOL_LIST_DEFAULT, MEMPOOL_LIST_MAX, MINE_MAX_BLOCKS, ROUTES } from './schemas.js';
export {
  type ApiAdmin,
  type ApiChain,
  type ApiMempool,
  type ApiMempoolEntry,
  type ApiMiner,
  type ApiPeers,
  ApiServer,
  type ApiServerOptions,
  DEFAULT_API_HOST,
  DEFAULT_BODY_LIMIT,
  type EventOrigin,
  isLoopback,
  MIN_TOKEN_LENGTH,
  type PeerView,
  type StatusExtras,
} from './server.js';
