// The devnet's command line (scripts/devnet.ts runs it). `up` supervises; every other command acts on the
// running devnet: status reads the nodes directly, the rest ask the supervisor's loopback server.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseCoins } from '../../wallet/amount.js';
import { attackCommand } from './attack/command.js';
import { cleanLeftovers } from './host-network.js';
import { post, sleep } from './http.js';
import { parseLinkShape } from './link-shape.js';
import { load } from './load.js';
import { DevnetInputError, describeGroups, partitionGroups, type Unreachable } from './partition.js';
import { DEFAULT_BASE_PORT, type DevnetState, findNode, isAlive, type NodeSpec, readState } from './state.js';
import { statusCommand } from './status.js';
import { up } from './up.js';

function fail(message: string, code = 1): never {
  console.error(`devnet: ${message}`);
  process.exit(code);
}

function runningState(): DevnetState {
  const state = readState();
  if (!state || !isAlive(state.supervisorPid)) fail('no devnet is running: start one with `npm start`');
  return state;
}

function nodeByName(state: DevnetState, text: string): NodeSpec {
  const node = findNode(state, text);
  if (!node) fail(`no node "${text}": this devnet has ${state.nodes.map((n) => n.name).join(', ')}`);
  return node;
}

async function partition(groupsText: string[]): Promise<void> {
  const state = runningState();
  let names: string[];
  try {
    names = partitionGroups(state, groupsText).map((g) => g.map((n) => n.name).join(','));
  } catch (e) {
    if (e instanceof DevnetInputError) fail(e.message);
    throw e;
  }
  const r = await post<{ groups: string[][]; unreachable: Unreachable[] }>(
    `${state.control}/devnet/partition`,
    { groups: names },
    30_000,
  ).catch((e: Error) => fail(e.message));
  for (const u of r.unreachable)
    console.log(`${u.name}: not reachable (${u.message}); it will not be partitioned`);
  console.log(`partitioned: ${describeGroups(r.groups.map((g) => g.map((name) => ({ name }))))}`);
  console.log('watch: each side mines its own branch; `npm run devnet -- status` shows the tips diverge.');
  console.log('then: `npm run devnet -- heal`, and the branch with the most work wins everywhere.');
}

async function heal(): Promise<void> {
  const state = runningState();
  const r = await post<{ unreachable: Unreachable[] }>(`${state.control}/devnet/heal`, {}, 30_000).catch(
    (e: Error) => fail(e.message),
  );
  for (const u of r.unreachable) console.log(`${u.name}: not reachable (${u.message})`);
  console.log('healed: every node may reach every other again.');
  console.log(
    'watch: the nodes exchange status, the lighter side reorgs to the heavier chain (see "reorg" in',
  );
  console.log(
    '.devnet/nodeN/node.log with its depth), and `npm run devnet -- status --wait 60` exits 0 once all agree.',
  );
}

async function control(op: 'stop' | 'start' | 'kill', name: string): Promise<void> {
  const state = runningState();
  const node = nodeByName(state, name);
  try {
    await post(`${state.control}/devnet/nodes/${node.name}/${op}`, {}, 90_000);
  } catch (e) {
    fail((e as Error).message);
  }
  const what = {
    stop: `${node.name} stopped cleanly. Watch: the others keep mining and stay in sync without it.`,
    kill: `${node.name} killed with SIGKILL (no clean shutdown). Start it again to see it recover its datadir.`,
    start: `${node.name} started. Watch: it syncs the blocks it missed and rejoins (status shows it catch up).`,
  };
  console.log(what[op]);
}

async function link(
  links: string[],
  flags: { delay?: string; jitter?: string; bandwidth?: string; loss?: string; clear?: boolean },
): Promise<void> {
  const state = runningState();
  const { clear, ...shape } = flags;
  if (!clear && Object.values(shape).every((v) => v === undefined))
    fail('say how to shape the link: --delay, --jitter, --bandwidth, --loss (or --clear)');
  try {
    parseLinkShape(shape);
  } catch (e) {
    fail((e as Error).message);
  }
  const r = await post<{ links: string[]; shape: string }>(
    `${state.control}/devnet/link`,
    { links, shape, clear: Boolean(clear) },
    30_000,
  ).catch((e: Error) => fail(e.message));
  console.log(`links ${r.links.join(' ')}: ${r.shape}`);
  console.log(
    'watch: blocks and txs crossing these links arrive later (the dashboard shows who saw what when).',
  );
}

/** `down`: stop a running devnet, or clean up what a crashed supervisor left (host mode's namespaces). */
async function down(): Promise<void> {
  const state = readState();
  if (!state) fail('no devnet here');
  if (isAlive(state.supervisorPid)) {
    process.kill(state.supervisorPid!, 'SIGTERM');
    const deadline = Date.now() + 90_000;
    while (isAlive(state.supervisorPid) && Date.now() < deadline) await sleep(200);
    if (isAlive(state.supervisorPid))
      fail(`the supervisor (pid ${state.supervisorPid}) did not stop within 90 s`);
    console.log('the devnet stopped');
    return;
  }
  if (state.hosts) {
    const removed = await cleanLeftovers(state.hosts, state.nodes.length);
    console.log(`no supervisor was running; removed ${removed} network namespaces it left behind`);
  } else console.log('no devnet is running');
}

async function send(flags: { from: string; to: string; amount: string; node?: string }): Promise<void> {
  const state = runningState();
  try {
    parseCoins(flags.amount);
  } catch (e) {
    fail((e as Error).message);
  }
  const r = await post<{ id: string; node: string }>(`${state.control}/devnet/transfer`, flags, 30_000).catch(
    (e: Error) => fail(e.message),
  );
  console.log(`${r.id}\nsent ${flags.amount} coins from ${flags.from} to ${flags.to} through ${r.node}`);
}

function int(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max)
      throw new InvalidArgumentError(`--${name} must be ${min}..${max}`);
    return n;
  };
}

export function devnetProgram(): Command {
  const program = new Command('devnet').description('run and steer a local multi-node Cairn devnet');
  program
    .command('up', { isDefault: true })
    .description('start the devnet and supervise it until Ctrl-C')
    .option('--nodes <n>', 'how many nodes', int('nodes', 1, 20), 3)
    .option(
      '--miners <m>',
      'how many of them mine (the first m, each flat out), or each miner’s share of the hash power, e.g. 0:60,1:40',
      (v: string) => (/^\d+$/.test(v) ? int('miners', 0, 20)(v) : v),
      2,
    )
    .option(
      '--seed <n>',
      'the seed of the shares’ lottery (with --miners N:P,…)',
      int('seed', 0, 2 ** 32 - 1),
    )
    .option(
      '--base-port <p>',
      'node i uses ports P+2i (API) and P+2i+1 (P2P); the supervisor (dashboard, controls) the next one',
      int('base-port', 1024, 65000),
      DEFAULT_BASE_PORT,
    )
    .option('--threads <n>', 'mining threads per miner', int('threads', 1, 64), 1)
    .option('--regtest', 'use the built-in regtest chain (instant blocks) instead of genesis.json')
    .option('--fresh', 'wipe .devnet/ and start a new chain')
    .option(
      '--hosts',
      'each node on a host of its own: a Linux network namespace with its own address on a devnet LAN (root)',
    )
    .action((flags) => up(flags, fail));
  program
    .command('status')
    .description(
      'every node’s tip, peers and state digest; exits 0 only if all running nodes agree (or, with --expect split, differ)',
    )
    .option('--json', 'print JSON')
    .option(
      '--wait <seconds>',
      'keep checking until they agree or this many seconds pass',
      int('wait', 0, 3600),
    )
    .addOption(
      new Option(
        '--expect <what>',
        'agree: one tip and state everywhere; split: the nodes are on diverged branches',
      )
        .choices(['agree', 'split'])
        .default('agree'),
    )
    .action((flags) => {
      const state = readState();
      if (!state) fail('no devnet here: start one with `npm start`');
      return statusCommand(state, flags);
    });
  program
    .command('partition')
    .description('split the nodes into groups that cannot reach each other, e.g. `partition 0,1 2`')
    .argument('<groups...>', 'comma-separated node names or indexes, one argument per group')
    .action(partition);
  program.command('heal').description('end a partition').action(heal);
  for (const op of ['stop', 'start', 'kill'] as const) {
    program
      .command(op)
      .description(
        {
          stop: 'stop a node cleanly',
          start: 'start a stopped node',
          kill: 'kill a node with SIGKILL (crash test)',
        }[op],
      )
      .argument('<node>', 'node name or index')
      .action((name: string) => control(op, name));
  }
  program
    .command('load')
    .description('a bounded stream of signed transfers between the dev wallets, through different nodes')
    .requiredOption('--tps <r>', 'transfers per second', int('tps', 1, 1000))
    .requiredOption('--seconds <s>', 'for how long', int('seconds', 1, 3600))
    .action((flags) => load(runningState(), flags).catch((e: Error) => fail(e.message)));
  program
    .command('link')
    .description(
      'shape links between host-mode nodes (--hosts): `link 0-1 --delay 200ms --loss 2%`, `link 3 …` (every link of node 3), `link all …`',
    )
    .argument('<links...>', '0-1 (a link), 3 (every link of a node) or all')
    .option('--delay <ms>', 'one-way delay, e.g. 200ms or 0.2s')
    .option('--jitter <ms>', 'extra random delay 0..jitter per segment (never reordered)')
    .option('--bandwidth <rate>', 'e.g. 1mbit, 500kbit, 2MB (bytes/s), unlimited')
    .option('--loss <rate>', 'segments lost and retransmitted by TCP, e.g. 2% (arrive one RTO late)')
    .option('--clear', 'make the links unshaped again')
    .action(link);
  program
    .command('down')
    .description('stop the running devnet, or clean up what a crashed one left (host-mode namespaces)')
    .action(down);
  program
    .command('send')
    .description('one transfer from a dev wallet (what the dashboard’s send does)')
    .requiredOption('--from <key>', 'a dev key: dev0 … dev4 (or 0 … 4)')
    .requiredOption('--to <key-or-address>', 'a dev key or an address')
    .requiredOption('--amount <coins>', 'in coins, e.g. 1.5')
    .option('--node <node>', 'the node to post it to (default: the first that answers)')
    .action(send);
  attackCommand(program, fail);
  return program;
}
