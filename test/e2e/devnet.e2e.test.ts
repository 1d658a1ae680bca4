// The devnet, end to end (issue 7), with real processes: `npm start` runs three `cairn start` nodes on the
// default genesis.json at real difficulty, and every command of README's "Your first ten minutes" is run
// as written (one substitution: the log path), so the walkthrough cannot rot. Then, on the same devnet:
// transfers through every node; a partition whose minority node is killed with SIGKILL while the majority
// out-works it, so that on restart it must recover its datadir, lose its branch and see its tx mined again
// (deterministically, whichever side would have won a fair race); the first node stopped and restarted;
// a second devnet refused; Ctrl-C; and `npm start` resuming the chain.
//
// Every check of money is exact: each node's /accounts must equal a replay of that node's main chain from
// genesis.json (amounts, fees, subsidies), done here from the raw blocks the API serves.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStoredState } from '../../src/chain/reindex.js';
import { addressHash, encodeAddress } from '../../src/consensus/address.js';
import { fromHex, toHex } from '../../src/consensus/bytes.js';
import { decodeBlock, encodeTx } from '../../src/consensus/encoding.js';
import { blockHash, txId } from '../../src/consensus/hash.js';
import { signTx } from '../../src/consensus/signature.js';
import { blockSubsidy } from '../../src/consensus/subsidy.js';
import type { Block } from '../../src/consensus/types.js';
import { loadParams } from '../../src/node/params.js';
import { ChainStore } from '../../src/storage/index.js';
import { parseCoins } from '../../wallet/amount.js';
import { devKeys } from '../../wallet/dev-keys.js';
import {
  freePortRun,
  pidsMentioning,
  ROOT,
  runShell,
  type Spawned,
  signalGroup,
  spawnShell,
  stopGroup,
  waitFor,
  waitForOutput,
} from './helpers.js';

const NODES = 3;
const params = loadParams();
const KEYS = devKeys();
const ADDRESSES = KEYS.map((k) => encodeAddress(k.addressHash, params.addressPrefix));
/** The README's log grep, exactly as printed there; the test runs it with the path of its own devnet. */
const README_GREP = `grep -h '"msg":"reorg"' .devnet/node*/node.log`;

let tmp = '';
let devnetDir = '';
let base = 0;
let env: NodeJS.ProcessEnv = {};
let terminal1: Spawned | undefined;
const timings: string[] = [];

const api = (i: number) => `http://127.0.0.1:${base + 2 * i}`;
const ALL = [...Array(NODES).keys()];

// --- The README walkthrough, parsed -----------------------------------------------------------------

/** The command lines of the fenced block after `<!-- walkthrough:NAME -->`, trailing `# comments` cut. */
function walkthrough(readme: string, name: string): string[] {
  const m = new RegExp(`<!-- walkthrough:${name} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no <!-- walkthrough:${name} --> block`);
  return m[1]!
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

/** Runs one command line as Terminal 2 would, under the test devnet's environment; it must exit 0. */
async function sh(line: string, timeoutMs = 60_000, shown = line): Promise<string> {
  const started = Date.now();
  const r = await runShell(line, { env, timeoutMs });
  timings.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${shown}`);
  if (r.code !== 0) throw new Error(`\`${line}\` exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// --- The API --------------------------------------------------------------------------------------

interface Status {
  height: number;
  tipHash: string;
  chainWork: string;
  peers: number;
  mempool: number;
  stateDigest: string;
}
interface BlockJson {
  hash: string;
  height: number;
  prevHash: string;
  chainWork: string;
  onMainChain: boolean;
  raw: string;
}
interface TxJson {
  status: 'pending' | 'confirmed';
  blockHash?: string;
  height?: number;
}
interface AccountJson {
  balance: string;
  nonce: string;
  nextNonce?: string;
}

async function call<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as T };
}

async function get<T>(url: string): Promise<T> {
  const r = await call<T>(url);
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const status = (i: number) => get<Status>(`${api(i)}/status`);

/** undefined when the node does not know the tx (404). */
async function txOn(i: number, id: string): Promise<TxJson | undefined> {
  const r = await call<TxJson>(`${api(i)}/txs/${id}`);
  if (r.status === 404) return undefined;
  expect(r.status).toBe(200);
  return r.body;
}

async function blockOn(i: number, hash: string): Promise<BlockJson | undefined> {
  const r = await call<BlockJson>(`${api(i)}/blocks/${hash}`);
  if (r.status === 404) return undefined;
  expect(r.status).toBe(200);
  return r.body;
}

async function answering(i: number): Promise<boolean> {
  return status(i).then(
    () => true,
    () => false,
  );
}

// --- An independent ledger: replay a node's main chain from genesis.json -------------------------

const blocks = new Map<string, Block>(); // by hash: a block's bytes are the same on every node

/** A block by hash from node i, decoded, its hash checked against its header. */
async function decoded(i: number, hash: string): Promise<Block> {
  const cached = blocks.get(hash);
  if (cached) return cached;
  const json = await blockOn(i, hash);
  if (!json) throw new Error(`node${i} does not have block ${hash}`);
  const block = decodeBlock(fromHex(json.raw));
  expect(toHex(blockHash(block.header))).toBe(hash);
  blocks.set(hash, block);
  return block;
}

/** The hash of the ancestor of `hash` at `height` (walking prevHash on node i). */
async function ancestor(i: number, hash: string, height: number): Promise<string> {
  let h = hash;
  for (;;) {
    const b = await decoded(i, h);
    if (b.header.height === height) return h;
    if (b.header.height < height) throw new Error(`block ${hash} has no ancestor at height ${height}`);
    h = toHex(b.header.prevHash);
  }
}

interface Ledger {
  /** Every account after the tip: address hash hex → balance and nonce. */
  readonly accounts: Map<string, { balance: bigint; nonce: bigint }>;
  /** balances[h][k]: dev key k's balance after the block at height h. */
  readonly devBalances: bigint[][];
}

/**
 * Applies the chain ending at `tip` to the allocations of genesis.json, by the rules of docs/ARCHITECTURE.md: each
 * tx moves `amount` from sender to recipient and `fee` from the sender to the block's miner, who also gets
 * the height's subsidy; the sender's nonce goes up by one.
 */
async function ledgerAt(i: number, tip: string): Promise<Ledger> {
  const chain: Block[] = [];
  for (let h = tip; ; ) {
    const b = await decoded(i, h);
    if (b.header.height === 0) {
      expect(h).toBe(toHex(params.genesisHash));
      break;
    }
    chain.push(b);
    h = toHex(b.header.prevHash);
  }
  chain.reverse();
  const accounts = new Map<string, { balance: bigint; nonce: bigint }>();
  const account = (hash: Uint8Array) => {
    const key = toHex(hash);
    if (!accounts.has(key)) accounts.set(key, { balance: 0n, nonce: 0n });
    return accounts.get(key)!;
  };
  for (const a of params.allocations) account(a.address).balance += a.amount;
  const snapshot = () => KEYS.map((k) => account(k.addressHash).balance);
  const devBalances = [snapshot()];
  for (const block of chain) {
    let fees = 0n;
    for (const tx of block.txs) {
      const from = account(addressHash(tx.from));
      expect(from.nonce).toBe(tx.nonce);
      from.balance -= tx.amount + tx.fee;
      from.nonce += 1n;
      expect(from.balance >= 0n).toBe(true);
      account(tx.to).balance += tx.amount;
      fees += tx.fee;
    }
    account(block.header.miner).balance += blockSubsidy(block.header.height, params) + fees;
    devBalances.push(snapshot());
  }
  return { accounts, devBalances };
}

/** Node i's tip and the dev accounts at that tip (read between two equal /status tips). */
async function accountsAtTip(i: number): Promise<{ tip: string; accounts: AccountJson[] }> {
  return waitFor(
    `a quiet moment on node${i} to read its accounts at one tip`,
    async () => {
      const before = await status(i);
      const accounts = await Promise.all(ADDRESSES.map((a) => get<AccountJson>(`${api(i)}/accounts/${a}`)));
      const after = await status(i);
      return before.tipHash === after.tipHash ? { tip: before.tipHash, accounts } : undefined;
    },
    20_000,
  );
}

/**
 * Every node's dev accounts equal a replay of its own main chain, and all nodes, read at one moment on one
 * tip, report identical accounts.
 */
async function expectExactBalancesEverywhere(nodes: readonly number[]): Promise<void> {
  const reads = await waitFor(
    'every node read at one tip',
    async () => {
      const r = await Promise.all(nodes.map(accountsAtTip));
      return new Set(r.map((x) => x.tip)).size === 1 ? r : undefined;
    },
    30_000,
    300,
  );
  for (const [n, read] of reads.entries()) {
    const { accounts } = await ledgerAt(nodes[n]!, read.tip);
    KEYS.forEach((k, j) => {
      const want = accounts.get(toHex(k.addressHash)) ?? { balance: 0n, nonce: 0n };
      expect({
        node: nodes[n],
        key: k.name,
        balance: read.accounts[j]!.balance,
        nonce: read.accounts[j]!.nonce,
      }).toEqual({
        node: nodes[n],
        key: k.name,
        balance: want.balance.toString(),
        nonce: want.nonce.toString(),
      });
    });
    expect(read.accounts.map(({ balance, nonce }) => ({ balance, nonce }))).toEqual(
      reads[0]!.accounts.map(({ balance, nonce }) => ({ balance, nonce })),
    );
  }
}

// --- Reorgs, as the nodes log them ----------------------------------------------------------------

interface ReorgLine {
  readonly node: number;
  readonly time: number;
  readonly depth: number;
  readonly oldTip: string;
  readonly newTip: string;
}

async function reorgsSince(since: number, nodes: readonly number[] = ALL): Promise<ReorgLine[]> {
  const out: ReorgLine[] = [];
  for (const node of nodes) {
    const log = await readFile(join(devnetDir, `node${node}`, 'node.log'), 'utf8');
    for (const line of log.split('\n')) {
      if (!line.includes('"msg":"reorg"')) continue;
      // Log lines carry ISO-8601 times (pino with isoTime, src/util/logger.ts).
      const r = JSON.parse(line) as Omit<ReorgLine, 'node' | 'time'> & { time: string };
      const time = Date.parse(r.time);
      if (time >= since) out.push({ node, time, depth: r.depth, oldTip: r.oldTip, newTip: r.newTip });
    }
  }
  return out;
}

/**
 * The logged reorg is what happened: the new tip has more work than the old one (the heaviest chain
 * wins), and `depth` is exactly how many blocks of the old branch lie above the fork point.
 */
async function expectTrueReorg(r: ReorgLine): Promise<void> {
  expect(r.depth).toBeGreaterThanOrEqual(1);
  const oldTip = (await blockOn(r.node, r.oldTip))!;
  const newTip = (await blockOn(r.node, r.newTip))!;
  expect(BigInt(newTip.chainWork)).toBeGreaterThan(BigInt(oldTip.chainWork));
  const fork = oldTip.height - r.depth;
  expect(await ancestor(r.node, r.oldTip, fork)).toBe(await ancestor(r.node, r.newTip, fork));
  expect(await ancestor(r.node, r.oldTip, fork + 1)).not.toBe(await ancestor(r.node, r.newTip, fork + 1));
}

// --- Lifecycle --------------------------------------------------------------------------------------

/**
 * Ctrl-C in Terminal 1 (SIGINT to its whole process group, as a terminal sends it), and the devnet stops
 * cleanly: the supervisor says every node stopped cleanly (it says so, and exits 0, only when each node
 * exited 0 after its own clean shutdown), it leaves no supervisor recorded, each node's log ends with its
 * clean stop, and no process of this devnet is left.
 *
 * The status of the `npm start` job itself is npm's: npm runs the script under `sh -c` and mirrors how
 * that shell ended. A shell that was waiting on its child when the SIGINT came (dash, Debian's sh) dies
 * of the signal once the child has exited 0, so npm reports SIGINT (130 in a terminal); where sh execs
 * the command instead (bash), npm reports the script's 0. Either is a clean Ctrl-C.
 */
async function ctrlCStopsCleanly(t: Spawned): Promise<void> {
  const printed = t.stdout().length;
  const code = await stopGroup(t, 'SIGINT', 40_000);
  expect([0, 'SIGINT']).toContain(code);
  const said = t.stdout().slice(printed);
  expect(said).toContain('all nodes stopped cleanly');
  expect(said).not.toContain('did not stop cleanly');
  const state = JSON.parse(await readFile(join(devnetDir, 'devnet.json'), 'utf8')) as {
    supervisorPid: unknown;
  };
  expect(state.supervisorPid).toBeNull();
  expect(await pidsMentioning(devnetDir)).toEqual([]);
  for (const i of ALL) {
    expect(await answering(i)).toBe(false);
    const log = await readFile(join(devnetDir, `node${i}`, 'node.log'), 'utf8');
    expect(lastLogLine(log)).toContain('"msg":"stopped cleanly"');
  }
}

async function startDevnet(): Promise<Spawned> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const terminal1Lines = walkthrough(readme, 'terminal-1');
  // Terminal 1 is one long-running command; the rest of the walkthrough happens beside it.
  expect(terminal1Lines).toHaveLength(1);
  const t = spawnShell(terminal1Lines[0]!, env);
  await waitForOutput(t, 'Ctrl-C stops every node', 'the devnet to come up (npm start)', 90_000);
  return t;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cairn-devnet-e2e-'));
  devnetDir = join(tmp, 'devnet');
  base = await freePortRun(2 * NODES + 1);
  const inherited = { ...process.env };
  delete inherited.CAIRN_WALLET_PASSWORD; // the README's `export` must be what sets it
  env = {
    ...inherited,
    CAIRN_DEVNET_DIR: devnetDir,
    CAIRN_DEVNET_BASE_PORT: String(base),
    CAIRN_API: api(0),
    CAIRN_WALLET_DIR: join(tmp, 'wallets'),
    CAIRN_WALLET_SCRYPT_N: '1024',
  };
});

afterAll(async () => {
  if (terminal1 && terminal1.child.exitCode === null && terminal1.child.signalCode === null)
    signalGroup(terminal1, 'SIGKILL');
  // Anything still running on this test's datadirs (a node orphaned by a failure) goes too.
  if (tmp) {
    for (const pid of await pidsMentioning(tmp)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await rm(tmp, { recursive: true, force: true });
  }
  if (timings.length > 0) console.log(`devnet e2e command timings:\n${timings.join('\n')}`);
});

describe('devnet (real processes, genesis.json at real difficulty)', () => {
  it('runs the README walkthrough: agree, transfer with exact balances, partition, fork, heal, reorg', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const lines = walkthrough(readme, 'terminal-2');
    // The one substitution: the README's log path becomes this devnet's. The README must still say it.
    expect(lines).toContain(README_GREP);

    const t0 = Date.now();
    terminal1 = await startDevnet();
    timings.push(
      `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s  npm start (until every node is up)`,
    );
    for (const i of ALL) expect(terminal1.stdout()).toContain(`node${i}  ${api(i)}  peer 12D3KooW`);
    for (const a of ADDRESSES) expect(terminal1.stdout()).toContain(a);

    // Every node reaches the same tip, with equal state digests.
    const first = JSON.parse(
      await sh('npm run devnet -- status --json --wait 60', 70_000).then(jsonPart),
    ) as {
      agree: boolean;
      nodes: (Status & { name: string })[];
    };
    expect(first.agree).toBe(true);
    expect(first.nodes.map((n) => n.name)).toEqual(ALL.map((i) => `node${i}`));
    expect(new Set(first.nodes.map((n) => n.tipHash)).size).toBe(1);
    expect(new Set(first.nodes.map((n) => n.stateDigest)).size).toBe(1);

    const hooks = { send: 0, balance: 0, partition: 0, split: 0, heal: 0, grep: 0 };
    let sent: { id: string; height: number; block: string } | undefined;
    let preHeal: Status[] = [];
    let healedAt = 0;
    let received = 0n;
    let sides: number[][] = [];
    for (const line of lines) {
      if (line === README_GREP) {
        hooks.grep++;
        const out = await sh(line.replace('.devnet/', `${devnetDir}/`));
        const logged = out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { depth: number; msg: string });
        expect(logged.length).toBeGreaterThanOrEqual(1);
        for (const l of logged) expect(l).toMatchObject({ msg: 'reorg', depth: expect.any(Number) });
        continue;
      }
      const exported = /^export (\w+)=(\S+)$/.exec(line);
      if (exported) {
        // `export` lasts for the rest of the terminal session: run it, and keep what bash made of it.
        env = { ...env, [exported[1]!]: await sh(`${line}\nprintf %s "$${exported[1]}"`, 10_000, line) };
        continue;
      }
      if (/devnet -- heal$/.test(line)) {
        hooks.heal++;
        preHeal = await Promise.all(ALL.map(status));
        healedAt = Date.now();
      }
      const before = line.includes('cairn-wallet balance') ? await status(0) : undefined;
      const out = await sh(line, 150_000);

      if (line.includes('cairn-wallet send')) {
        hooks.send++;
        const m =
          /^([0-9a-f]{64})\nconfirmed at height (\d+) in block ([0-9a-f]{64}) \(\d+ confirmations?\): sent /m.exec(
            out,
          );
        expect(m, out).not.toBeNull();
        sent = { id: m![1]!, height: Number(m![2]), block: m![3]! };
        // Mined once, and every node says so: same block, on its main chain.
        await waitFor('the transfer confirmed on every node', async () => {
          const seen = await Promise.all(ALL.map((i) => txOn(i, sent!.id)));
          return seen.every((s) => s?.status === 'confirmed' && s.blockHash === sent!.block);
        });
        // The block carries exactly the transfer the command line asked for.
        const args = /--from (\S+) --to (\S+) --amount (\S+)/.exec(line)!;
        const tx = (await decoded(0, sent.block)).txs.find((x) => toHex(txId(x)) === sent!.id)!;
        expect(toHex(addressHash(tx.from))).toBe(toHex(KEYS.find((k) => k.name === args[1])!.addressHash));
        expect(encodeAddress(tx.to, params.addressPrefix)).toBe(args[2]);
        expect(tx.amount).toBe(parseCoins(args[3]!));
        received = tx.amount;
        await expectExactBalancesEverywhere(ALL);
      }
      if (line.includes('cairn-wallet balance')) {
        hooks.balance++;
        // The printed confirmed balance is the wallet's balance on the main chain at some height the
        // command saw, and at least its genesis allocation plus the transfer it received.
        const k = KEYS.findIndex((key) => key.name === /balance (\S+)$/.exec(line)![1]);
        const shown = parseCoins(/confirmed:\s+([0-9.,]+) coins/.exec(out)![1]!.replaceAll(',', ''));
        const after = await status(0);
        const { devBalances } = await ledgerAt(0, after.tipHash);
        const candidates = devBalances.slice(before!.height, after.height + 1).map((b) => b[k]);
        expect(candidates).toContain(shown);
        expect(shown >= devBalances[0]![k]! + received).toBe(true);
      }
      if (/devnet -- partition /.test(line)) {
        hooks.partition++;
        sides = line
          .split(' ')
          .slice(-2)
          .map((g) => g.split(',').map(Number));
        expect(sides.flat().sort()).toEqual(ALL);
      }
      if (line.includes('--expect split')) {
        hooks.split++;
        // Both sides mined their own branch: each side's tip is not on the other side's chain.
        const [a, b] = [sides[0]![0]!, sides[1]![0]!];
        const [sa, sb] = await Promise.all([status(a), status(b)]);
        expect(sa.tipHash).not.toBe(sb.tipHash);
        expect((await blockOn(a, sb.tipHash))?.onMainChain ?? false).toBe(false);
        expect((await blockOn(b, sa.tipHash))?.onMainChain ?? false).toBe(false);
        // Terminal 1 marks the odd one out.
        const seenBefore = terminal1.stdout().length;
        await waitFor(
          'Terminal 1 to mark a FORKED node',
          () => terminal1!.stdout().slice(seenBefore).includes('FORKED'),
          12_000,
          200,
        );
      }
    }
    expect(hooks).toEqual({ send: 1, balance: 1, partition: 1, split: 1, heal: 1, grep: 1 });

    // After the heal every node is on the chain with the most work, and the reorgs are logged truly.
    const heaviestBefore = preHeal.map((s) => BigInt(s.chainWork)).sort((a, b) => (a < b ? 1 : -1))[0]!;
    const final = await waitFor(
      'one tip everywhere',
      async () => {
        const s = await Promise.all(ALL.map(status));
        return new Set(s.map((x) => x.tipHash)).size === 1 ? s[0] : undefined;
      },
      30_000,
      200,
    );
    for (const i of ALL) {
      const tip = (await blockOn(i, final.tipHash))!;
      expect(tip.onMainChain).toBe(true);
      expect(BigInt(tip.chainWork)).toBeGreaterThanOrEqual(heaviestBefore);
    }
    // (A log line reaches node.log through the supervisor's pipe: give it a moment.)
    const reorgs = await waitFor(
      'a reorg in the logs',
      async () => {
        const r = await reorgsSince(healedAt);
        return r.length > 0 ? r : undefined;
      },
      5_000,
      100,
    );
    for (const r of reorgs) await expectTrueReorg(r);
    // The transfer from before the partition is still confirmed, everywhere, and the money is exact.
    for (const i of ALL) expect((await txOn(i, sent!.id))?.status).toBe('confirmed');
    await sh('npm run devnet -- status --wait 60', 70_000);
    await expectExactBalancesEverywhere(ALL);
  }, 300_000);

  it('mines every transfer of `load` through the three nodes, with exact balances on every node', async () => {
    expect(terminal1, 'the devnet of the walkthrough').toBeDefined();
    const TPS = 5;
    const SECONDS = 6;
    const total = TPS * SECONDS;
    const before = await Promise.all(ADDRESSES.map((a) => get<AccountJson>(`${api(0)}/accounts/${a}`)));
    for (const a of before) expect(a.nextNonce ?? a.nonce).toBe(a.nonce); // nothing pending
    const out = await sh(`npm run devnet -- load --tps ${TPS} --seconds ${SECONDS}`);
    expect(out).toContain(
      `sending ${total} transfers between the dev wallets at ${TPS}/s through ${NODES} nodes`,
    );
    expect(out).toMatch(new RegExp(`done in [0-9.]+ s: ${total} accepted\n`));
    // load sends round-robin from the five keys: each sent total / 5, and every one must be mined.
    const perKey = BigInt(total / KEYS.length);
    await waitFor(
      'every transfer mined, on every node',
      async () => {
        for (const i of ALL) {
          if ((await status(i)).mempool !== 0) return false;
          for (const [k, a] of ADDRESSES.entries()) {
            const now = await get<AccountJson>(`${api(i)}/accounts/${a}`);
            if (BigInt(now.nonce) !== BigInt(before[k]!.nonce) + perKey) return false;
          }
        }
        return true;
      },
      120_000,
      500,
    );
    await sh('npm run devnet -- status --wait 60', 70_000);
    await expectExactBalancesEverywhere(ALL);
  }, 200_000);

  it('kill 1 on the losing side of a partition: it recovers its datadir, reorgs, and its tx is mined again', async () => {
    expect(terminal1, 'the devnet of the walkthrough').toBeDefined();
    await sh('npm run devnet -- status --wait 60', 70_000);
    await sh('npm run devnet -- partition 0,2 1');
    await waitFor(
      'node1 cut off from both others',
      async () =>
        (await status(1)).peers === 0 && (await status(0)).peers === 1 && (await status(2)).peers === 1,
      15_000,
      200,
    );

    // A transfer that only the minority side hears of.
    const sender = KEYS[3]!;
    const account = await get<AccountJson>(`${api(1)}/accounts/${ADDRESSES[3]}`);
    const tx = signTx(
      {
        version: 1,
        nonce: BigInt(account.nextNonce ?? account.nonce),
        fee: 20_000n,
        amount: 777_000n,
        to: KEYS[4]!.addressHash,
        from: sender.publicKey,
      },
      sender.privateKey,
      params.genesisHash,
    );
    const id = toHex(txId(tx));
    const posted = await call<{ id: string }>(`${api(1)}/txs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ raw: toHex(encodeTx(tx)) }),
    });
    expect(posted).toEqual({ status: 202, body: { id } });
    const onBranch = await waitFor(
      'node1 to mine the tx on its own branch',
      async () => {
        const t = await txOn(1, id);
        return t?.status === 'confirmed' ? t : undefined;
      },
      90_000,
      250,
    );
    expect(await txOn(0, id)).toBeUndefined();
    expect(await txOn(2, id)).toBeUndefined();

    // SIGKILL while it mines; then the datadir must hold a consistent state that includes the tx.
    const logBefore = terminal1!.stdout().length;
    expect(await sh('npm run devnet -- kill 1')).toContain('node1 killed with SIGKILL');
    expect(await answering(1)).toBe(false);
    expect(terminal1!.stdout().slice(logBefore)).toContain('>> node1 killed with SIGKILL');
    const store = await ChainStore.open(join(devnetDir, 'node1'));
    let killedWork: bigint;
    let lastBlockWork: bigint;
    try {
      const check = await checkStoredState(store, params);
      expect(check.mismatchedAccounts).toBe(0);
      expect(check.storedDigestMatches).toBe(true);
      expect(check.tipUndoOk).toBe(true);
      const tip = (await store.getHeaderEntry((await store.getTip())!))!;
      killedWork = tip.chainWork;
      lastBlockWork = killedWork - (await store.getHeaderEntry(tip.header.prevHash))!.chainWork;
      expect(tip.header.height).toBeGreaterThanOrEqual(onBranch.height!);
      expect(await store.getTxLocation(fromHex(id))).toBeDefined();
    } finally {
      await store.close();
    }

    // Heal while node1 is down, and let the majority out-work node1's branch by more than one block, so
    // that node1 must lose whatever it mines in the moment after it restarts.
    await sh('npm run devnet -- heal');
    await waitFor(
      "the majority to out-work node1's branch",
      async () => BigInt((await status(0)).chainWork) > killedWork + 2n * lastBlockWork,
      120_000,
      500,
    );

    const restartedAt = Date.now();
    expect(await sh('npm run devnet -- start 1', 90_000)).toContain('node1 started');
    await sh('npm run devnet -- status --wait 90', 100_000);
    // node1 reorged away from its branch (logged with its true depth), and the tx went back to the pool
    // and was mined again, in a block of the winning chain, which every node confirms.
    const reorgs = await waitFor(
      'a reorg in node1.log',
      async () => {
        const r = await reorgsSince(restartedAt, [1]);
        return r.length > 0 ? r : undefined;
      },
      5_000,
      100,
    );
    for (const r of reorgs) await expectTrueReorg(r);
    const remined = await waitFor(
      'the tx mined again, on every node',
      async () => {
        const seen = await Promise.all(ALL.map((i) => txOn(i, id)));
        const blocks = new Set(seen.map((t) => (t?.status === 'confirmed' ? t.blockHash : undefined)));
        return blocks.size === 1 && !blocks.has(undefined) ? seen[0] : undefined;
      },
      90_000,
      500,
    );
    expect(remined.blockHash).not.toBe(onBranch.blockHash);
    expect((await blockOn(1, onBranch.blockHash!))?.onMainChain).toBe(false);
    await sh('npm run devnet -- status --wait 60', 70_000);
    await expectExactBalancesEverywhere(ALL);
  }, 300_000);

  it('stop 0: the others keep mining and agree without it; start 0: it catches up', async () => {
    expect(terminal1, 'the devnet of the walkthrough').toBeDefined();
    await sh('npm run devnet -- status --wait 60', 70_000);
    expect(await sh('npm run devnet -- stop 0')).toContain('node0 stopped cleanly');
    expect(await answering(0)).toBe(false);
    expect(lastLogLine(await readFile(join(devnetDir, 'node0', 'node.log'), 'utf8'))).toContain(
      '"msg":"stopped cleanly"',
    );
    const from = (await status(1)).height;
    await waitFor(
      'node1 and node2 to carry on without node0',
      async () => {
        const [a, b] = await Promise.all([status(1), status(2)]);
        return a.height >= from + 2 && b.height >= from + 2;
      },
      120_000,
      500,
    );
    const without = await sh('npm run devnet -- status --wait 60', 70_000);
    expect(without).toMatch(/^node0 +not running$/m);
    expect(without).toContain('all 2 running nodes agree');

    expect(await sh('npm run devnet -- start 0', 90_000)).toContain('node0 started');
    const reached = Math.max((await status(1)).height, (await status(2)).height);
    expect(await sh('npm run devnet -- status --wait 90', 100_000)).toContain('all 3 running nodes agree');
    expect((await status(0)).height).toBeGreaterThanOrEqual(reached);
    await expectExactBalancesEverywhere(ALL);
  }, 250_000);

  it('refuses a second devnet on its dir or ports; Ctrl-C stops every node; npm start resumes the chain', async () => {
    expect(terminal1, 'the devnet of the walkthrough').toBeDefined();
    const same = await runShell('npm start', { env, timeoutMs: 30_000 });
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('a devnet is already running');
    const otherDir = join(tmp, 'other-devnet');
    const other = await runShell('npm start', {
      env: { ...env, CAIRN_DEVNET_DIR: otherDir },
      timeoutMs: 30_000,
    });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`ports already in use: ${base} (node0 API), ${base + 1} (node0 P2P)`);
    expect(await pidsMentioning(otherDir)).toEqual([]);

    await sh('npm run devnet -- status --wait 60', 70_000);
    const last = await status(0);
    await ctrlCStopsCleanly(terminal1!);

    // The next `npm start` resumes the same chain: a block well below the old tip is still there.
    const t0 = Date.now();
    terminal1 = await startDevnet();
    timings.push(`${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s  npm start (resuming)`);
    expect(terminal1.stdout()).toContain('resuming the chain');
    const settled = await get<BlockJson>(`${api(0)}/blocks/${last.height - 3}`);
    expect(BigInt((await status(0)).chainWork)).toBeGreaterThanOrEqual(BigInt(last.chainWork));
    expect(await ancestor(0, last.tipHash, last.height - 3)).toBe(settled.hash);
    await ctrlCStopsCleanly(terminal1);
  }, 150_000);
});

function lastLogLine(log: string): string {
  return log.trimEnd().split('\n').at(-1) ?? '';
}

/** `npm run` prints its banner on stdout before the script's own output: keep the JSON object. */
function jsonPart(out: string): string {
  return out.slice(out.indexOf('{'));
}
