// A run of free TCP ports for a devnet started by a script or a test: each node takes two (P2P, API) and
// the supervisor one, at fixed offsets from a base, so the base must have `count` free ports after it.

import { createServer } from 'node:net';

const free = (port: number, host: string) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });

/**
 * A base port P such that P … P+count-1 are all free on 127.0.0.1 and 0.0.0.0. Picked at random in
 * 20000–32000, below Linux's ephemeral range (32768+) where port-0 listeners of other tests land.
 */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    let ok = true;
    for (let p = base; p < base + count && ok; p++)
      ok = (await free(p, '127.0.0.1')) && (await free(p, '0.0.0.0'));
    if (ok) return base;
  }
  throw new Error(`no run of ${count} free ports found`);
}
