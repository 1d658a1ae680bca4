// Separate hosts in network namespaces, for real: TCP between two namespaces over the devnet bridge,
// a partition that really cuts the link, heal, and a teardown that leaves nothing behind. Needs root;
// without it the test prints one line and skips, except in CI, where it fails.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostAgentConfig, linksToJson } from '../../../scripts/devnet/host-agent.js';
import { parseLinkShape } from '../../../scripts/devnet/link-shape.js';
import {
  checkHostSupport,
  createHosts,
  destroyHosts,
  type HostPlan,
  healHosts,
  listNamespaces,
  namespacePids,
  partitionHosts,
  planHosts,
  setCable,
  spawnInHost,
} from '../../../scripts/devnet/netns.js';

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const reason = await checkHostSupport();
if (reason && process.env.CI) throw new Error(`host-mode tests cannot run in CI: ${reason}`);
if (reason) console.log(`skipped the network-namespace tests: ${reason}`);

// A prefix and subnet of this test's own, so it never touches a devnet a developer is running.
const plan: HostPlan = planHosts(3, { prefix: `ct${process.pid % 10000}`, subnet: 201 });
const PORT = 7411;

/** Round-trip time in ms of 'ping' from host `from` to ADDRESS:PORT, measured inside `from`. */
function rttFrom(from: number, host: string, port: number): Promise<number> {
  const script = `
    const s = require('node:net').createConnection({ host: '${host}', port: ${port} });
    const t = setTimeout(() => process.exit(2), 5000);
    s.on('connect', () => { const t0 = performance.now(); s.write('ping');
      s.on('data', () => { console.log(Math.round(performance.now() - t0)); process.exit(0); }); });
    s.on('error', () => process.exit(3));`;
  const child = spawnInHost(plan.nodes[from]!, process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(Number(out.trim())) : reject(new Error(`rtt exit ${code}`)),
    ),
  );
}

/** Runs a one-shot TCP client inside host `from`: resolves true if it got its bytes echoed by `to`. */
function reach(from: number, to: number, timeoutMs = 1500): Promise<boolean> {
  const script = `
    const s = require('node:net').createConnection({ host: '${plan.nodes[to]!.address}', port: ${PORT} });
    const t = setTimeout(() => process.exit(2), ${timeoutMs});
    s.on('connect', () => s.write('ping'));
    s.on('data', (d) => { if (String(d) === 'ping') { clearTimeout(t); process.exit(0); } });
    s.on('error', () => process.exit(3));`;
  const child = spawnInHost(plan.nodes[from]!, process.execPath, ['-e', script], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code === 0)));
}

describe.skipIf(reason !== undefined)('network-namespace hosts', () => {
  const servers: ReturnType<typeof spawnInHost>[] = [];

  beforeAll(async () => {
    await createHosts(plan);
    for (const node of plan.nodes) {
      const script = `require('node:net').createServer((s) => s.pipe(s)).listen(${PORT}, '${node.address}', () => console.log('up'))`;
      const child = spawnInHost(node, process.execPath, ['-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      servers.push(child);
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    }
  });

  afterAll(async () => {
    for (const s of servers) s.kill('SIGKILL');
    await destroyHosts(plan);
  });

  it('gives each host its own address and lets them talk over the bridge', async () => {
    const addrs = execFileSync('ip', ['-n', plan.nodes[1]!.ns, '-4', 'addr', 'show', 'eth0']).toString();
    expect(addrs).toContain(`${plan.nodes[1]!.address}/24`);
    expect(await reach(0, 1)).toBe(true);
    expect(await reach(2, 0)).toBe(true);
  });

  it('keeps the root namespace from sending to the devnet subnet', () => {
    // `ip route get` only asks the kernel's routing table (no packet is sent): it refuses the address.
    const route = () => execFileSync('ip', ['route', 'get', plan.nodes[0]!.address], { stdio: 'pipe' });
    expect(route).toThrow(/No route to host|unreachable/i);
    expect(execFileSync('ip', ['route', 'show', plan.cidr]).toString()).toMatch(/^unreachable/);
  });

  it('a partition cuts the link between the groups only; heal restores it', async () => {
    await partitionHosts(plan, [[0, 1], [2]]);
    expect(await reach(0, 1)).toBe(true);
    expect(await reach(0, 2, 800)).toBe(false);
    expect(await reach(2, 1, 800)).toBe(false);
    await healHosts(plan);
    expect(await reach(0, 2)).toBe(true);
  });

  it('a partition into three groups gives each its own bridge', async () => {
    await partitionHosts(plan, [[0], [1], [2]]);
    expect(await reach(0, 1, 800)).toBe(false);
    expect(await reach(1, 2, 800)).toBe(false);
    expect(await reach(2, 0, 800)).toBe(false);
    await healHosts(plan);
    expect(await reach(0, 1)).toBe(true);
    expect(await reach(1, 2)).toBe(true);
  });

  it('pulling one cable isolates that host', async () => {
    await setCable(plan, 1, false);
    expect(await reach(0, 1, 800)).toBe(false);
    expect(await reach(0, 2)).toBe(true);
    await setCable(plan, 1, true);
    expect(await reach(0, 1)).toBe(true);
  });

  it('the host agent shapes the link by source host and forwards the loopback API out of the namespace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-agent-'));
    const linksFile = join(dir, 'links.json');
    const node1 = plan.nodes[1]!;
    // Host 1's "node": an echo server on its namespace's loopback only.
    const inner = spawnInHost(
      node1,
      process.execPath,
      [
        '-e',
        `require('node:net').createServer((s) => s.pipe(s)).listen(7500, '127.0.0.1', () => console.log('up'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => inner.stdout!.once('data', () => resolve()));
    writeFileSync(linksFile, linksToJson({ [plan.nodes[0]!.address]: parseLinkShape({ delay: '80ms' }) }));
    const config: HostAgentConfig = {
      p2pListen: { host: node1.address, port: 7501 },
      p2pTarget: { host: '127.0.0.1', port: 7500 },
      apiSocket: join(dir, 'api.sock'),
      apiTarget: { host: '127.0.0.1', port: 7500 },
      linksFile,
    };
    writeFileSync(join(dir, 'agent.json'), JSON.stringify(config));
    const agent = spawnInHost(
      node1,
      process.execPath,
      ['--import', 'tsx', 'scripts/devnet/host-agent.ts', join(dir, 'agent.json')],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => agent.stdout!.once('data', () => resolve()));
      // From host 0 the link is 80 ms each way; from host 2 it is not shaped.
      expect(await rttFrom(0, node1.address, 7501)).toBeGreaterThanOrEqual(159);
      expect(await rttFrom(2, node1.address, 7501)).toBeLessThan(80);
      // The loopback-only service inside host 1 answers in the root namespace through the socket.
      const s = createConnection({ path: config.apiSocket });
      const echoed = await new Promise<string>((resolve, reject) => {
        s.on('connect', () => s.write('hello'));
        s.on('data', (d) => resolve(String(d)));
        s.on('error', reject);
      });
      s.destroy();
      expect(echoed).toBe('hello');
      // A links file that does not parse (a hand edit gone wrong) leaves the links as they were and the
      // agent running: its node stays on the network.
      writeFileSync(linksFile, '{"198.18.');
      await new Promise((r) => setTimeout(r, 500));
      expect(agent.exitCode).toBeNull();
      expect(await rttFrom(0, node1.address, 7501)).toBeGreaterThanOrEqual(159);
      // Rewriting the links file reshapes the link without a restart, and the agent says so with the
      // file's version (what `devnet link` waits on): from that line on, the link is unshaped.
      let said = '';
      agent.stdout!.on('data', (d) => (said += d));
      writeFileSync(linksFile, linksToJson({}, 1));
      await waitUntil(async () => said.split('\n').includes('links 1'), 5000);
      expect(await rttFrom(0, node1.address, 7501)).toBeLessThan(80);
    } finally {
      agent.kill('SIGTERM');
      inner.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('teardown removes every namespace and the guard route, even after a crash left them', async () => {
    // A second create on top of the first must clean up first (a supervisor that crashed).
    await createHosts(plan);
    const mine = (await listNamespaces()).filter((ns) => ns.startsWith(plan.prefix));
    expect(mine.sort()).toEqual([plan.hub, ...plan.nodes.map((n) => n.ns)].sort());
    // What a crashed supervisor leaves: a process still running inside a namespace. Teardown kills it.
    const leftover = spawnInHost(plan.nodes[0]!, process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    const gone = new Promise((resolve) => leftover.on('exit', (_code, signal) => resolve(signal)));
    await waitUntil(async () => (await namespacePids(plan.nodes[0]!.ns)).includes(leftover.pid!), 5000);
    for (const s of servers) s.kill('SIGKILL');
    expect(await destroyHosts(plan)).toBe(4);
    expect(await gone).toBe('SIGKILL');
    expect((await listNamespaces()).filter((ns) => ns.startsWith(plan.prefix))).toEqual([]);
    const routes = execFileSync('ip', ['route', 'show', plan.cidr]).toString();
    expect(routes).not.toMatch(/unreachable/);
  });
});
