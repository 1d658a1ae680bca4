// `cairn-wallet list`: the wallets in the wallet directory, with their addresses (no password needed).
import type { Command } from 'commander';
import { ENV, helpFooter } from '../../src/client/help.js';
import { listWallets } from '../wallet-dir.js';
import { emit, globals, note } from './common.js';

export function registerList(program: Command): void {
  const command = program.command('list').description('list the wallets and their addresses');
  helpFooter(command, ['cairn-wallet list', 'cairn-wallet --json list'], [ENV.walletDir]);
  command.action(async (_opts: unknown, cmd: Command) => {
    const g = globals(cmd);
    const wallets = await listWallets(g.walletDir);
    for (const w of wallets) if (w.problem !== null) note(g, `warning: ${w.problem}`);
    const readable = wallets.filter((w) => w.address !== null);
    const width = Math.max(4, ...readable.map((w) => w.name.length));
    emit(
      g,
      { walletDir: g.walletDir, wallets },
      readable.length === 0
        ? `no wallets in ${g.walletDir} (create one with \`cairn-wallet create NAME\`, or \`cairn-wallet import-dev\`)`
        : readable.map((w) => `${w.name.padEnd(width)}  ${w.address}`).join('\n'),
    );
  });
}
