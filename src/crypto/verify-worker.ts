// A VerifierPool worker thread: receives packed chunks (see batch.ts), verifies them with the backend
// named in workerData, and transfers back one byte per item. It holds no state between chunks, so a
// crashed worker can be replaced by a fresh one without losing anything. The backend is loaded here, in
// this thread (a native addon is loaded per thread), and named in `ready` so the pool can check that
// every worker runs the backend it reports.
import { parentPort, workerData } from 'node:worker_threads';
import { verifyPacked } from './batch.js';
import { type BackendName, verifierByName } from './verifier.js';

/** A chunk to verify, or the pool asking this worker to finish and exit (see VerifierPool.close). */
export type WorkerRequest = { readonly id: number; readonly packed: ArrayBuffer } | { readonly stop: true };
/** `ready` once the module (and its backend) has loaded, then one `result` per request. */
export type WorkerResponse =
  | { readonly type: 'ready'; readonly backend: string }
  | { readonly type: 'result'; readonly id: number; readonly results: ArrayBuffer };

const port = parentPort;
if (port === null) throw new Error('verify-worker must run in a worker thread');
const verifier = verifierByName((workerData as { backend: BackendName }).backend);

port.on('message', (req: WorkerRequest) => {
  // Closing the port ends this thread once it is idle: never in the middle of a native call, which is
  // what terminate() can do (a node-addon-api module then aborts the whole process).
  if ('stop' in req) {
    port.close();
    return;
  }
  const results = verifyPacked(new Uint8Array(req.packed), (h, q, s) => verifier.verify(h, q, s))
    .buffer as ArrayBuffer;
  const res: WorkerResponse = { type: 'result', id: req.id, results };
  port.postMessage(res, [results]);
});

port.postMessage({ type: 'ready', backend: verifier.name } satisfies WorkerResponse);
