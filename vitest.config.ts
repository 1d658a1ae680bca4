import { defineConfig } from 'vitest/config';

// Two groups, run one after the other: fast unit tests in parallel, then the tests that start real
// libp2p nodes, servers and processes one file at a time, so they do not compete for the machine's cores
// (their timing is real time: gossip, sync, mining at real difficulty).
const shared = {
  setupFiles: ['src/polyfill.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};
const SLOW = ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'];

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...SLOW, '**/node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...shared,
          name: 'system',
          include: SLOW,
          globalSetup: ['test/e2e/browser-check.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
