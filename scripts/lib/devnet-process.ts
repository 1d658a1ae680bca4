// A devnet that a benchmark or an experiment starts for itself: `devnet -- up …` as a child process, in a
// temporary directory on a run of free ports (and, in host mode, namespaces named after this process), so
// it never meets the developer's devnet or another run's; stopped as Ctrl-C stops it, then torn down.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../devnet/http.js';
import { destroyHosts, planHosts } from '../devnet/netns.js';
import { type HostsSpec, ROOT } from '../devnet/state.js';
import { freePortRun } from './ports.js';

/** Polls `check` until it returns something truthy; throws naming `what` after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 5,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** How long `up` may take to print that every node is up (twenty nodes on a busy two-core machine). */
const START_MS = 900_000;

export class DevnetProcess {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly base: number,
    readonly nodes: number,
    readonly hosts: HostsSpec | undefined,
  ) {
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
  }

  /**
   * Runs `devnet -- up --nodes N ARGS…` and resolves once every node is up. `name` names the temporary
   * directory; `hosts` (the namespaces' prefix and subnet) is passed to host mode (`--hosts` in `args`);
   * `starting` hears the directory before the wait (which can take minutes).
   */
  static async start(opts: {
    readonly name: string;
    readonly nodes: number;
    readonly args: readonly string[];
    readonly hosts?: HostsSpec;
    readonly starting?: (dir: string) => void;
  }): Promise<DevnetProcess> {
    const dir = await mkdtemp(join(tmpdir(), `cairn-${opts.name}-${process.pid}-`));
    opts.starting?.(dir);
    const base = await freePortRun(2 * opts.nodes + 1);
    const env = {
      ...process.env,
      CAIRN_DEVNET_DIR: dir,
      CAIRN_DEVNET_BASE_PORT: String(base),
      ...(opts.hosts ? { CAIRN_DEVNET_HOSTS: `${opts.hosts.prefix}:${opts.hosts.subnet}` } : {}),
    };
    const args = ['--import', 'tsx', join(ROOT, 'scripts/devnet.ts'), 'up', '--nodes', String(opts.nodes)];
    const child = spawn(process.execPath, [...args, ...opts.args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const devnet = new DevnetProcess(child, dir, base, opts.nodes, opts.hosts);
    try {
      await waitUntil(
        'every node to start',
        () => {
          if (child.exitCode !== null) throw new Error(`devnet up exited:\n${devnet.output.slice(-2000)}`);
          return devnet.output.includes('Ctrl-C stops every node');
        },
        START_MS,
        250,
      );
    } catch (e) {
      await devnet.stop();
      throw e;
    }
    return devnet;
  }

  /** Node `i`'s API (in host mode, the supervisor's forwarder to it). */
  api(i: number): string {
    return `http://127.0.0.1:${this.base + 2 * i}`;
  }

  /** The supervisor's control server. */
  get control(): string {
    return `http://127.0.0.1:${this.base + 2 * this.nodes}`;
  }

  /** Stops every node as Ctrl-C does (SIGKILL after two minutes), then removes the namespaces and files. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.hosts) await destroyHosts(planHosts(this.nodes, this.hosts));
    await rm(this.dir, { recursive: true, force: true });
  }
}
