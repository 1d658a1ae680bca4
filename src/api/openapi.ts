// The OpenAPI 3.1 description of the HTTP API, built from the same route table fastify validates
// against (schemas.ts), so it is true by construction. GET /openapi.json serves it and docs/openapi.json
// ships a copy (test/api/openapi.test.ts fails if the copy is stale, and rewrites it when asked).
import { CHAIN_VIEW_ROUTES } from './routes/chain-view.js';
import { ROUTES, type RouteSpec } from './schemas.js';

type Json = Record<string, unknown>;

interface ObjectSchema {
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly required?: readonly string[];
}

function parameters(schema: unknown, where: 'path' | 'query'): Json[] {
  const s = (schema ?? {}) as ObjectSchema;
  return Object.entries(s.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop as { description?: string };
    return {
      name,
      in: where,
      required: where === 'path' || (s.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function describeStatus(code: string): string {
  const words: Record<string, string> = {
    '200': 'OK',
    '202': 'Accepted',
    '4XX': 'Bad input: {"error": {"code", "message"}}',
    '5XX': 'The node cannot serve the request now (503) or failed (500)',
  };
  return words[code] ?? code;
}

function operation(route: RouteSpec): Json {
  const schema = route.schema as {
    params?: unknown;
    querystring?: unknown;
    body?: unknown;
    response?: Record<string, unknown>;
  };
  const responses: Json = {};
  if (route.produces) {
    responses['200'] = {
      description: describeStatus('200'),
      content: { [route.produces]: { schema: { type: 'string' } } },
    };
  }
  for (const [code, body] of Object.entries(schema.response ?? {})) {
    const key = code.toUpperCase();
    responses[key] = { description: describeStatus(key), content: { 'application/json': { schema: body } } };
  }
  const params = [...parameters(schema.params, 'path'), ...parameters(schema.querystring, 'query')];
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(schema.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } }
      : {}),
    responses,
  };
}

/** The whole document. */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const route of [...Object.values(ROUTES), ...Object.values(CHAIN_VIEW_ROUTES)] as RouteSpec[]) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cairn node HTTP API',
      version: '1',
      description:
        'The HTTP API of a Cairn node (docs/ARCHITECTURE.md §5). It listens on 127.0.0.1 unless started ' +
        'with another host, which requires a token: then every request needs `Authorization: Bearer ' +
        '<token>`. Without a token it answers only Host names of this machine (localhost, 127.0.0.1, ' +
        '[::1]), and it refuses a state-changing request whose Origin is another page (403 FORBIDDEN: DNS ' +
        'rebinding and cross-site requests, docs/HARDENING.md). Amounts, nonces and chain work are decimal strings of base units (1 coin = ' +
        '100,000,000); hashes and raw bytes are lowercase hex; addresses are bech32m. Every error is ' +
        '{"error": {"code", "message"}}; `code` is stable (a consensus rule code such as BAD_SIGNATURE, ' +
        'a mempool code such as NONCE_TOO_LOW, or an API code such as BAD_JSON, BAD_REQUEST, BAD_HEX, ' +
        'BAD_URL, BODY_TOO_LARGE (413), UNSUPPORTED_MEDIA_TYPE (415), NOT_FOUND (404), UNAUTHORIZED (401), ' +
        'FORBIDDEN (403), REQUEST_TIMEOUT (408), URI_TOO_LONG (414), HEADERS_TOO_LARGE (431), ' +
        'UNAVAILABLE (503), INTERNAL (500)).',
    },
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    // Either no credentials (loopback, no token configured) or the bearer token.
    security: [{}, { bearerAuth: [] }],
    paths,
  };
}
