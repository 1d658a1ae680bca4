// Helpers for end-to-end tests: spawn the real CLIs, wait with deadlines, clean up.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `cairn` command run from source (the same code the built binary runs). */
export function cairnArgs(...args: string[]): string[] {
  return ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args];
}

/** The `cairn-wallet` command run from source (the same code the built binary runs). */
export function walletArgs(...args: string[]): string[] {
  return ['--import', 'tsx', join(ROOT, 'wallet/cli/main.ts'), ...args];
}

export interface Spawned {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
}

/** Collects a child's output and exit as a Spawned. */
function track(child: ChildProcess): Spawned {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

export function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  return track(spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' }));
}

/** Runs a command to completion (bounded) and returns its exit code and output. */
export async function run(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = spawnNode(args, opts.env);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface RunningNode extends Spawned {
  readonly datadir: string;
  readonly api: string;
  readonly info: { peerId: string; multiaddrs: string[]; api: string };
  /** SIGTERM, then wait for the exit (SIGKILL after a deadline, which fails the caller's expectations). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `cairn start` on a datadir and waits until it has written node.json. */
export function startNode(datadir: string, ...extra: string[]): Promise<RunningNode> {
  return startNodeWithin(30_000, datadir, ...extra);
}

/** startNode with a deadline of its own (a loaded machine starts processes slowly). */
export function startNodeWithin(
  deadlineMs: number,
  datadir: string,
  ...extra: string[]
): Promise<RunningNode> {
  return startNodeUsing(cairnArgs, deadlineMs, datadir, ...extra);
}

/**
 * The built `cairn` (dist/), which starts several times faster than the sources under tsx, or undefined
 * when dist/ is missing or older than any source file (then the caller runs the sources).
 */
export async function freshBuiltCairn(): Promise<((...args: string[]) => string[]) | undefined> {
  const { stat, readdir } = await import('node:fs/promises');
  const main = join(ROOT, 'dist/src/cli/main.js');
  let built: number;
  try {
    built = (await stat(main)).mtimeMs;
  } catch {
    return undefined;
  }
  for (const entry of await readdir(join(ROOT, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    if ((await stat(join(entry.parentPath, entry.name))).mtimeMs > built) return undefined;
  }
  return (...args: string[]) => [main, ...args];
}

/** startNodeWithin, running `cairn` as `command` gives it (cairnArgs, or freshBuiltCairn's). */
export async function startNodeUsing(
  command: (...args: string[]) => string[],
  deadlineMs: number,
  datadir: string,
  ...extra: string[]
): Promise<RunningNode> {
  const { readFile, rm: remove } = await import('node:fs/promises');
  const file = join(datadir, 'node.json');
  await remove(file, { force: true });
  const p = spawnNode(command('start', '--datadir', datadir, '--api-port', '0', '--p2p-port', '0', ...extra));
  const info = await waitFor(
    `node.json in ${datadir} (stderr: ${p.stderr().slice(-500)})`,
    async () => {
      if (p.child.exitCode !== null) throw new Error(`cairn start exited early: ${p.stderr()}${p.stdout()}`);
      try {
        return JSON.parse(await readFile(file, 'utf8')) as RunningNode['info'];
      } catch {
        return undefined;
      }
    },
    deadlineMs,
  );
  return {
    ...p,
    datadir,
    api: info.api,
    info,
    async stop(signal = 'SIGTERM') {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
      p.child.kill(signal);
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
      const code = await p.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return (await res.json()) as T;
}

export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Every file under `dir` (recursively), by relative path, with its bytes as base64: two snapshots are
 * equal exactly when no file was added, removed or changed.
 */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const { readdir, readFile } = await import('node:fs/promises');
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length + 1)] = (await readFile(path)).toString('base64');
  }
  return out;
}

// --- Shell commands and process groups (the devnet tests run README lines as a terminal would) ------

/**
 * Runs `bash -c command` from the repo root in its own process group, as a terminal runs a job: a
 * Ctrl-C (`signalGroup(p, 'SIGINT')`) reaches the command and every process it started.
 */
export function spawnShell(command: string, env: NodeJS.ProcessEnv = {}): Spawned {
  return track(
    spawn('bash', ['-c', command], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'pipe',
      detached: true,
    }),
  );
}

/** Sends `signal` to the whole process group of a `spawnShell` job (ignores a group that is gone). */
export function signalGroup(p: Spawned, signal: NodeJS.Signals): void {
  try {
    process.kill(-p.child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Signals a `spawnShell` job's whole group and waits for it to end, SIGKILLing the group after `killAfterMs`. */
export async function stopGroup(
  p: Spawned,
  signal: NodeJS.Signals,
  killAfterMs: number,
): Promise<number | string> {
  signalGroup(p, signal);
  const timer = setTimeout(() => signalGroup(p, 'SIGKILL'), killAfterMs);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

/**
 * Waits until `p` has printed `text` on stdout (a long-running command saying it is ready). Fails at once
 * if `p` exits first, and on the deadline with the tail of what it printed.
 */
export async function waitForOutput(
  p: Spawned,
  text: string,
  what: string,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  try {
    await waitFor(
      what,
      () => {
        if (p.child.exitCode !== null) throw new Error(`it exited early: ${p.stdout()}${p.stderr()}`);
        return p.stdout().includes(text);
      },
      timeoutMs,
      intervalMs,
    );
  } catch (e) {
    throw new Error(
      `${what}: ${(e as Error).message}\nstdout: ${p.stdout().slice(-800)}\nstderr: ${p.stderr().slice(-800)}`,
    );
  }
}

/** Runs a shell command to completion; past the deadline its whole process group is killed. */
export async function runShell(
  command: string,
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = spawnShell(command, opts.env);
  const timer = setTimeout(() => signalGroup(p, 'SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Pids of the processes (other than this one) whose command line contains `text` (Linux /proc). */
export async function pidsMentioning(text: string): Promise<number[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      if (cmdline.includes(text)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

export { freePortRun } from '../../scripts/lib/ports.js';
