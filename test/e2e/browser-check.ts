// Global setup of the system tests (vitest.config.ts): looks for the dashboard's browser once per run, so
// that `npm test` without Chromium prints ONE line saying the browser tests were skipped and how to
// install it, however many browser test files there are; under CI (CI=true) a missing browser fails the
// run before any test starts.
import { browserAvailable, SKIP_LINE } from './dashboard-browser.js';

export default function setup(): void {
  if (!browserAvailable()) console.log(SKIP_LINE);
}
