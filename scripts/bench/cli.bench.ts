// How fast the CLIs start, and what native scrypt buys the wallet.
//
// 1. Start-up: the built binaries (dist/, what `npm install -g` runs; built here first with tsc, as
//    `npm run build` does) are spawned N times each, interleaved with the baseline `node -e 0`, and the
//    ratio of the medians is reported. Goal: a read command's process is at most 3× a bare node process
//    (issue 12: `cairn status` took 2–3.5 s when every command loaded libp2p and fastify). `cairn status`
//    asks a stand-in /status server in this process, so it times the CLI, not a node.
// 2. Keystore KDF: scrypt with a keystore's parameters (r 8, p 1; N 2^14 to keep the run short) in
//    node:crypto (what wallet/keystore.ts uses) against @noble/hashes (what it used before).
import { spawn, spawnSync } from 'node:child_process';
import { scryptSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scrypt } from '@noble/hashes/scrypt.js';
import { type BenchResult, rate, result } from './harness.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const RUNS = 15;

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Wall time of one process from spawn to exit, in ms; fails on a non-zero exit. */
function timeProcess(args: readonly string[]): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      if (code === 0) resolve(performance.now() - start);
      else reject(new Error(`${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

function build(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tsc -p tsconfig.build.json failed');
}

async function startup(): Promise<BenchResult[]> {
  build();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        network: 'regtest',
        genesisHash: '00'.repeat(32),
        height: 1,
        tipHash: '11'.repeat(32),
        chainWork: '2',
        peers: 0,
        mempool: 1,
        syncing: false,
        stateDigest: '22'.repeat(32),
        url: req.url,
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cairn = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  const wallet = join(ROOT, 'dist', 'wallet', 'cli', 'main.js');
  const subjects = {
    node: ['-e', '0'],
    status: [cairn, 'status', '--api', api],
    help: [cairn, '--help'],
    walletList: [wallet, 'list', '--wallet-dir', join(ROOT, 'bench', 'no-such-wallet-dir')],
  } as const;
  const times: Record<keyof typeof subjects, number[]> = { node: [], status: [], help: [], walletList: [] };
  try {
    for (const [, args] of Object.entries(subjects)) await timeProcess(args); // warm the file cache
    for (let i = 0; i < RUNS; i++) {
      for (const [name, args] of Object.entries(subjects)) {
        times[name as keyof typeof subjects].push(await timeProcess(args));
      }
    }
  } finally {
    server.close();
  }
  const node = median(times.node);
  const row = (name: string, label: string, ms: number[]) =>
    result({
      name,
      description: `${label}: process wall time vs \`node -e 0\` (median of ${RUNS}, built dist/)`,
      baseline: { label: 'node -e 0', value: node, unit: 'ms' },
      subject: { label, value: median(ms), unit: 'ms' },
      goal: 3,
      higherIsBetter: false,
    });
  return [
    row('cli.status_vs_node', 'cairn status', times.status),
    row('cli.help_vs_node', 'cairn --help', times.help),
    row('cli.wallet_list_vs_node', 'cairn-wallet list', times.walletList),
  ];
}

async function kdf(): Promise<BenchResult> {
  const password = new TextEncoder().encode('correct horse battery staple');
  const salt = new Uint8Array(32).fill(7);
  const params = { N: 2 ** 14, r: 8, p: 1 };
  const native = await rate(() => scryptSync(password, salt, 32, params), 1, 1500);
  const noble = await rate(() => scrypt(password, salt, { ...params, dkLen: 32 }), 1, 1500);
  return result({
    name: 'cli.scrypt_native_vs_noble',
    description: 'keystore KDF, scrypt N=2^14 r=8 p=1: node:crypto vs @noble/hashes',
    baseline: { label: '@noble/hashes scrypt', value: noble, unit: 'keys/s' },
    subject: { label: 'node:crypto scrypt', value: native, unit: 'keys/s' },
    goal: 1.5,
    higherIsBetter: true,
  });
}

export async function run(): Promise<BenchResult[]> {
  return [...(await startup()), await kdf()];
}
