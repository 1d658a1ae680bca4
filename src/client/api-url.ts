// Where the node's API is and how to authenticate to it: the `--api`, `--api-token` and
// `--api-token-file` flags and the CAIRN_API / CAIRN_API_TOKEN variables, read the same way by both CLIs.
import { readFileSync } from 'node:fs';
import { ClientError } from './errors.js';

/** The node's default API address (`cairn start` listens there unless told otherwise). */
export const DEFAULT_API = 'http://127.0.0.1:8645';

/** The shortest token a node accepts (the API's MIN_TOKEN_LENGTH): checked before anything starts. */
export const MIN_API_TOKEN_LENGTH = 16;

type Env = Readonly<Record<string, string | undefined>>;

function badInput(code: string, message: string): ClientError {
  return new ClientError('BAD_INPUT', code, message);
}

/**
 * `--api URL`, else CAIRN_API, else the default. "localhost:18745" or "127.0.0.1:8645" (no scheme) means
 * http://, as curl reads it; any other scheme is refused. The result has no trailing slash.
 */
export function resolveApiUrl(option: string | undefined, env: Env): string {
  const given = option ?? (env.CAIRN_API && env.CAIRN_API.length > 0 ? env.CAIRN_API : DEFAULT_API);
  const text = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(given) ? given : `http://${given}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badInput('BAD_API_URL', `${JSON.stringify(given)} is not a URL; use e.g. ${DEFAULT_API}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badInput(
      'BAD_API_URL',
      `the node API URL must start with http:// or https://, got ${JSON.stringify(given)}`,
    );
  }
  return text.replace(/\/+$/, '');
}

export interface TokenOptions {
  readonly apiToken?: string | undefined;
  readonly apiTokenFile?: string | undefined;
}

/**
 * The API token: `--api-token`, else the first line of `--api-token-file`, else CAIRN_API_TOKEN; undefined
 * when none is given. A file keeps the token out of `ps` and shell history (like bitcoin-cli's cookie file).
 * Too short a token is refused here, before any request or server starts.
 */
export function resolveApiToken(opts: TokenOptions, env: Env): string | undefined {
  if (opts.apiToken !== undefined && opts.apiTokenFile !== undefined) {
    throw badInput('BAD_API_TOKEN', 'give the API token with --api-token or --api-token-file, not both');
  }
  let token: string | undefined;
  let source: string;
  if (opts.apiToken !== undefined) {
    token = opts.apiToken;
    source = '--api-token';
  } else if (opts.apiTokenFile !== undefined) {
    try {
      token = (readFileSync(opts.apiTokenFile, 'utf8').split(/\r?\n/)[0] ?? '').trim();
    } catch (e) {
      const why = (e as { code?: string }).code ?? 'unreadable';
      throw badInput('BAD_API_TOKEN', `cannot read the API token file ${opts.apiTokenFile} (${why})`);
    }
    source = `the API token file ${opts.apiTokenFile}`;
  } else {
    token = env.CAIRN_API_TOKEN && env.CAIRN_API_TOKEN.length > 0 ? env.CAIRN_API_TOKEN : undefined;
    source = 'CAIRN_API_TOKEN';
  }
  if (token === undefined) return undefined;
  if (token.length < MIN_API_TOKEN_LENGTH || /\s/.test(token)) {
    throw badInput(
      'BAD_API_TOKEN',
      `the API token (from ${source}) must be at least ${MIN_API_TOKEN_LENGTH} characters with no spaces; ` +
        'make one with `openssl rand -hex 16`',
    );
  }
  return token;
}
