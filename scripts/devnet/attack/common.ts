// What every scenario shares: its options, its nodes' roles and addresses, and the frame that starts its
// devnet, runs it, writes the report, and stops (or, with --keep, stays up for the dashboard).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainParams } from '../../../src/consensus/types.js';
import { type DevKey, devKeys } from '../../../wallet/dev-keys.js';
import { DEFAULT_BASE_PORT, DEVNET_DIR } from '../state.js';
import { type AttackEvent, jsonSafe, type Narrator } from './narrator.js';
import { AttackNet, type AttackNetOptions } from './net.js';

/** The scenarios' devnets listen from here on by default, clear of `npm start`'s 8645 … */
export const DEFAULT_ATTACK_BASE_PORT = DEFAULT_BASE_PORT + 100;

export interface CommonOptions {
  readonly basePort: number;
  /** Where the run's nodes live (wiped first); default .devnet/attack-NAME. */
  readonly dir?: string;
  readonly seed: number;
  /** Write the final report (JSON) here. */
  readonly report?: string;
  /** Leave the devnet and its dashboard running after the account, until Ctrl-C. */
  readonly keep?: boolean;
}

/**
 * The dev keys' roles in every scenario: the attacker pays from dev0 and mines to it; the victim (a
 * merchant who does not mine, so that its balance moves only with payments) is dev1; honest0 mines to
 * dev2 and honest1 to dev4; the attacker's second wallet, where a double spend sends the coins back, is
 * dev3.
 */
export function roles(): {
  attacker: DevKey;
  victim: DevKey;
  honestMiners: readonly [DevKey, DevKey];
  attackerSpare: DevKey;
} {
  const k = devKeys(5);
  return { attacker: k[0]!, victim: k[1]!, honestMiners: [k[2]!, k[4]!], attackerSpare: k[3]! };
}

export interface ScenarioReport {
  readonly scenario: string;
  readonly run: string;
  readonly seed: number;
  readonly dashboard: string;
  readonly seconds: number;
  readonly result: Record<string, unknown>;
  readonly events: readonly AttackEvent[];
}

/**
 * Starts the scenario's devnet, runs `body` on it, writes the report, and stops the devnet (or waits for
 * Ctrl-C with --keep). Returns the report; a failure stops the devnet and is rethrown.
 */
export async function runScenario(
  narrator: Narrator,
  opts: CommonOptions,
  net: Omit<AttackNetOptions, 'dir' | 'basePort'> & { readonly params: ChainParams },
  body: (net: AttackNet) => Promise<Record<string, unknown>>,
): Promise<ScenarioReport> {
  const started = Date.now();
  const dir = opts.dir ?? join(DEVNET_DIR, `attack-${narrator.scenario}`);
  narrator.note(`starting ${net.nodes.length} nodes (${net.nodes.join(', ')}) in ${dir} …`);
  const running = await AttackNet.start({ ...net, dir, basePort: opts.basePort });
  // Ctrl-C (or SIGTERM) stops the nodes cleanly: they run in process groups of their own and would
  // outlive this process. During --keep it is the normal way out; during the run it aborts it.
  let keeping: (() => void) | undefined;
  let stopping = false;
  const onSignal = () => {
    if (keeping) return keeping();
    if (stopping) return;
    stopping = true;
    narrator.note('interrupted: stopping the nodes …');
    void running.stop().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  narrator.attach({ publish: (e) => running.publish(e) });
  narrator.note(`dashboard: ${running.dashboard}   (every node's events and this scenario's, live)`);
  let report: ScenarioReport;
  try {
    const result = await body(running);
    report = {
      scenario: narrator.scenario,
      run: narrator.run,
      seed: opts.seed,
      dashboard: running.dashboard,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      result: jsonSafe(result) as Record<string, unknown>,
      events: narrator.events,
    };
    if (opts.report) writeFileSync(opts.report, `${JSON.stringify(report, null, 2)}\n`);
    if (opts.keep) {
      narrator.note(`\nthe devnet stays up for the dashboard: ${running.dashboard}  (Ctrl-C stops it)`);
      await new Promise<void>((resolve) => {
        keeping = resolve;
      });
    }
  } catch (e) {
    if (!stopping) await running.stop();
    throw e;
  } finally {
    narrator.attach(undefined);
  }
  stopping = true;
  await running.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return report;
}

/** A percentage with one decimal: 0.4837 → "48.4 %". */
export const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;
