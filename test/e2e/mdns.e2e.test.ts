// `cairn start --mdns` on a LAN, for real (issue 15): three `cairn start` processes, each on a host of its
// own (a Linux network namespace on a bridge this test builds, addresses in 198.18.0.0/15 that exist only
// there), started with no --peer at all. They find each other by multicast DNS, connect (the peer manager
// dials what mDNS reports: libp2p itself dials nobody), and a block mined on one reaches the others. On
// the same hosts: P2P listens on every interface while the API answers on the host's loopback only.
//
// Multicast never leaves these namespaces. Needs root; without it the test prints one line and skips,
// except in CI (CI=true), where that is a failure.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHostSupport, createHosts, destroyHosts, planHosts } from '../../scripts/devnet/netns.js';
import { encodeAddress } from '../../src/consensus/address.js';
import { loadParams } from '../../src/node/params.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { cairnArgs, ROOT, waitFor } from './helpers.js';

const reason = await checkHostSupport();
if (reason && process.env.CI) throw new Error(`the mDNS e2e test cannot run in CI: ${reason}`);
if (reason) console.log(`skipped the mDNS e2e test: ${reason}`);

const plan = planHosts(3, { prefix: `m${process.pid % 100_000}`, subnet: 200 + (process.pid % 50) });
const API = 8645;
const P2P = 8646;
const MINER = encodeAddress(devKeys()[0]!.addressHash, loadParams({ regtest: true }).addressPrefix);

let dir = '';
const nodes: { child: ChildProcess; datadir: string; log: () => string }[] = [];

/** Runs a short Node script inside host `i` (bounded) and resolves with what it printed. */
function inHost(i: number, script: string, timeoutMs = 60_000): Promise<string> {
  const child = spawn('ip', ['netns', 'exec', plan.nodes[i]!.ns, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else reject(new Error(`script in host ${i} exited ${code}: ${err.slice(-500)}`));
    }),
  );
}

/** Inside host `i`: polls its own API until `done(status)` holds (or 50 s pass), prints the status. */
const waitForStatus = (i: number, condition: string) =>
  inHost(
    i,
    `const deadline = Date.now() + 50000;
     (async () => {
       for (;;) {
         const s = await fetch('http://127.0.0.1:${API}/status').then((r) => r.json()).catch(() => undefined);
         if (s && (${condition})) { console.log(JSON.stringify(s)); return; }
         if (Date.now() > deadline) { console.error('last status ' + JSON.stringify(s)); process.exit(2); }
         await new Promise((r) => setTimeout(r, 200));
       }
     })();`,
  ).then((text) => JSON.parse(text) as { height: number; tipHash: string; peers: number });

describe.skipIf(reason !== undefined)('cairn start --mdns on a LAN of namespaces', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `cairn-mdns-${process.pid}-`));
    await createHosts(plan);
    for (const [i, host] of plan.nodes.entries()) {
      const datadir = join(dir, `n${i}`);
      const args = cairnArgs('start', '--regtest', '--mdns', '--datadir', datadir);
      args.push('--api-port', String(API), '--p2p-port', String(P2P));
      const child = spawn('ip', ['netns', 'exec', host.ns, process.execPath, ...args], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      child.stdout!.on('data', (d) => (log += d));
      child.stderr!.on('data', (d) => (log += d));
      nodes.push({ child, datadir, log: () => log });
    }
    // Up when each has written node.json (it listens); startup is slow on a loaded machine.
    for (const [i, n] of nodes.entries()) {
      await waitFor(
        `node ${i} to start`,
        async () => {
          if (n.child.exitCode !== null) throw new Error(`node ${i} exited: ${n.log().slice(-1000)}`);
          return readFile(join(n.datadir, 'node.json'), 'utf8').catch(() => undefined);
        },
        150_000,
        200,
      );
    }
  }, 180_000);

  afterAll(async () => {
    for (const n of nodes) n.child.kill('SIGKILL');
    await destroyHosts(plan);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('finds the other nodes with no --peer, connects and shares blocks', async () => {
    // Each node sees both others (mDNS answers come from every host on the bridge).
    const before = await Promise.all([0, 1, 2].map((i) => waitForStatus(i, 's.peers >= 2')));
    expect(before.map((s) => s.height)).toEqual([0, 0, 0]);
    for (const n of nodes) expect(n.log()).toMatch(/"msg":"peer discovered"/);
    const mined = JSON.parse(
      await inHost(
        0,
        `fetch('http://127.0.0.1:${API}/mine', { method: 'POST', headers: { 'content-type': 'application/json' },
           body: JSON.stringify({ blocks: 2, to: '${MINER}' }) }).then((r) => r.json()).then((j) => console.log(JSON.stringify(j)));`,
      ),
    ) as { hashes: string[] };
    const after = await Promise.all([1, 2].map((i) => waitForStatus(i, 's.height === 2')));
    for (const s of after) expect(s.tipHash).toBe(mined.hashes[1]);
  }, 150_000);

  it('listens for P2P on every interface but answers the API on loopback only', async () => {
    const info = JSON.parse(await readFile(join(nodes[0]!.datadir, 'node.json'), 'utf8')) as {
      multiaddrs: string[];
    };
    // node.json lists loopback first, then the LAN address another machine would dial.
    expect(info.multiaddrs[0]).toMatch(/^\/ip4\/127\.0\.0\.1\//);
    expect(info.multiaddrs.some((a) => a.startsWith(`/ip4/${plan.nodes[0]!.address}/tcp/${P2P}/p2p/`))).toBe(
      true,
    );
    const probe = (port: number) =>
      inHost(
        1,
        `const s = require('node:net').createConnection({ host: '${plan.nodes[0]!.address}', port: ${port} });
         s.on('connect', () => { console.log('open'); s.destroy(); });
         s.on('error', (e) => console.log(e.code));`,
      );
    expect(await probe(P2P)).toBe('open');
    expect(await probe(API)).toBe('ECONNREFUSED');
  }, 60_000);
});
