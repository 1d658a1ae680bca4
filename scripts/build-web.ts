// `npm run build` step: bundles the dashboard into dist/web and prints its gzipped size against the budget.
import { join } from 'node:path';
import { buildDashboard, DASHBOARD_BUDGET_GZIP } from '../web/build.js';

const out = join(import.meta.dirname, '..', 'dist', 'web');
const b = await buildDashboard(out);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const parts = Object.entries(b.gzip)
  .map(([name, n]) => `${name} ${kb(n)}`)
  .join(', ');
console.log(`dashboard: dist/web, ${kb(b.gzipTotal)} gzip of ${kb(DASHBOARD_BUDGET_GZIP)} budget (${parts})`);
if (b.gzipTotal > DASHBOARD_BUDGET_GZIP) {
  console.error('the dashboard is over its size budget');
  process.exit(1);
}
