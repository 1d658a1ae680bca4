// Start a worker_threads worker from a module next to the caller, whether Cairn runs from built JS
// (dist/…/x.js) or from TypeScript source under tsx/vitest (src/…/x.ts). In the source case the worker
// first registers the tsx loader (Node 20 does not apply a parent's loader hooks to workers), then imports
// the polyfill like every entry point, then the module itself.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * `callerUrl` is the caller's `import.meta.url`; `file` the worker module's path without extension,
 * e.g. spawnWorker(import.meta.url, './pow-worker', { workerData }).
 */
export function spawnWorker(callerUrl: string, file: string, options: WorkerOptions = {}): Worker {
  const js = new URL(`${file}.js`, callerUrl);
  if (existsSync(fileURLToPath(js))) return new Worker(js, options);
  const ts = new URL(`${file}.ts`, callerUrl);
  const polyfill = new URL('../polyfill.ts', import.meta.url);
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(polyfill.href)}); })
    .then(() => import(${JSON.stringify(ts.href)}));`;
  return new Worker(boot, { ...options, eval: true });
}
