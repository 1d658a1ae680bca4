// Runs `npm run devnet -- attack NAME` as a person would (the real command, its real node processes), on
// free ports and in a temp directory of its own, and collects what it published: the report (--report)
// and every `attack` event its supervisor put on the merged stream (GET /devnet/events), read as a
// dashboard reads it. With `keep`, the devnet stays up after the account so the test can ask the nodes
// itself; `stop()` then ends it with Ctrl-C, as a person would, and expects a clean exit.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttackEvent } from '../../scripts/devnet/attack/narrator.js';
import { sseParser } from '../../scripts/devnet/event-hub.js';
import { freePortRun, pidsMentioning, ROOT, type Spawned, spawnNode, waitFor } from './helpers.js';

export interface AttackRun<R> {
  readonly report: { scenario: string; seconds: number; result: R; events: AttackEvent[] };
  /** The attack events as the merged stream carried them, in arrival order. */
  readonly streamed: AttackEvent[];
  /** Every node's API by name (while the devnet is kept). */
  readonly api: (name: string) => string;
  readonly output: () => string;
  /** Ctrl-C; resolves with the exit code. */
  stop(): Promise<number | string>;
  /** Removes the run's directory (and kills anything left on it). */
  cleanup(): Promise<void>;
}

export async function runAttack<R>(
  name: string,
  nodes: readonly string[],
  args: readonly string[],
  opts: { keep?: boolean; timeoutMs: number },
): Promise<AttackRun<R>> {
  const tmp = await mkdtemp(join(tmpdir(), `cairn-attack-${name}-${process.pid}-`));
  const base = await freePortRun(2 * nodes.length + 1);
  const reportFile = join(tmp, 'report.json');
  const p: Spawned = spawnNode([
    '--import',
    'tsx',
    join(ROOT, 'scripts/devnet.ts'),
    'attack',
    name,
    '--base-port',
    String(base),
    '--dir',
    join(tmp, 'net'),
    '--report',
    reportFile,
    ...(opts.keep ? ['--keep'] : []),
    ...args,
  ]);
  const control = `http://127.0.0.1:${base + 2 * nodes.length}`;
  const streamed: AttackEvent[] = [];
  const abort = new AbortController();
  const cleanup = async () => {
    abort.abort();
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    for (const pid of await pidsMentioning(tmp)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await rm(tmp, { recursive: true, force: true });
  };
  try {
    // Subscribe as soon as the supervisor listens (it does before the nodes start): the narrator sends
    // the run's events from the first one on when the nodes are up.
    const res = await waitFor(
      `the attack's supervisor on ${control} (output: ${p.stdout().slice(-300)} ${p.stderr().slice(-300)})`,
      async () => {
        if (p.child.exitCode !== null) throw new Error(`the attack exited early: ${p.stdout()}${p.stderr()}`);
        return fetch(`${control}/devnet/events`, { signal: abort.signal }).catch(() => undefined);
      },
      120_000,
      100,
    );
    const feed = sseParser((e) => {
      if (e.event === 'attack') streamed.push(JSON.parse(e.data) as AttackEvent);
    });
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body!) feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // closed
      }
    })();
    const done = opts.keep
      ? waitFor('the report', () => existsSync(reportFile) && p.child.exitCode === null, opts.timeoutMs, 200)
      : p.exited;
    const timer = setTimeout(() => p.child.kill('SIGINT'), opts.timeoutMs);
    const ended = await done;
    clearTimeout(timer);
    if (!opts.keep && ended !== 0)
      throw new Error(`the attack exited ${ended}:\n${p.stdout().slice(-4000)}\n${p.stderr().slice(-4000)}`);
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as AttackRun<R>['report'];
    // The result event is the last; let the stream deliver it.
    await waitFor(
      'the result event on the merged stream',
      () => streamed.some((e) => e.kind === 'result'),
      10_000,
    );
    return {
      report,
      streamed,
      api: (node) => `http://127.0.0.1:${base + 2 * nodes.indexOf(node)}`,
      output: () => p.stdout() + p.stderr(),
      async stop() {
        if (p.child.exitCode !== null) return p.child.exitCode;
        p.child.kill('SIGINT');
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 60_000);
        const code = await p.exited;
        clearTimeout(timer);
        return code;
      },
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** The checks every scenario's events must pass: one run, numbered 1…n, start first, result last. */
export function checkEventSequence(events: readonly AttackEvent[], scenario: string): void {
  if (events.length < 3) throw new Error(`only ${events.length} attack events`);
  const run = events[0]!.run;
  events.forEach((e, i) => {
    if (e.scenario !== scenario || e.run !== run)
      throw new Error(`event ${i} is of another run: ${JSON.stringify(e)}`);
    if (e.seq !== i + 1) throw new Error(`event ${i} has seq ${e.seq}`);
    if (!e.title || typeof e.text !== 'string') throw new Error(`event ${i} has no title or text`);
  });
  if (events[0]!.kind !== 'start') throw new Error('the first event is not the start');
  if (events.at(-1)!.kind !== 'result' || !events.at(-1)!.outcome)
    throw new Error('the last event is not the result');
  if (events.slice(1, -1).some((e) => e.kind !== 'step')) throw new Error('a middle event is not a step');
}
