// The `cairn` and `cairn-wallet` commands against a real regtest node started with an API token:
// tokens from flag, file and environment, `cairn generate`, --wait, exit codes, --json errors, and
// every flag checked before anything starts.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { toHex } from '../../src/consensus/bytes.js';
import { DEV_MNEMONIC, devKeys } from '../../wallet/dev-keys.js';
import {
  cairnArgs,
  freePortRun,
  type RunningNode,
  run,
  spawnNode,
  startNode,
  waitFor,
  walletArgs,
} from './helpers.js';

const TOKEN = 'e2e-token-0123456789abcdef';
const dev0 = devKeys(1)[0]!;
const DEV0 = encodeAddress(dev0.addressHash, 'cairn');
let home: string;
let tokenFile: string;
let node: RunningNode;
/** The API as host:port, without a scheme (accepted like curl accepts it). */
let bare: string;

async function api<T>(path: string, token = TOKEN): Promise<T> {
  const res = await fetch(`${node.api}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  return (await res.json()) as T;
}

/** A --json run: exactly one compact JSON document on stdout, nothing on stderr. */
function jsonOnly(r: { stdout: string; stderr: string }, what: string): Record<string, unknown> {
  expect(r.stderr, what).toBe('');
  const lines = r.stdout.trim().split('\n');
  expect(lines, `${what}: ${r.stdout}`).toHaveLength(1);
  expect(r.stdout, what).toBe(`${lines[0]}\n`);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

/** A CLI run that must fail with one line on stderr (never "unexpected error"), nothing on stdout. */
function oneLine(r: { stdout: string; stderr: string }, what: string): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines, `${what}: ${r.stderr}`).toHaveLength(1);
  expect(r.stderr, what).not.toMatch(/unexpected error/);
  expect(r.stdout, what).toBe('');
  return lines[0]!;
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'cairn-cli-e2e-'));
  tokenFile = join(home, 'token');
  await writeFile(tokenFile, `${TOKEN}\n`);
  node = await startNode(join(home, 'node'), '--regtest', '--api-token-file', tokenFile);
  bare = node.api.replace(/^http:\/\//, '');
}, 60_000);

afterAll(async () => {
  await node?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('cairn against a regtest node with an API token', () => {
  it('start --regtest prints the funded dev keys (address, private key, mnemonic), like anvil', async () => {
    await waitFor('the dev key banner', () => node.stderr().includes('mnemonic'));
    expect(node.stderr()).toMatch(/Funded development accounts/);
    expect(node.stderr()).toContain(DEV0);
    expect(node.stderr()).toContain(`private key 0x${toHex(dev0.privateKey)}`);
    expect(node.stderr()).toContain(DEV_MNEMONIC);
    expect(node.stderr()).toMatch(/1,000,000 coins/);
  });

  it('the token from --api-token, --api-token-file or CAIRN_API_TOKEN; none is refused as UNAUTHORIZED', async () => {
    const none = await run(cairnArgs('status', '--api', node.api));
    expect(none.code).toBe(2);
    expect(oneLine(none, 'no token')).toMatch(/^error: .*\[UNAUTHORIZED\]$/);
    const runs = await Promise.all([
      run(cairnArgs('status', '--api', node.api, '--api-token', TOKEN)),
      run(cairnArgs('status', '--api', bare, '--api-token-file', tokenFile)),
      run(cairnArgs('status', '--json'), { env: { CAIRN_API: bare, CAIRN_API_TOKEN: TOKEN } }),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs[0]!.stdout).toMatch(/^network\s+regtest$/m);
    expect(runs[0]!.stdout).toMatch(/^mempool\s+0 txs$/m);
    const json = runs[2]!.stdout;
    expect(json.trim().split('\n')).toHaveLength(1); // one compact document
    expect(JSON.parse(json)).toMatchObject({ network: 'regtest' });
  });

  it('generate N mines through the API, to dev0 by default on regtest, and prints the hashes', async () => {
    const before = (await api<{ height: number }>('/status')).height;
    const r = await run(cairnArgs('generate', '3', '--api', bare, '--api-token', TOKEN));
    expect(r.code, r.stderr).toBe(0);
    const hashes = r.stdout.trim().split('\n');
    expect(hashes).toHaveLength(3);
    const tip = await api<{ height: number; tipHash: string }>('/status');
    expect(tip.height).toBe(before + 3);
    expect(tip.tipHash).toBe(hashes[2]);
    expect((await api<{ miner: string }>(`/blocks/${hashes[0]}`)).miner).toBe(DEV0);
    const to = encodeAddress(devKeys(2)[1]!.addressHash, 'cairn');
    const json = await run(cairnArgs('generate', '1', '--to', to, '--json'), {
      env: { CAIRN_API: node.api, CAIRN_API_TOKEN: TOKEN },
    });
    const out = JSON.parse(json.stdout) as { to: string; hashes: string[] };
    expect(out.to).toBe(to);
    expect((await api<{ miner: string }>(`/blocks/${out.hashes[0]}`)).miner).toBe(to);
    // the block at the tip has exactly one confirmation, and says so in the singular
    const block = await run(cairnArgs('block', out.hashes[0]!, '--api', bare, '--api-token', TOKEN));
    expect(block.stdout).toMatch(/^main chain\s+yes \(1 confirmation\)$/m);
  });

  it("cairn mine on the running node's datadir: DATADIR_LOCKED, exit 5, and it names `cairn generate`", async () => {
    const r = await run(
      cairnArgs('mine', '--regtest', '--datadir', node.datadir, '--blocks', '2', '--to', DEV0),
    );
    expect(r.code).toBe(5);
    const line = oneLine(r, 'mine on a locked datadir');
    expect(line).toMatch(/in use by another Cairn process/);
    expect(line).toContain('cairn generate 2');
    expect(line).toContain('[DATADIR_LOCKED]');
  });

  it('not found is exit 6; with --json an error is the one {"error":{"code","message"}} document on stdout', async () => {
    const r = await run(cairnArgs('block', '999999', '--api', bare, '--api-token', TOKEN));
    expect(r.code).toBe(6);
    expect(oneLine(r, 'block 999999')).toMatch(/^error: not found: .*\[NOT_FOUND\]$/);
    const j = await run(cairnArgs('tx', 'ab'.repeat(32), '--api', bare, '--api-token', TOKEN, '--json'));
    expect(j.code).toBe(6);
    expect(jsonOnly(j, 'tx --json')).toEqual({
      error: { code: 'NOT_FOUND', message: expect.any(String) },
    });
    const down = await run(cairnArgs('status', '--api', '127.0.0.1:9', '--json'));
    expect(down.code).toBe(3);
    expect(jsonOnly(down, 'unreachable --json')).toMatchObject({ error: { code: 'NODE_UNREACHABLE' } });
    // Commander's own usage errors too, in both CLIs.
    const [usage, walletUsage] = await Promise.all([
      run(cairnArgs('status', '--json', '--no-such-flag')),
      run(walletArgs('--json', 'balance')),
    ]);
    expect([usage.code, walletUsage.code]).toEqual([2, 2]);
    expect(jsonOnly(usage, 'usage --json')).toEqual({
      error: { code: 'USAGE', message: "unknown option '--no-such-flag'" },
    });
    expect(jsonOnly(walletUsage, 'wallet usage --json')).toEqual({
      error: { code: 'USAGE', message: expect.stringMatching(/missing required argument/) },
    });
  });

  it('cairn-wallet takes the same token options and the same scheme-less --api', async () => {
    const env = { CAIRN_WALLET_DIR: join(home, 'wallets') };
    const ok = await run(walletArgs('balance', DEV0, '--api', bare, '--api-token-file', tokenFile), { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/confirmed: \d+/);
    const viaEnv = await run(walletArgs('--json', 'balance', DEV0), {
      env: { ...env, CAIRN_API: bare, CAIRN_API_TOKEN: TOKEN },
    });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    const refused = await run(walletArgs('balance', DEV0, '--api', bare), { env });
    expect(refused.code).toBe(2);
    expect(oneLine(refused, 'wallet without token')).toMatch(/UNAUTHORIZED/);
  });
});

describe('cairn status shows sync progress: synced / target and rate', () => {
  it('in sync against the real node; mid-sync (a stand-in /status) with the rate and the time left', async () => {
    const synced = await run(cairnArgs('status', '--api', bare, '--api-token', TOKEN));
    expect(synced.code, synced.stderr).toBe(0);
    const height = (await api<{ height: number }>('/status')).height;
    expect(synced.stdout).toMatch(new RegExp(`^sync\\s+${height} / ${height} blocks \\(in sync\\)$`, 'm'));
    // A node in the middle of a sync, as GET /status describes it (docs/openapi.json).
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          network: 'devnet',
          genesisHash: '00'.repeat(32),
          height: 1200,
          tipHash: '11'.repeat(32),
          chainWork: '2',
          peers: 2,
          mempool: 1,
          syncing: true,
          sync: { height: 1200, target: 5000, blocksPerSecond: 38 },
          stateDigest: '22'.repeat(32),
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const mid = await run(cairnArgs('status', '--api', `127.0.0.1:${port}`));
      expect(mid.code, mid.stderr).toBe(0);
      // 3,800 blocks to go at 38 blocks/s: 100 s.
      expect(mid.stdout).toMatch(
        /^sync\s+1,200 \/ 5,000 blocks, 38 blocks\/s, about 1 min 40 s left \(syncing\)$/m,
      );
      expect(mid.stdout).toMatch(/^mempool\s+1 tx$/m);
    } finally {
      server.close();
    }
  });
});

describe('--wait waits for a node to come up instead of failing', () => {
  it('status --wait, started before the node, answers once it is up', async () => {
    const port = await freePortRun(1);
    const waiting = spawnNode(cairnArgs('status', '--wait', '60', '--api', `127.0.0.1:${port}`, '--json'));
    const noWait = await run(cairnArgs('status', '--api', `127.0.0.1:${port}`));
    expect(noWait.code).toBe(3);
    expect(waiting.child.exitCode).toBeNull(); // still waiting
    const second = await startNode(join(home, 'second'), '--regtest', '--api-port', String(port));
    try {
      expect(await waiting.exited).toBe(0);
      expect(JSON.parse(waiting.stdout())).toMatchObject({ network: 'regtest', height: 0 });
    } finally {
      await second.stop();
    }
  }, 90_000);
});

describe('every flag is checked before anything starts: one line, exit 2, no datadir', () => {
  it.each([
    ['--api-token too short', ['--api-token', 'short'], {}, /at least 16 characters.*\[BAD_API_TOKEN\]/],
    [
      'CAIRN_API_TOKEN too short',
      [],
      { CAIRN_API_TOKEN: 'short' },
      /from CAIRN_API_TOKEN.*\[BAD_API_TOKEN\]/,
    ],
    [
      'a missing token file',
      ['--api-token-file', '/nonexistent/token'],
      {},
      /cannot read the API token file/,
    ],
    [
      'a bad --peer',
      ['--peer', '/ip4/999.0.0.1/tcp/1'],
      {},
      /--peer "\/ip4\/999\.0\.0\.1\/tcp\/1" is not a multiaddr.*\[BAD_PEER\]/,
    ],
    ['a --peer with a bad peer id', ['--peer', '/ip4/127.0.0.1/tcp/1/p2p/notapeerid'], {}, /\[BAD_PEER\]/],
    ['a public --api-host without a token', ['--api-host', '0.0.0.0'], {}, /\[TOKEN_REQUIRED\]/],
    ['a bad --miner', ['--mine', '--miner', 'cairn1nope'], {}, /not a valid address|\[BAD_ADDRESS\]/],
  ] as [string, string[], NodeJS.ProcessEnv, RegExp][])('%s', async (what, flags, env, message) => {
    const dir = join(home, `never-${what.replace(/\W+/g, '-')}`);
    const r = await run(
      cairnArgs('start', '--regtest', '--datadir', dir, '--api-port', '0', '--p2p-port', '0', ...flags),
      { env },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r, what)).toMatch(new RegExp(`^error: .*${message.source}`));
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });
});

describe('help, version and completion', () => {
  it('--version on both; --help documents the exit codes and the environment; commands have examples', async () => {
    const [cv, wv, help, status, whelp, comp] = await Promise.all([
      run(cairnArgs('--version')),
      run(walletArgs('--version')),
      run(cairnArgs('--help')),
      run(cairnArgs('status', '--help')),
      run(walletArgs('--help')),
      run(cairnArgs('completion', 'bash')),
    ]);
    expect(cv.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(wv.stdout).toBe(cv.stdout);
    for (const h of [help.stdout, whelp.stdout]) {
      expect(h).toMatch(/^Exit status \(the same in cairn and cairn-wallet\):$/m);
      expect(h).toMatch(/^ {2}7 {2}the keystore cannot be opened/m);
      expect(h).toMatch(/^ {2}6 {2}not found/m);
      expect(h).toContain('CAIRN_API_TOKEN');
    }
    expect(whelp.stdout).toContain('CAIRN_WALLET_PASSWORD');
    expect(help.stdout).toContain('CAIRN_LOG_LEVEL');
    expect(status.stdout).toMatch(/Examples:\n {2}\$ cairn status/);
    expect(status.stdout).toMatch(/--wait \[seconds\]/);
    expect(comp.code).toBe(0);
    expect(comp.stdout).toMatch(/^complete -o default -F _cairn_complete cairn$/m);
    expect(comp.stdout).toMatch(/generate\) opts="--to --api --api-token/);
  });
});
