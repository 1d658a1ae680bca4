// `cairn status`: where a running node stands (Core: bitcoin-cli getblockchaininfo).
import type { Command } from 'commander';
import { formatDuration, grouped } from '../client/format.js';
import { action } from './exit-codes.js';
import { type ApiFlags, apiOptions, connect, ENV, helpFooter, plural, printRecord } from './options.js';

interface Status {
  network: string;
  genesisHash: string;
  height: number;
  tipHash: string;
  chainWork: string;
  peers: number;
  mempool: number;
  syncing: boolean;
  /** Absent from nodes older than the sync state (they only say `syncing`). */
  sync?: { height: number; target: number; blocksPerSecond: number };
  stateDigest: string;
}

/** "120 / 500 blocks, 35.5 blocks/s, about 11 s left" while syncing; "500 / 500 blocks (in sync)" after. */
export function syncLine(s: Pick<Status, 'syncing' | 'sync'>): string {
  if (!s.sync) return s.syncing ? 'syncing' : 'in sync';
  const { height, target, blocksPerSecond } = s.sync;
  const counts = `${grouped(height)} / ${grouped(target)} blocks`;
  if (!s.syncing && height >= target) return `${counts} (in sync)`;
  const left = target - height;
  const rate = blocksPerSecond > 0 ? `, ${blocksPerSecond} blocks/s` : '';
  const eta = blocksPerSecond > 0 && left > 0 ? `, about ${formatDuration(left / blocksPerSecond)} left` : '';
  return `${counts}${rate}${eta} (syncing)`;
}

export function statusCommand(program: Command): void {
  const cmd = program
    .command('status')
    .description("show a running node's chain tip, peers, mempool and state digest");
  apiOptions(cmd);
  helpFooter(
    cmd,
    ['cairn status', 'cairn status --api localhost:18745 --json', 'cairn status --wait 60   # in a script'],
    [ENV.api, ENV.token],
  );
  cmd.action(
    action(async (flags: ApiFlags) => {
      const s = await (await connect(flags)).get<Status>('/status');
      printRecord(Boolean(flags.json), s, [
        ['network', s.network],
        ['height', s.height],
        ['tip', s.tipHash],
        ['chain work', s.chainWork],
        ['peers', s.peers],
        ['mempool', plural(s.mempool, 'tx')],
        ['sync', syncLine(s)],
        ['state digest', s.stateDigest],
      ]);
    }),
  );
}
