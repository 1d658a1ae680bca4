import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_API, resolveApiToken, resolveApiUrl } from '../../src/client/api-url.js';
import { ClientError } from '../../src/client/errors.js';

function failure(fn: () => unknown): ClientError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ClientError) return e;
    throw e;
  }
  throw new Error('did not fail');
}

describe('resolveApiUrl', () => {
  it('--api, else CAIRN_API, else the default; a host:port without a scheme means http://', () => {
    expect(resolveApiUrl(undefined, {})).toBe(DEFAULT_API);
    expect(resolveApiUrl(undefined, { CAIRN_API: '' })).toBe(DEFAULT_API);
    expect(resolveApiUrl(undefined, { CAIRN_API: 'localhost:18745' })).toBe('http://localhost:18745');
    expect(resolveApiUrl('localhost:18745', { CAIRN_API: 'http://x:1' })).toBe('http://localhost:18745');
    expect(resolveApiUrl('127.0.0.1:8645/', {})).toBe('http://127.0.0.1:8645');
    expect(resolveApiUrl('[::1]:8645', {})).toBe('http://[::1]:8645');
    expect(resolveApiUrl('https://node.example:443//', {})).toBe('https://node.example:443');
  });

  it('refuses other schemes and non-URLs as BAD_INPUT BAD_API_URL', () => {
    for (const text of ['ftp://x', 'ws://127.0.0.1:1', 'http://', 'local host:1']) {
      const e = failure(() => resolveApiUrl(text, {}));
      expect(e.kind, text).toBe('BAD_INPUT');
      expect(e.code, text).toBe('BAD_API_URL');
    }
  });
});

describe('resolveApiToken', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-token-'));
    await writeFile(join(dir, 'good'), '0123456789abcdef0123\nsecond line ignored\n');
    await writeFile(join(dir, 'short'), 'abc\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('flag, else file (first line), else CAIRN_API_TOKEN; none is undefined', () => {
    const env = { CAIRN_API_TOKEN: 'env-token-0123456789' };
    expect(resolveApiToken({}, {})).toBeUndefined();
    expect(resolveApiToken({}, { CAIRN_API_TOKEN: '' })).toBeUndefined();
    expect(resolveApiToken({}, env)).toBe('env-token-0123456789');
    expect(resolveApiToken({ apiToken: 'flag-token-0123456789' }, env)).toBe('flag-token-0123456789');
    expect(resolveApiToken({ apiTokenFile: join(dir, 'good') }, env)).toBe('0123456789abcdef0123');
  });

  it('too short, with spaces, both flags, or an unreadable file: BAD_API_TOKEN naming the source', () => {
    const cases: [Parameters<typeof resolveApiToken>[0], Record<string, string>, RegExp][] = [
      [{ apiToken: 'short' }, {}, /from --api-token/],
      [{}, { CAIRN_API_TOKEN: 'short' }, /from CAIRN_API_TOKEN/],
      [{ apiToken: 'has a space in it 0123456789' }, {}, /no spaces/],
      [{ apiTokenFile: join(dir, 'short') }, {}, /from the API token file/],
      [{ apiTokenFile: join(dir, 'missing') }, {}, /cannot read the API token file .*ENOENT/],
      [{ apiToken: '0123456789abcdef', apiTokenFile: join(dir, 'good') }, {}, /not both/],
    ];
    for (const [opts, env, message] of cases) {
      const e = failure(() => resolveApiToken(opts, env));
      expect(e).toMatchObject({ kind: 'BAD_INPUT', code: 'BAD_API_TOKEN' });
      expect(e.message).toMatch(message);
    }
  });
});
