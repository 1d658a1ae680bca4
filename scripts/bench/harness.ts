// Shared benchmark plumbing. Every benchmark reports a RATIO against a baseline measured in the same run
// (this machine is shared and noisy, so absolute times mean little), plus the raw rates for context.

import { type ChildProcess, fork } from 'node:child_process';

/** run-suite.ts prints a suite's results on one line after this mark; scripts/bench.ts reads it. */
export const RESULTS_MARK = '__CAIRN_BENCH_RESULTS__';

export interface BenchResult {
  /** Stable id, e.g. "sig.pool_vs_noble". */
  readonly name: string;
  /** What is compared, in words a reader of the table understands. */
  readonly description: string;
  readonly baseline: { readonly label: string; readonly value: number; readonly unit: string };
  readonly subject: { readonly label: string; readonly value: number; readonly unit: string };
  /** subject / baseline, or baseline / subject where lower is better (`higherIsBetter: false`). */
  readonly ratio: number;
  /** The goal from the issue, as a ratio, and whether this run met it. */
  readonly goal: number;
  readonly higherIsBetter: boolean;
  readonly met: boolean;
}

export function result(r: Omit<BenchResult, 'met' | 'ratio'> & { ratio?: number }): BenchResult {
  const ratio = r.ratio ?? r.subject.value / r.baseline.value;
  const met = r.higherIsBetter ? ratio >= r.goal : ratio <= r.goal;
  return { ...r, ratio, met };
}

/** Run `fn` repeatedly for at least `ms` milliseconds; returns operations per second. */
export async function rate(
  fn: () => unknown | Promise<unknown>,
  opsPerCall: number,
  ms: number,
): Promise<number> {
  // Warm up so the JIT has compiled the hot path before we time it.
  const warmEnd = performance.now() + Math.min(200, ms / 4);
  while (performance.now() < warmEnd) await fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    await fn();
    calls++;
    now = performance.now();
  }
  return (calls * opsPerCall * 1000) / (now - start);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Starts the calling bench file again as its load generator (`role` set to '1' in its environment), so
 * the load's CPU is never charged to the process being measured.
 */
export function forkLoadGenerator(file: string, role: string): ChildProcess {
  return fork(file, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, [role]: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The load generator's next message; rejects if it exits first. */
export function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the load generator exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
  });
}
