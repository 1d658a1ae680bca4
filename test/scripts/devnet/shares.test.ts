// `devnet up --miners 0:60,1:40`: the supervisor's lottery sends each block to one miner with the shares
// as odds, skips miners that are not running, and measures each miner's share of the main chain. Against
// small stand-in nodes on 127.0.0.1 (real HTTP) that keep a chain of the miners' addresses.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Lottery, Rng } from '../../../scripts/devnet/attack/lottery.js';
import { minerAddress, ShareScheduler } from '../../../scripts/devnet/shares.js';
import type { DevnetState, NodeSpec } from '../../../scripts/devnet/state.js';

/** One chain shared by the stand-ins, as a converged network would have: the miner of each block. */
interface Stand {
  readonly servers: Server[];
  readonly chain: string[];
  readonly mines: number[];
}

let stand: Stand | undefined;

afterEach(async () => {
  for (const s of stand?.servers ?? []) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  stand = undefined;
});

async function standIns(count: number): Promise<{ state: DevnetState; stand: Stand }> {
  const chain: string[] = [];
  const mines = Array.from({ length: count }, () => 0);
  const servers: Server[] = [];
  const nodes: NodeSpec[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const reply = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && url.pathname === '/status') return reply({ height: chain.length });
      if (req.method === 'GET' && url.pathname === '/blocks') {
        const from = Number(url.searchParams.get('from'));
        const limit = Number(url.searchParams.get('limit'));
        return reply(chain.slice(from - 1, from - 1 + limit).map((miner) => ({ miner })));
      }
      if (req.method === 'POST' && url.pathname === '/mine') {
        let text = '';
        for await (const chunk of req) text += chunk;
        const { to } = JSON.parse(text) as { to: string };
        mines[i]!++;
        chain.push(to);
        return reply({ hashes: ['00'.repeat(32)] });
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    servers.push(server);
    nodes.push({ name: `node${i}`, index: i, apiPort: port, p2pPort: 0, miner: false });
  }
  const state: DevnetState = {
    basePort: 0,
    regtest: false,
    threads: 1,
    nodes,
    control: 'http://127.0.0.1:1',
    supervisorPid: null,
  };
  stand = { servers, chain, mines };
  return { state, stand };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ShareScheduler', () => {
  it('sends each block to the miner the seeded lottery picks, and measures the main chain', async () => {
    const { state, stand } = await standIns(3);
    const shares = [
      { node: 0, share: 0.75 },
      { node: 1, share: 0.25 },
    ];
    const scheduler = new ShareScheduler(state, shares, () => true, 9);
    scheduler.start();
    await until(() => stand.chain.length >= 200);
    await scheduler.stop();
    const n = stand.chain.length;
    // Exactly the draws of the same lottery, replayed: the scheduler adds nothing of its own.
    const replay = new Lottery([0.75, 0.25], new Rng(9));
    const addresses = [0, 1].map((i) => minerAddress(state, state.nodes[i]!));
    const expected = Array.from({ length: n }, () => addresses[replay.draw()]);
    expect(stand.chain).toEqual(expected);
    expect(stand.mines[2]).toBe(0); // not a miner
    const lines = await scheduler.summary();
    const mine0 = stand.chain.filter((a) => a === addresses[0]).length;
    expect(lines[0]).toContain(
      `node0 share 75.0 %: found ${stand.mines[0]}; ${mine0} of the last ${n} main-chain blocks`,
    );
    expect(lines[1]).toContain(`node1 share 25.0 %: found ${stand.mines[1]}; ${n - mine0} of the last ${n}`);
  });

  it('gives a stopped miner nothing: the running miners share its turn', async () => {
    const { state, stand } = await standIns(2);
    let node1Running = true;
    const scheduler = new ShareScheduler(
      state,
      [
        { node: 0, share: 0.5 },
        { node: 1, share: 0.5 },
      ],
      (node) => node.index === 0 || node1Running,
      4,
    );
    scheduler.start();
    await until(() => stand.mines[1]! >= 3);
    node1Running = false;
    const before = stand.mines[1]!;
    const at = stand.chain.length;
    await until(() => stand.chain.length >= at + 50);
    await scheduler.stop();
    // At most the one request already in flight when it stopped.
    expect(stand.mines[1]! - before).toBeLessThanOrEqual(1);
    expect(stand.mines[0]).toBeGreaterThan(50);
  });
});
