// GET /docs: the API's own description (GET /openapi.json, built from the route table in schemas.ts)
// shown as a browsable page by Swagger UI. Everything the page loads (script, styles, the document) is
// served by this node from the @fastify/swagger-ui package: it works offline, with no CDN; and the
// online validator badge Swagger UI would fetch is switched off. @fastify/swagger runs in static mode: it
// serves our document as it is rather than rebuilding one, so GET /openapi.json, docs/openapi.json and
// this page never disagree. No Core equivalent (bitcoin-cli help is the nearest).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi.js';
import type { RouteContext } from './context.js';

/** Where the page lives; its assets are under `${DOCS_PREFIX}/static/`. */
export const DOCS_PREFIX = '/docs';

/** The Content-Security-Policy of the page and its assets. */
export const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; font-src 'self' data:; frame-ancestors 'self'; img-src 'self' data:; " +
  "object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'";

export function registerDocsRoutes(app: FastifyInstance, _ctx: RouteContext): void {
  app.register(swagger, {
    mode: 'static',
    specification: { document: openApiDocument() as never },
  });
  app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    // null: no request to validator.swagger.io (the page must work on a machine without internet).
    uiConfig: { validatorUrl: null, docExpansion: 'list', deepLinking: true },
    // The page may load from this node only: no https: fonts or styles, no validator image. Inline
    // styles are allowed because Swagger UI's React components set style attributes; scripts stay 'self'.
    // No upgrade-insecure-requests: a node on a LAN address is served over plain http.
    staticCSP: true,
    transformStaticCSP: () => DOCS_CSP,
  });
}
