// The crash part of the standing suite (issue 13; docs/HARDENING.md "Crash soak"): a network of three real
// `cairn start --regtest` processes, and rounds in which one of them (the victim) is killed with SIGKILL at
// a random moment of one of four kinds of work:
//
//   mining    the victim mines blocks one POST /mine at a time (each answer acknowledges a block);
//   txs       transfers pour into the victim's POST /txs while it mines them;
//   reorg     the victim is cut off (POST /admin/block-peers), mines its own branch, the others mine a
//             longer one, the partition heals and the victim is killed while it switches branches;
//   sync      the victim is down while the others mine, restarts, and is killed while it catches up.
//
// After every kill, before the victim restarts, its datadir is checked in this process exactly as the
// restarted node will see it: the chain opens (switching to a stored heavier branch if the kill came in the
// middle of a reorg), its height is at least the height the victim had acknowledged before the kill (an
// answer to POST /mine, a /status), the stored accounts equal a clean replay of the stored blocks with the
// digest to match (checkStoredState, which `cairn reindex` also runs), no record is damaged, and the
// restarted node does not log a CHAIN_ROLLBACK. Every few rounds the partition heals and all three nodes
// must agree on one tip and one state digest.
//
// `npm run soak -- crash` runs 200 rounds or more (scripts/soak/crash.ts); test/e2e/crash.e2e.test.ts runs
// a handful, one of each kind.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../scripts/devnet/link-shape.js';
import { Chain } from '../../src/chain/chain.js';
import { checkStoredState } from '../../src/chain/reindex.js';
import { encodeAddress } from '../../src/consensus/address.js';
import { toHex } from '../../src/consensus/bytes.js';
import { encodeTx } from '../../src/consensus/encoding.js';
import type { ChainParams } from '../../src/consensus/types.js';
import { loadParams } from '../../src/node/params.js';
import { ChainStore } from '../../src/storage/index.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { referenceVerifier, transfer } from '../helpers/chain-fixtures.js';
import { cairnArgs, getJson, postJson, type RunningNode, startNodeUsing, waitFor } from './helpers.js';

export type Scenario = 'mining' | 'txs' | 'reorg' | 'sync';
export const SCENARIOS: readonly Scenario[] = ['mining', 'txs', 'reorg', 'sync'];

export interface CrashOptions {
  /** A fresh directory for the three datadirs (removed at the end). */
  readonly dir: string;
  readonly rounds: number;
  readonly seed: number;
  /** Scenarios in this order first, then random ones (the CI test runs each once). */
  readonly first?: readonly Scenario[];
  /** Heal and check that all three nodes agree every this many rounds (and after the last). */
  readonly convergeEvery?: number;
  readonly log?: (line: string) => void;
  /** How to run `cairn` (default: the sources under tsx; the soak runs the fresh build, which starts faster). */
  readonly cairn?: (...args: string[]) => string[];
}

export interface CrashReport {
  readonly rounds: number;
  readonly byScenario: Readonly<Record<Scenario, number>>;
  /** Highest resident memory of any node process seen (MiB, from /proc/PID/status VmHWM). */
  readonly maxNodeRssMb: number;
  /** Highest resident memory of this driver process (MiB). */
  readonly maxDriverRssMb: number;
  readonly convergences: number;
  /** Kills that left a stored heavier branch the chain switched to when it opened: a reorg cut in two. */
  readonly healedAtOpen: number;
  readonly seconds: number;
  readonly finalHeight: number;
}

const START_DEADLINE_MS = 120_000;
const params: ChainParams = loadParams({ regtest: true });
const keys = devKeys(5);

interface Status {
  readonly height: number;
  readonly tipHash: string;
  readonly chainWork: string;
  readonly stateDigest: string;
  readonly peers: number;
}

class Net {
  readonly nodes: (RunningNode | undefined)[] = [undefined, undefined, undefined];
  readonly peerIds: string[] = [];
  maxNodeRssMb = 0;

  constructor(
    private readonly dir: string,
    private readonly cairn: (...args: string[]) => string[],
  ) {}

  datadir(i: number): string {
    return join(this.dir, `node${i}`);
  }

  node(i: number): RunningNode {
    const n = this.nodes[i];
    if (!n) throw new Error(`node${i} is not running`);
    return n;
  }

  /** Starts node i with every other running node as a bootstrap peer. */
  async start(i: number): Promise<RunningNode> {
    const peers = this.nodes.flatMap((n, j) =>
      n && j !== i
        ? ['--peer', n.info.multiaddrs.find((a) => a.includes('127.0.0.1')) ?? n.info.multiaddrs[0]!]
        : [],
    );
    const node = await startNodeUsing(this.cairn, START_DEADLINE_MS, this.datadir(i), '--regtest', ...peers);
    this.nodes[i] = node;
    this.peerIds[i] = node.info.peerId;
    return node;
  }

  async status(i: number): Promise<Status> {
    return getJson<Status>(`${this.node(i).api}/status`) as Promise<Status>;
  }

  async kill(i: number): Promise<void> {
    const n = this.node(i);
    await this.sampleRss(i);
    n.child.kill('SIGKILL');
    const how = await n.exited;
    if (how !== 'SIGKILL')
      throw new Error(`node${i} ended with ${how} before the kill: ${n.stderr().slice(-2000)}`);
    this.nodes[i] = undefined;
  }

  async sampleRss(i: number): Promise<void> {
    const pid = this.nodes[i]?.child.pid;
    if (!pid) return;
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      this.maxNodeRssMb = Math.max(this.maxNodeRssMb, kb / 1024);
    } catch {
      // not Linux, or gone: no sample
    }
  }

  async stopAll(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await this.sampleRss(i);
      await this.nodes[i]?.stop();
      this.nodes[i] = undefined;
    }
  }
}

/** Mines one block on node i over the API; resolves with the height it acknowledged. */
async function mineOne(net: Net, i: number, to: string): Promise<number> {
  const r = await postJson(`${net.node(i).api}/mine`, { blocks: 1, to });
  if (r.status !== 200) throw new Error(`POST /mine on node${i}: ${r.status} ${JSON.stringify(r.body)}`);
  return (await net.status(i)).height;
}

/**
 * Checks the victim's datadir as the restarted node will find it. Returns the height it opens at.
 * Throws (with the reason) if anything is wrong.
 */
async function checkDatadir(
  dir: string,
  acknowledged: number,
  what: string,
): Promise<{ height: number; healed: boolean }> {
  const store = await ChainStore.open(dir);
  try {
    const tip = await store.getTip();
    const storedHeight = tip && (await store.getHeaderEntry(tip))?.header.height;
    const chain = await Chain.open({ params, store, verifier: referenceVerifier(params), recordTip: false });
    const height = chain.height;
    await chain.close();
    if (height < acknowledged) {
      throw new Error(
        `${what}: the datadir opens at height ${height}, below the acknowledged height ${acknowledged}`,
      );
    }
    const check = await checkStoredState(store, params);
    const problems = [
      check.damage.length > 0 && `damaged records: ${check.damage.map((d) => d.message).join('; ')}`,
      check.mismatchedAccounts > 0 && `${check.mismatchedAccounts} accounts differ from a clean replay`,
      !check.storedDigestMatches && 'the stored state digest differs from a clean replay',
      !check.tipUndoOk && "the tip's undo data is missing or wrong",
      check.height !== height && `the replay ends at ${check.height}, the chain opened at ${height}`,
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`${what}: ${problems.join('; ')}`);
    return { height, healed: storedHeight !== undefined && height > storedHeight };
  } finally {
    await store.close();
  }
}

function rssMb(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

export async function runCrashRounds(opts: CrashOptions): Promise<CrashReport> {
  const log = opts.log ?? (() => {});
  const random = seededRandom(opts.seed); // a failing soak can be replayed from its seed
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const to = encodeAddress(keys[4]!.addressHash, params.addressPrefix);
  const started = Date.now();
  const net = new Net(opts.dir, opts.cairn ?? cairnArgs);
  let healedAtOpen = 0;
  const byScenario: Record<Scenario, number> = { mining: 0, txs: 0, reorg: 0, sync: 0 };
  let convergences = 0;
  let maxDriverRssMb = rssMb();
  /** The next nonce of each dev key, as far as this driver knows (a kill drops the victim's mempool). */
  const nonces = new Map<number, bigint>();

  const converge = async () => {
    for (let i = 0; i < 3; i++) await postJson(`${net.node(i).api}/admin/unblock-peers`, {});
    await mineOne(net, between(0, 2), to); // a fresh block makes every node ask for the best chain
    const agreed = await waitFor(
      'all three nodes on one tip and one state digest',
      async () => {
        const s = await Promise.all([0, 1, 2].map((i) => net.status(i)));
        const same = s.every((x) => x.tipHash === s[0]!.tipHash && x.stateDigest === s[0]!.stateDigest);
        return same ? s[0] : undefined;
      },
      120_000,
      200,
    );
    convergences++;
    log(`  converged: height ${agreed.height}, digest ${agreed.stateDigest.slice(0, 16)}…`);
    return agreed.height;
  };

  try {
    for (let i = 0; i < 3; i++) await net.start(i);
    await waitFor('a connected network', async () => (await net.status(0)).peers >= 2, 60_000);
    for (let h = 0; h < 5; h++) await mineOne(net, h % 3, to);

    for (let round = 0; round < opts.rounds; round++) {
      const scenario = opts.first?.[round] ?? pick(SCENARIOS);
      const victim = between(0, 2);
      const other = (victim + between(1, 2)) % 3;
      const v = net.node(victim);
      let acknowledged = (await net.status(victim)).height;
      let detail = '';
      if (scenario === 'mining') {
        const killAt = Date.now() + between(50, 1_500);
        const mining = (async () => {
          while (Date.now() < killAt) acknowledged = Math.max(acknowledged, await mineOne(net, victim, to));
        })();
        await mining.catch(() => undefined);
        await net.kill(victim);
        detail = `mined to ${acknowledged}`;
      } else if (scenario === 'txs') {
        const killAt = Date.now() + between(200, 2_000);
        let sent = 0;
        const pour = (async () => {
          while (Date.now() < killAt) {
            const k = between(0, 3);
            const from = keys[k]!;
            const fromAddr = encodeAddress(from.addressHash, params.addressPrefix);
            let nonce = nonces.get(k);
            if (nonce === undefined) {
              const acct = await getJson<{ nonce: string }>(`${v.api}/accounts/${fromAddr}`);
              nonce = BigInt(acct.nonce);
            }
            const tx = transfer(
              params,
              { privateKey: from.privateKey, publicKey: from.publicKey, address: from.addressHash },
              keys[(k + 1) % 4]!.addressHash,
              BigInt(between(1, 1_000_000)),
              nonce,
              10_000n,
            );
            const r = await postJson(`${v.api}/txs`, { raw: toHex(encodeTx(tx)) });
            if (r.status === 202) {
              nonces.set(k, nonce + 1n);
              sent++;
            } else nonces.delete(k); // out of step (a reorg returned or dropped txs): ask again
            if (sent % 4 === 0) acknowledged = Math.max(acknowledged, await mineOne(net, victim, to));
          }
        })();
        await pour.catch(() => undefined);
        await net.kill(victim);
        nonces.clear(); // the victim's pending txs died with it
        detail = `${sent} txs, mined to ${acknowledged}`;
      } else if (scenario === 'reorg') {
        // Cut the victim off, let both sides mine, the other side more, then heal and kill mid-switch.
        await postJson(`${v.api}/admin/block-peers`, { peerIds: net.peerIds.filter((_, j) => j !== victim) });
        await waitFor('the victim alone', async () => (await net.status(victim)).peers === 0, 30_000);
        // A deep enough branch that switching takes a while (a fsynced batch per block each way).
        const own = between(4, 12);
        for (let k = 0; k < own; k++) acknowledged = await mineOne(net, victim, to);
        const theirs = own + between(1, 4);
        for (let k = 0; k < theirs; k++) await mineOne(net, other, to);
        await postJson(`${v.api}/admin/unblock-peers`, {});
        // The switch starts once a peer is back: kill somewhere in the next moments.
        await waitFor('the victim reconnected', async () => (await net.status(victim)).peers > 0, 60_000, 20);
        await sleep(between(0, 800));
        await net.kill(victim);
        detail = `own branch ${own}, theirs ${theirs}, acknowledged ${acknowledged}`;
      } else {
        // Down while the others mine, back up, killed while catching up.
        await net.kill(victim);
        const behind = between(10, 40);
        for (let k = 0; k < behind; k++) await mineOne(net, other, to);
        const back = await net.start(victim);
        const target = (await net.status(other)).height;
        const from = acknowledged;
        // Kill it once it is catching up (its height moved, or it says it is syncing), a moment later.
        await waitFor(
          'the victim catching up',
          async () => {
            const s = await getJson<Status & { syncing: boolean }>(`${back.api}/status`);
            acknowledged = Math.max(acknowledged, s.height);
            return s.height > from || s.syncing;
          },
          60_000,
          20,
        );
        const killAt = Date.now() + between(0, 1_500);
        while (Date.now() < killAt && acknowledged < target) {
          acknowledged = Math.max(acknowledged, (await getJson<Status>(`${back.api}/status`)).height);
          await sleep(20);
        }
        await net.kill(victim);
        detail = `${behind} behind, synced to ${acknowledged} of ${target}`;
      }
      byScenario[scenario]++;
      const opened = await checkDatadir(
        net.datadir(victim),
        acknowledged,
        `round ${round} (${scenario}, node${victim}, seed ${opts.seed})`,
      );
      if (opened.healed) healedAtOpen++;
      const back = await net.start(victim);
      const rollback = back.stdout().includes('CHAIN_ROLLBACK');
      if (rollback)
        throw new Error(
          `round ${round}: the restarted node${victim} logged a CHAIN_ROLLBACK after a SIGKILL`,
        );
      maxDriverRssMb = Math.max(maxDriverRssMb, rssMb());
      log(
        `round ${round + 1}/${opts.rounds} ${scenario} node${victim}: ${detail}; opens at ${opened.height}` +
          (opened.healed ? ' (finished the cut reorg at open)' : ''),
      );
      if ((round + 1) % (opts.convergeEvery ?? 10) === 0) await converge();
    }
    const finalHeight = await converge();
    for (let i = 0; i < 3; i++) await net.sampleRss(i);
    return {
      rounds: opts.rounds,
      byScenario,
      maxNodeRssMb: net.maxNodeRssMb,
      maxDriverRssMb,
      convergences,
      healedAtOpen,
      seconds: (Date.now() - started) / 1000,
      finalHeight,
    };
  } finally {
    await net.stopAll();
    await rm(opts.dir, { recursive: true, force: true });
  }
}
