// `devnet -- load` against a real node's API in this process (real Chain on LevelDB, real Mempool, real
// HTTP on 127.0.0.1, port 0): every transfer it reports accepted is in the node's mempool, and at a rate
// where several are due within one tick they go in POST /txs/batch requests, not one request each.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { load } from '../../../scripts/devnet/load.js';
import type { DevnetState } from '../../../scripts/devnet/state.js';
import { loadParams } from '../../../src/node/params.js';
import { type Fixture, openFixture } from '../../api/fixture.js';

let f: Fixture | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await f?.close();
  f = undefined;
});

/** How many requests the node answered on `route` (its own metrics: GET /metrics). */
async function requests(url: string, route: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^cairn_api_request_duration_seconds_count\{([^}]*)\} (\d+)$/gm)) {
    if (m[1]!.includes(`route="${route}"`) && m[1]!.includes('method="POST"')) n += Number(m[2]);
  }
  return n;
}

describe('devnet load', () => {
  it('sends the transfers due in one tick as one POST /txs/batch; the node takes every one', async () => {
    f = await openFixture({ params: loadParams({ regtest: true }) });
    const { url } = await f.server.start();
    const port = Number(new URL(url).port);
    const state: DevnetState = {
      basePort: port,
      regtest: true,
      threads: 1,
      nodes: [{ name: 'node0', index: 0, apiPort: port, p2pPort: 0, miner: true }],
      control: 'http://127.0.0.1:0',
      supervisorPid: null,
    };
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    // 50/s for 1 s: 5 due per 100 ms tick.
    await load(state, { tps: 50, seconds: 1 });
    expect(out.join('\n')).toMatch(/done in [0-9.]+ s: 50 accepted\n/);
    expect(f.mempool.size).toBe(50);
    const batches = await requests(url, '/txs/batch');
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThanOrEqual(20); // ~10 ticks; never one request per tx
    expect(await requests(url, '/txs')).toBe(0);
  });
});
