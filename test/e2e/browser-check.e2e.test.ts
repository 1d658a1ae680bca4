// What `npm test` does without a browser, run for real (vitest in a child process, on two browser test files,
// with CAIRN_CHROMIUM naming a browser that does not exist): locally ONE line says the browser tests were
// skipped and how to install Chromium, and the run passes; under CI=true the run fails, naming the browser.
import { describe, expect, it } from 'vitest';
import { ROOT, run } from './helpers.js';

const vitest = (env: NodeJS.ProcessEnv) =>
  run(
    [`${ROOT}/node_modules/vitest/vitest.mjs`, 'run', 'test/e2e/dashboard.e2e', 'test/e2e/dashboard-budget'],
    {
      env: { CAIRN_CHROMIUM: '/nonexistent/chromium', ...env },
      timeoutMs: 120_000,
    },
  );

describe('the browser tests without a browser', () => {
  it('locally: skipped, with one line saying how to install it', async () => {
    const r = await vitest({ CI: '' });
    expect(r.code).toBe(0);
    const line =
      'dashboard browser tests skipped: no /nonexistent/chromium (install it with: apt-get install -y chromium)';
    expect(r.stdout.split('\n').filter((l) => l.includes('browser tests skipped'))).toEqual([line]);
  }, 150_000);

  it('under CI=true: the run fails', async () => {
    const r = await vitest({ CI: 'true' });
    expect(r.code).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain('/nonexistent/chromium is missing and CI=true');
  }, 150_000);
});
