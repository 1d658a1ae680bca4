// `devnet -- up` (what `npm start` runs): check the ports, start the nodes one by one under a Supervisor,
// serve the controls, the merged event stream and the dashboard on the supervisor's port, print where
// everything is and the funded dev wallets, then one status line per node every few seconds until Ctrl-C.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAddress } from '../../src/consensus/address.js';
import { DEV_MNEMONIC, devKeys } from '../../wallet/dev-keys.js';
import { type MinerShare, parseMinerShares } from './attack/lottery.js';
import { ControlServer } from './control-server.js';
import { EventHub } from './event-hub.js';
import { cleanLeftovers, HostNetwork, hostsSpecFromEnv, withAddresses } from './host-network.js';
import { portFree, sleep } from './http.js';
import { checkHostSupport } from './netns.js';
import { ShareScheduler } from './shares.js';
import {
  apiOf,
  controlPortOf,
  DEVNET_DIR,
  type DevnetState,
  datadirOf,
  devnetParams,
  isAlive,
  nodeSpecs,
  readState,
  writeState,
} from './state.js';
import { printSupervisorStatus } from './status.js';
import { Supervisor } from './supervisor.js';

const STATUS_EVERY_MS = 5_000;

export interface UpFlags {
  nodes: number;
  /** How many nodes mine (the first ones, each flat out), or shares of the hash power: "0:60,1:40". */
  miners: number | string;
  /** The seed of the shares' lottery (default: the clock). */
  seed?: number;
  basePort: number;
  fresh?: boolean;
  regtest?: boolean;
  threads: number;
  /** Each node in a network namespace of its own (Linux, root): separate hosts on one LAN. */
  hosts?: boolean;
}

/** Prints why and exits 1 (the caller's `fail`). */
type Fail = (message: string) => never;

export async function up(flags: UpFlags, fail: Fail): Promise<void> {
  let shares: MinerShare[] | undefined;
  if (typeof flags.miners === 'string') {
    try {
      shares = parseMinerShares(flags.miners, flags.nodes);
    } catch (e) {
      fail(`--miners: ${(e as Error).message}`);
    }
  } else if (flags.miners > flags.nodes) fail(`--miners ${flags.miners} is more than --nodes ${flags.nodes}`);
  const continuous = shares ? 0 : (flags.miners as number);
  const previous = readState();
  if (previous && isAlive(previous.supervisorPid)) {
    fail(`a devnet is already running (supervisor pid ${previous.supervisorPid}); stop it with Ctrl-C there`);
  }
  const hostsSpec = flags.hosts ? hostsSpecFromEnv() : undefined;
  if (hostsSpec) {
    const why = await checkHostSupport();
    if (why) fail(`${why}: \`npm start\` runs the same devnet on 127.0.0.1`);
  }
  // A supervisor that crashed (SIGKILL, power cut) left its namespaces and their processes: clean them.
  if (previous?.hosts && (await checkHostSupport()) === undefined) {
    const removed = await cleanLeftovers(previous.hosts, previous.nodes.length);
    if (removed > 0) console.log(`note: removed ${removed} network namespaces a previous devnet left behind`);
  }
  if (flags.fresh) rmSync(DEVNET_DIR, { recursive: true, force: true });
  const resumed = !flags.fresh && previous;
  if (resumed && (previous.nodes.length !== flags.nodes || previous.regtest !== Boolean(flags.regtest))) {
    console.log('note: the devnet in .devnet/ has a different shape; starting over (--fresh)');
    rmSync(DEVNET_DIR, { recursive: true, force: true });
  }
  const specs = nodeSpecs(flags.nodes, continuous, flags.basePort);
  const nodes = hostsSpec ? withAddresses(specs, hostsSpec) : specs;
  const controlPort = controlPortOf(flags.nodes, flags.basePort);
  const taken: string[] = [];
  for (const n of nodes) {
    if (!(await portFree(n.apiPort, '127.0.0.1'))) taken.push(`${n.apiPort} (${n.name} API)`);
    // In host mode P2P ports are inside each node's namespace, where nothing else runs.
    if (!hostsSpec && !(await portFree(n.p2pPort, '0.0.0.0'))) taken.push(`${n.p2pPort} (${n.name} P2P)`);
  }
  if (!(await portFree(controlPort, '127.0.0.1'))) taken.push(`${controlPort} (devnet control)`);
  if (taken.length > 0) {
    fail(`ports already in use: ${taken.join(', ')}. Stop what uses them, or pick others with --base-port`);
  }
  const state: DevnetState = {
    basePort: flags.basePort,
    regtest: Boolean(flags.regtest),
    threads: flags.threads,
    ...(shares ? { shares } : {}),
    nodes,
    ...(hostsSpec ? { hosts: hostsSpec } : {}),
    control: `http://127.0.0.1:${controlPort}`,
    supervisorPid: process.pid,
  };
  await writeState(state);
  let network: HostNetwork | undefined;
  if (hostsSpec) {
    for (const n of nodes) mkdirSync(datadirOf(n), { recursive: true });
    network = new HostNetwork({ ...state, hosts: hostsSpec });
    try {
      await network.create();
    } catch (e) {
      await network.close().catch(() => {});
      fail(`could not build the host network: ${(e as Error).message}`);
    }
  }
  const sup = new Supervisor(state, DEVNET_DIR, network);
  const hub = new EventHub(nodes.map((n) => ({ name: n.name, url: `${apiOf(n)}/events` })));
  const server = new ControlServer({ state, supervisor: sup, hub, hosts: network });
  sup.on('started', (node) => hub.reconnectNow(node.name));
  const scheduler = shares
    ? new ShareScheduler(state, shares, (n) => sup.isRunning(n), flags.seed ?? Date.now() % 2 ** 32)
    : undefined;
  let stopping = false;
  const stopAll = async () => {
    await scheduler?.stop();
    const clean = await sup.shutdown();
    await server.close();
    if (network) {
      await network.close();
      console.log('the host network is gone: namespaces, bridge, relays, and the guard route');
    }
    return clean;
  };
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    stopAll().then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal); // the terminal closed: the nodes, in their own groups, would live on
  if (network) {
    // A bug in the supervisor must not leave namespaces and processes behind: tear down, then report it.
    process.on('uncaughtException', (e) => {
      console.error(`devnet: supervisor crashed: ${e.stack ?? e.message}`);
      if (stopping) return;
      stopping = true;
      stopAll().finally(() => process.exit(1));
    });
  }
  await server.listen(controlPort);
  hub.start();

  console.log(
    `Cairn devnet: ${flags.nodes} nodes, ${shares ? shares.length : continuous} mining, on ${flags.regtest ? 'regtest' : 'genesis.json (real difficulty)'}` +
      `${existsSync(join(DEVNET_DIR, 'node0', 'chain')) ? ', resuming the chain in .devnet/' : ''}` +
      `${network ? `, each on its own host (namespaces ${network.plan.prefix}-n*, LAN ${network.plan.cidr})` : ''}`,
  );
  // First, so a learner can open it while the nodes start (the page shows each node as it comes up).
  console.log(`Live dashboard: ${state.control}/  (open it in a browser)\n`);
  const started = async (node: (typeof nodes)[number]) => {
    const info = await sup.startNode(node);
    const where = node.address ? `  host ${node.address}` : '';
    const share = shares?.find((s) => s.node === node.index);
    const mining = node.miner
      ? '  (mining)'
      : share
        ? `  (mining, ${share.share * 100} % of the hash power)`
        : '';
    console.log(`${node.name}  ${info.api}${where}  peer ${info.peerId}${mining}`);
  };
  try {
    // Host mode knows every address in advance, so the nodes start together and dial each other by
    // address; on loopback each node is told the peer ids of the ones before it, so they start in turn.
    if (network) await Promise.all(nodes.map(started));
    else for (const node of nodes) await started(node);
  } catch (e) {
    console.error(`devnet: ${(e as Error).message}`);
    stopping = true;
    await stopAll();
    process.exit(1);
  }
  const prefix = devnetParams(state).addressPrefix;
  console.log(
    '\nFunded development wallets (PUBLIC keys from a well-known mnemonic: never use them for value):',
  );
  for (const k of devKeys()) console.log(`  ${k.name}  ${encodeAddress(k.addressHash, prefix)}`);
  console.log(`  mnemonic: "${DEV_MNEMONIC}"`);
  console.log('  import them with: npx cairn-wallet import-dev');
  console.log(
    `\nLive dashboard: ${state.control}/  (every node's events merged: ${state.control}/devnet/events)`,
  );
  console.log(
    '\nFrom another terminal: npm run devnet -- status | partition 0,1 2 | heal | stop 1 | start 1 | kill 1',
  );
  console.log('                       npm run devnet -- load --tps 5 --seconds 30');
  console.log('Ctrl-C stops every node.\n');
  if (scheduler) {
    console.log(`${scheduler.describe()}\n`);
    scheduler.start();
  }
  while (!stopping) {
    await printSupervisorStatus(state, (n) => sup.isRunning(n));
    if (scheduler) for (const line of await scheduler.summary()) console.log(line);
    await sleep(STATUS_EVERY_MS);
  }
}
