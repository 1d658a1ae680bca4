// `npm run screenshot`: the two pictures of docs/DASHBOARD.md and the README, taken from the real devnet.
// It runs `devnet up --regtest` (three `cairn start` processes, two of them mining, the supervisor and its
// aggregator) in a temporary directory on free ports, opens the dashboard at the URL the supervisor
// prints in headless Chromium (Debian's /usr/bin/chromium, as the browser tests use), and clicks the
// page's own buttons:
//   docs/dashboard.png        mid-fork: `partition` clicked, each side mining its own branch, "2 ledgers";
//   docs/dashboard-reorg.png  after `heal`: the reorg banner, every badge on the heavier branch, the
//                             losing branch grey.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildDashboard } from '../web/build.js';
import { launchChromium } from './lib/chromium.js';
import { freePortRun } from './lib/ports.js';

const root = join(import.meta.dirname, '..');
const NODES = 3;

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function control(page: Page, selector: string, label: string): Promise<void> {
  await page.click(`.controls ${selector}`);
  await until(label, async () => (await page.textContent('.controls .result')) === `${label}: done`);
}

const dir = await mkdtemp(join(tmpdir(), `cairn-shot-${process.pid}-`));
const basePort = await freePortRun(2 * NODES + 1);
await buildDashboard(join(root, 'dist', 'web'));
const devnet = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    join(root, 'scripts/devnet.ts'),
    'up',
    '--regtest',
    '--nodes',
    String(NODES),
    '--miners',
    '2',
  ],
  {
    cwd: root,
    env: { ...process.env, CAIRN_DEVNET_DIR: join(dir, 'devnet'), CAIRN_DEVNET_BASE_PORT: String(basePort) },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let out = '';
devnet.stdout.on('data', (d) => {
  out += d;
});
try {
  const url = await until(
    'the devnet',
    async () => out.includes('Ctrl-C stops every node') && /Live dashboard: (\S+)\//.exec(out)?.[1],
    180_000,
  );
  const context = await launchChromium(join(dir, 'profile'), { width: 1400, height: 1000 });
  const page = await context.newPage();
  await page.goto(`${url}/`);
  const height = async () =>
    Number(await page.getAttribute('.consensus tr.node-row[data-node=node0]', 'data-height'));
  await until('a few blocks', async () => (await height()) >= 8);
  await control(page, '[data-control=partition]', 'partition 0,2 | 1');
  await control(page, '[data-control=send]', 'send 1.5 dev0 → dev1');
  await until('two ledgers', async () =>
    (await page.textContent('.consensus-text'))?.startsWith('2 ledgers'),
  );
  // Mid-fork: both sides have mined a few blocks of their own.
  await until(
    'two branches of three',
    async () =>
      (await page.$$('svg .block:not(.main)')).length >= 3 && (await page.$$('svg .block.main')).length > 0,
  );
  await page.waitForTimeout(3_000);
  const tx = await page.getAttribute('.pool .tx >> nth=0', 'data-tx').catch(() => null);
  if (tx) await page.click(`.pool .tx[data-tx="${tx}"] >> nth=0`);
  await page.click('svg .block:not(.main) >> nth=-1');
  await until('the inspector', async () => (await page.$('[data-field=height]')) !== null);
  await page.waitForTimeout(800);
  const fork = join(root, 'docs', 'dashboard.png');
  await page.screenshot({ path: fork, fullPage: true });
  console.log(`wrote ${fork}`);

  await control(page, '[data-control=heal]', 'heal');
  await until('the reorg banner', async () => (await page.$('.banner[data-depth]')) !== null, 120_000);
  await until(
    'one ledger',
    async () => (await page.textContent('.consensus-text'))?.includes('agree'),
    120_000,
  );
  await page.waitForTimeout(1_000); // the badges' slide
  const reorg = join(root, 'docs', 'dashboard-reorg.png');
  await page.screenshot({ path: reorg, fullPage: true });
  console.log(`wrote ${reorg}`);
  await context.close();
} finally {
  devnet.kill('SIGINT'); // the supervisor stops every node cleanly
  await new Promise((r) => devnet.once('exit', r));
  await rm(dir, { recursive: true, force: true });
}
