// The stale-rate experiment (Gervais et al., "On the Security and Performance of Proof of Work
// Blockchains", CCS 2016, §3 and Table 2): how often a block ends up off the main chain, against the block
// interval T and the propagation delay Δ, measured on a real devnet and set beside 1 − e^(−Δ/T).
//
// The devnet is host mode (`devnet -- up --hosts`): N `cairn start` processes on N hosts (network
// namespaces) over a bridge, each link shaped to a one-way delay with `devnet -- link all --delay D`, so
// Δ is a real delay on real TCP connections plus whatever the nodes themselves add. The chain is regtest
// (proof of work costs nothing), and a driver plays the hash power: blocks arrive as a Poisson process of
// mean interval T (exponential gaps), and each arrival is won by a miner drawn with equal shares
// (scripts/devnet/attack/lottery.ts, seeded), whose node then mines one block on whatever tip it has
// right then (POST /mine). Nothing waits for a block to spread before the next is found: that race is
// what makes stale blocks, as on a real network.
//
// A point runs in batches. After each batch the driver stops, one more block is mined on node0 so that a
// tie at the end is settled (again if needed: Devnet.settle), and once every node has one tip the batch's blocks are classified: on the
// final main chain, or stale. A point ends when its 95 % interval is narrower than its rate and it has
// its minimum of blocks (or at its caps). Propagation is measured on the same blocks: for each block and
// each other node, the time from being mined (the miner's receivedAt) to that node having it (its own
// receivedAt), both on this machine's clock, from the devnet's merged event stream.
import { encodeAddress } from '../../src/consensus/address.js';
import { loadParams } from '../../src/node/params.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { percentile } from '../bench/harness.js';
import { Lottery, Rng } from '../devnet/attack/lottery.js';
import { sseParser } from '../devnet/event-hub.js';
import { sleep } from '../devnet/http.js';
import { checkHostSupport } from '../devnet/netns.js';
import { DevnetProcess, waitUntil } from '../lib/devnet-process.js';
import { longEnough, type PointResult, type PointSpec } from './stale-report.js';

export interface StaleRateOptions {
  readonly points: readonly PointSpec[];
  readonly nodes: number;
  readonly seed: number;
  /** A point has at least this many blocks. */
  readonly minBlocks: number;
  /** … and at most this many (a cap, in case the rate is far below what was expected). */
  readonly maxBlocks: number;
  /** … and runs at most this long, minutes. */
  readonly maxMinutes: number;
  /** Blocks per batch (between two settlements). */
  readonly batch: number;
  readonly log: (line: string) => void;
}

async function json<T>(url: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const out = (await res.json()) as T;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(out)}`);
  return out;
}

/** The devnet the experiment runs on: a child `devnet -- up --hosts`, and its merged event stream. */
class Devnet {
  readonly arrivals = new Map<string, Map<string, number>>();
  private process: DevnetProcess | undefined;
  private stream: AbortController | undefined;
  readonly hosts = { prefix: `x${process.pid % 100_000}`, subnet: 160 + (process.pid % 40) };

  constructor(readonly nodes: number) {}

  api = (i: number) => this.process!.api(i);
  get control() {
    return this.process!.control;
  }

  async start(log: (line: string) => void): Promise<void> {
    this.process = await DevnetProcess.start({
      name: 'stale-rate',
      nodes: this.nodes,
      args: ['--hosts', '--regtest', '--miners', '0'],
      hosts: this.hosts,
      starting: (dir) =>
        log(`starting ${this.nodes} hosts (namespaces ${this.hosts.prefix}-n*, datadirs in ${dir}) …`),
    });
    this.stream = new AbortController();
    const res = await fetch(`${this.control}/devnet/events`, { signal: this.stream.signal });
    const feed = sseParser((e) => {
      if (e.event !== 'block') return;
      const m = JSON.parse(e.data) as { node: string; data: { hash: string; receivedAt?: number } };
      if (m.data.receivedAt === undefined) return;
      let byNode = this.arrivals.get(m.data.hash);
      if (!byNode) {
        byNode = new Map();
        this.arrivals.set(m.data.hash, byNode);
      }
      if (!byNode.has(m.node)) byNode.set(m.node, m.data.receivedAt);
    });
    void (async () => {
      try {
        for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) feed(chunk);
      } catch {
        // aborted at the end
      }
    })();
  }

  async setLinks(delayMs: number): Promise<void> {
    const body =
      delayMs > 0 ? { links: ['all'], shape: { delay: `${delayMs}ms` } } : { links: ['all'], clear: true };
    await json(`${this.control}/devnet/link`, body); // answers once every host agent has applied it
  }

  async mine(i: number, to: string): Promise<string> {
    const r = await json<{ hashes: string[] }>(`${this.api(i)}/mine`, { blocks: 1, to }, 60_000);
    return r.hashes[0]!;
  }

  /** Resolves with the tip once every node has the same one. */
  async agree(timeoutMs = 120_000): Promise<{ tipHash: string; height: number }> {
    let last = 'no answer yet';
    try {
      return await waitUntil(
        'every node on one tip',
        async () => {
          const all = await Promise.all(
            Array.from({ length: this.nodes }, (_, i) =>
              json<{ tipHash: string; height: number; peers: number }>(
                `${this.api(i)}/status`,
                undefined,
                10_000,
              ),
            ),
          ).catch((e: Error) => {
            last = e.message; // a node busy: ask again
            return undefined;
          });
          if (all)
            last = all
              .map((s, i) => `node${i} ${s.height} ${s.tipHash.slice(0, 8)} (${s.peers} peers)`)
              .join(', ');
          return all?.every((s) => s.tipHash === all[0]!.tipHash) ? all[0] : undefined;
        },
        timeoutMs,
        250,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}; last seen: ${last}`);
    }
  }

  /**
   * Ends a batch with every node on one tip. A tie of equal work never resolves by itself (each node keeps
   * the branch it saw first, as Bitcoin Core does), so once the blocks in flight have landed, node0 mines
   * one more block on whatever it has, and again if the nodes still disagree (node0 may itself have been on
   * the losing side of a tie that was still spreading). These tie-breakers are not counted.
   */
  async settle(to: string, linkDelayMs: number): Promise<{ tipHash: string; height: number }> {
    for (let attempt = 1; ; attempt++) {
      await sleep(Math.max(1_000, 10 * linkDelayMs));
      await this.mine(0, to);
      try {
        return await this.agree(attempt < 10 ? 15_000 : 120_000);
      } catch (e) {
        if (attempt >= 10) throw e;
      }
    }
  }

  /** The main chain's hashes from height `from` to the tip, as node0 sees it. */
  async mainChain(from: number, to: number): Promise<Set<string>> {
    const out = new Set<string>();
    for (let h = from; h <= to; h += 1000) {
      const rows = await json<{ hash: string }[]>(`${this.api(0)}/blocks?from=${h}&limit=1000`);
      for (const r of rows) out.add(r.hash);
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stream?.abort();
    await this.process?.stop();
  }
}

/** Runs every point on one devnet; resolves with what each measured. */
export async function runStaleRate(opts: StaleRateOptions): Promise<PointResult[]> {
  const why = await checkHostSupport();
  if (why) throw new Error(`the stale-rate experiment shapes links between hosts, and ${why}`);
  const prefix = loadParams({ regtest: true }).addressPrefix;
  // Each node mines to a dev key of its own: blocks found by two miners on one parent must differ.
  const addresses = Array.from({ length: opts.nodes }, (_, i) =>
    encodeAddress(devKeys()[i % devKeys().length]!.addressHash, prefix),
  );
  const lottery = new Lottery(
    Array.from({ length: opts.nodes }, () => 1 / opts.nodes),
    new Rng(opts.seed),
  );
  const gaps = new Rng(opts.seed ^ 0x5eed);
  const devnet = new Devnet(opts.nodes);
  const results: PointResult[] = [];
  try {
    await devnet.start(opts.log);
    // Every node connected and on one chain before anything is timed.
    // Blocks mined while the nodes are still connecting can tie, and a tie never resolves by itself:
    // settle it with tie-breakers like every batch does (seen once in CI: two tips at height 2 for 120 s).
    for (let i = 0; i < opts.nodes; i++) await devnet.mine(i, addresses[i]!);
    await devnet.settle(addresses[0]!, 0);
    for (const point of opts.points) {
      opts.log(
        `point T = ${point.intervalMs} ms, link delay ${point.linkDelayMs} ms: ` +
          `${opts.nodes} miners with equal shares, blocks as a Poisson process …`,
      );
      await devnet.setLinks(point.linkDelayMs);
      const started = Date.now();
      const deadline = started + opts.maxMinutes * 60_000;
      const found: { hash: string; miner: number }[] = [];
      let stale = 0;
      let onMain = 0;
      for (;;) {
        const { height: from } = await devnet.agree();
        // One batch: arrivals at exponential gaps on an absolute schedule (no drift from slow requests).
        const mines: Promise<void>[] = [];
        let at = performance.now();
        for (let k = 0; k < opts.batch; k++) {
          at += -point.intervalMs * Math.log(1 - gaps.next());
          const wait = at - performance.now();
          if (wait > 0) await sleep(wait);
          const miner = lottery.draw();
          mines.push(
            devnet.mine(miner, addresses[miner]!).then(
              (hash) => void found.push({ hash, miner }),
              (e: Error) => opts.log(`  a mine request on node${miner} failed: ${e.message}`),
            ),
          );
        }
        await Promise.all(mines);
        // Settle a tie at the end, then classify this batch's blocks against the final main chain.
        const tip = await devnet.settle(addresses[0]!, point.linkDelayMs);
        const main = await devnet.mainChain(from + 1, tip.height);
        const batch = found.slice(stale + onMain);
        for (const b of batch) {
          if (main.has(b.hash)) onMain++;
          else stale++;
        }
        const blocks = stale + onMain;
        opts.log(
          `  ${blocks} blocks, ${stale} stale (${((stale / Math.max(1, blocks)) * 100).toFixed(2)} %), ` +
            `${((Date.now() - started) / 1000).toFixed(0)} s`,
        );
        if (blocks >= opts.minBlocks && longEnough(stale, blocks)) break;
        if (blocks >= opts.maxBlocks || Date.now() > deadline) {
          opts.log('  stopped at the cap: the interval is not narrower than the rate');
          break;
        }
      }
      const delays: number[] = [];
      for (const { hash, miner } of found) {
        const byNode = devnet.arrivals.get(hash);
        const t0 = byNode?.get(`node${miner}`);
        if (!byNode || t0 === undefined) continue;
        for (const [node, t] of byNode) if (node !== `node${miner}`) delays.push(t - t0);
      }
      delays.sort((a, b) => a - b);
      results.push({
        ...point,
        miners: opts.nodes,
        blocks: stale + onMain,
        stale,
        propagation: {
          p25: percentile(delays, 25),
          p50: percentile(delays, 50),
          p75: percentile(delays, 75),
        },
        seconds: (Date.now() - started) / 1000,
      });
    }
    return results;
  } finally {
    await devnet.stop();
  }
}
