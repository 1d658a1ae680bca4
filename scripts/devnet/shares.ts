// `devnet up --miners 0:60,1:40`: miners with given shares of the hash power, on any machine.
//
// Two miners racing on the two cores of a laptop get whatever share the OS scheduler (and the browser,
// and the other tests) leave them, so "node0 has 60 %" cannot be set by thread counts. Instead the
// supervisor realises the shares the way the attack scenarios do (scripts/devnet/attack/lottery.ts): a
// seeded lottery, with the shares as odds, picks the node that finds the next block, and that node mines
// it with its own miner (POST /mine: real proof of work at the chain's real difficulty, with --threads
// threads). One node hashes at a time, so each has the whole machine while it mines and ASERT sets the
// difficulty for that one machine's rate; the block interval stays the chain's. Block discovery is
// memoryless, so "the next block is node i's with probability sᵢ" is exactly what shares sᵢ of a real
// network's hash rate give (Nakamoto 2008 §11). A node that is stopped or cut off has no say: the lottery
// draws among the running miners, with their shares renormalised.
//
// Measured, not assumed: every status tick prints, per miner, its share, the blocks it found, and its
// share of the main chain so far with a 95 % interval (GET /blocks headers of a running node, counted by
// miner address). Forks still happen naturally: a miner that starts before the last block reached it
// mines on the old tip until the block arrives.
import { encodeAddress } from '../../src/consensus/address.js';
import { DEV_KEY_COUNT, devKeys } from '../../wallet/dev-keys.js';
import { wilsonInterval } from '../lib/odds.js';
import { Lottery, type MinerShare, Rng } from './attack/lottery.js';
import { http, post, sleep } from './http.js';
import { apiOf, type DevnetState, devnetParams, type NodeSpec } from './state.js';

/** A miner's address: dev key (index mod 5), as the supervisor gives continuous miners. */
export function minerAddress(state: DevnetState, node: NodeSpec): string {
  const key = devKeys()[node.index % DEV_KEY_COUNT]!;
  return encodeAddress(key.addressHash, devnetParams(state).addressPrefix);
}

/** On regtest, one block a second (what `cairn start --regtest --mine` does). */
const REGTEST_BLOCK_MS = 1000;

interface MinerState {
  readonly share: MinerShare;
  readonly node: NodeSpec;
  readonly address: string;
  found: number;
}

export class ShareScheduler {
  private readonly miners: MinerState[];
  private readonly rng: Rng;
  private running: Promise<void> | undefined;
  private stopped = false;
  private startHeight: number | undefined;

  constructor(
    private readonly state: DevnetState,
    shares: readonly MinerShare[],
    private readonly isRunning: (node: NodeSpec) => boolean,
    readonly seed: number,
  ) {
    this.miners = shares.map((share) => {
      const node = state.nodes[share.node]!;
      return { share, node, address: minerAddress(state, node), found: 0 };
    });
    this.rng = new Rng(seed);
  }

  /** What `up` prints once. */
  describe(): string {
    return (
      `hash power: ${this.miners.map((m) => `${m.node.name} ${pct(m.share.share)}`).join(', ')}; a lottery ` +
      `(seed ${this.seed}) picks each block's finder with these odds, and that node mines it ` +
      `(real proof of work, ${this.state.threads} thread${this.state.threads === 1 ? '' : 's'}); measured below`
    );
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    // Regtest's blocks cost nothing: pace them as its continuous miners are paced (one a second), or the
    // lottery would make thousands a second.
    const paceMs = devnetParams(this.state).noRetargeting ? REGTEST_BLOCK_MS : 0;
    while (!this.stopped) {
      const started = Date.now();
      const live = this.miners.filter((m) => this.isRunning(m.node));
      if (live.length === 0) {
        await sleep(500);
        continue;
      }
      const total = live.reduce((a, m) => a + m.share.share, 0);
      const winner =
        live[
          new Lottery(
            live.map((m) => m.share.share / total),
            this.rng,
          ).draw()
        ]!;
      try {
        this.startHeight ??= (await http<{ height: number }>(`${apiOf(winner.node)}/status`)).height;
        // Real difficulty: minutes at worst, so a generous deadline; a node stopped meanwhile just fails.
        await post(`${apiOf(winner.node)}/mine`, { blocks: 1, to: winner.address }, 30 * 60_000);
        winner.found++;
      } catch {
        if (!this.stopped) await sleep(500); // stopped or restarting: the next draw goes elsewhere
      }
      const wait = paceMs - (Date.now() - started);
      if (wait > 0 && !this.stopped) await sleep(wait);
    }
  }

  /** One line per miner: its share, what it found, and its measured share of the main chain. */
  async summary(): Promise<string[]> {
    const source = this.state.nodes.find((n) => this.isRunning(n));
    const counts = new Map<string, number>();
    let total = 0;
    if (source && this.startHeight !== undefined) {
      try {
        const tip = (await http<{ height: number }>(`${apiOf(source)}/status`)).height;
        // The last 1,000 blocks at most: enough to read a share, and one request.
        const from = Math.max(this.startHeight + 1, tip - 999);
        if (tip >= from) {
          const headers = await http<{ miner: string }[]>(
            `${apiOf(source)}/blocks?from=${from}&limit=${tip - from + 1}`,
          );
          for (const h of headers) counts.set(h.miner, (counts.get(h.miner) ?? 0) + 1);
          total = headers.length;
        }
      } catch {
        // the node is busy or going down: no measurement this tick
      }
    }
    return this.miners.map((m) => {
      const mine = counts.get(m.address) ?? 0;
      const measured =
        total === 0
          ? 'no main-chain blocks yet'
          : (() => {
              const w = wilsonInterval(mine, total);
              return `${mine} of the last ${total} main-chain blocks: ${pct(w.rate)} (95 % ${pct(w.low)}–${pct(w.high)})`;
            })();
      return `  ${m.node.name} share ${pct(m.share.share)}: found ${m.found}; ${measured}`;
    });
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
