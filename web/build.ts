// Builds the dashboard page (web/src) into dist/web: index.html, one script and one style sheet, with
// Preact and htm bundled in, so the page works offline and loads nothing from elsewhere. Run by
// `npm run build` (scripts/build-web.ts); the budget is checked by test/web/bundle.test.ts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The page's whole weight on the wire, gzipped: HTML + script + style. */
export const DASHBOARD_BUDGET_GZIP = 60 * 1024;

const here = dirname(fileURLToPath(import.meta.url));

export interface DashboardBuild {
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** Gzip bytes per file and in total. */
  readonly gzip: Readonly<Record<string, number>>;
  readonly gzipTotal: number;
}

/** Bundles the page; writes it to `outDir` when given. */
export async function buildDashboard(outDir?: string): Promise<DashboardBuild> {
  const result = await build({
    entryPoints: { dashboard: join(here, 'src', 'main.ts'), style: join(here, 'src', 'style.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    write: false,
    outdir: join(here, 'out'),
    legalComments: 'none',
    logLevel: 'silent',
  });
  const files: Record<string, Uint8Array> = {};
  for (const f of result.outputFiles) {
    if (f.path.endsWith('dashboard.js')) files['dashboard.js'] = f.contents;
    else if (f.path.endsWith('style.css')) files['dashboard.css'] = f.contents;
  }
  files['index.html'] = readFileSync(join(here, 'index.html'));
  const gzip: Record<string, number> = {};
  let gzipTotal = 0;
  for (const [name, bytes] of Object.entries(files)) {
    gzip[name] = gzipSync(bytes, { level: 9 }).length;
    gzipTotal += gzip[name];
  }
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(outDir, name), bytes);
  }
  return { files, gzip, gzipTotal };
}
