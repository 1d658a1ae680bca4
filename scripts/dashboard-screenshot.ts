// `npm run screenshot`: docs/dashboard.png, the dashboard mid-fork. Two regtest nodes (`cairn start`),
// 30 blocks, a partition in which each side mines its own branch, then the heal and the reorg, shot in
// headless Chromium (Debian's /usr/bin/chromium, as the browser tests use).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDashboard } from '../web/build.js';
import { launchChromium } from './lib/chromium.js';

const root = join(import.meta.dirname, '..');

interface Node {
  readonly child: ChildProcess;
  readonly api: string;
  readonly peerId: string;
  readonly multiaddrs: string[];
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function start(dir: string, ...extra: string[]): Promise<Node> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'src/cli/main.ts'),
      'start',
      '--regtest',
      '--datadir',
      dir,
      '--api-port',
      '0',
      '--p2p-port',
      '0',
      ...extra,
    ],
    { cwd: root, stdio: 'ignore' },
  );
  const info = await until('node.json', async () =>
    JSON.parse(await readFile(join(dir, 'node.json'), 'utf8')),
  );
  return { child, api: info.api, peerId: info.peerId, multiaddrs: info.multiaddrs };
}

const post = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((r) => r.json());
const get = (url: string) => fetch(url).then((r) => r.json());

const dir = await mkdtemp(join(tmpdir(), 'cairn-shot-'));
const nodes: Node[] = [];
try {
  await buildDashboard(join(root, 'dist', 'web'));
  const a = await start(join(dir, 'a'));
  nodes.push(a);
  const b = await start(join(dir, 'b'), '--peer', a.multiaddrs[0]!);
  nodes.push(b);
  // Two miners' addresses: the devnet's dev keys are not needed, any address of this chain will do.
  const status = (await get(`${a.api}/status`)) as { network: string };
  const [toA, toB] = await Promise.all([devAddress(0), devAddress(1)]);
  await post(`${a.api}/mine`, { blocks: 30, to: toA });
  await until('b to sync', async () => ((await get(`${b.api}/status`)) as { height: number }).height === 30);
  await post(`${a.api}/admin/block-peers`, { peerIds: [b.peerId] });
  await post(`${b.api}/admin/block-peers`, { peerIds: [a.peerId] });
  await until('the partition', async () => ((await get(`${a.api}/peers`)) as unknown[]).length === 0);

  const context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1100 });
  const page = await context.newPage();
  await page.goto(`${a.api}/`);
  await post(`${a.api}/mine`, { blocks: 2, to: toA });
  await post(`${b.api}/mine`, { blocks: 4, to: toB });
  await until('the page', async () => (await page.textContent('[data-testid=height]')) === '32');
  await post(`${a.api}/admin/unblock-peers`, {});
  await post(`${b.api}/admin/unblock-peers`, {});
  await until('the reorg banner', async () => (await page.textContent('.banner'))?.includes('reorged'));
  await until('the new tip', async () => (await page.textContent('[data-testid=height]')) === '34');
  await page.click('svg .block.abandoned >> nth=0');
  await until('the inspector', async () => (await page.$('[data-field=height]')) !== null);
  await page.waitForTimeout(800); // let the badge transition finish
  const out = join(root, 'docs', 'dashboard.png');
  await page.screenshot({ path: out, fullPage: true });
  await context.close();
  console.log(`wrote ${out} (${status.network})`);
} finally {
  for (const n of nodes) n.child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}

/** A dev key's address from the wallet CLI's dev keys would need the wallet; an address from a fixed hash is enough. */
async function devAddress(i: number): Promise<string> {
  const { encodeAddress } = await import('../src/consensus/address.js');
  const { loadParams } = await import('../src/node/params.js');
  const hash = new Uint8Array(20).fill(i + 1);
  return encodeAddress(hash, loadParams({ regtest: true }).addressPrefix);
}
