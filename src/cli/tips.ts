// `cairn tips`: every tip of a running node's block tree (Core: bitcoin-cli getchaintips). The main chain's
// tip is `active`; every other leaf is a fork that lost (`valid-fork`), a branch that never won
// (`valid-headers`), one still downloading (`headers-only`), or one that broke a rule (`invalid`).
// `branch` is how many blocks the fork has above the point where it left the main chain; `work` is the
// cumulative work of the chain ending there, the number fork choice compares (docs/PROTOCOL.md).
import type { Command } from 'commander';
import { action } from './exit-codes.js';
import { type ApiFlags, apiOptions, connect, ENV, helpFooter, plural } from './options.js';

interface Tip {
  hash: string;
  height: number;
  chainWork: string;
  branchLength: number;
  status: string;
}

export function tipsCommand(program: Command): void {
  const cmd = program
    .command('tips')
    .description("list every tip of a running node's block tree, the most work first (forks included)");
  apiOptions(cmd);
  helpFooter(
    cmd,
    ['cairn tips', 'cairn tips --json | jq \'.[] | select(.status == "valid-fork")\''],
    [ENV.api, ENV.token],
  );
  cmd.action(
    action(async (flags: ApiFlags) => {
      const tips = await (await connect(flags)).get<Tip[]>('/chain/tips');
      if (flags.json) {
        console.log(JSON.stringify(tips));
        return;
      }
      const best = tips.find((t) => t.status === 'active');
      const width = Math.max(6, ...tips.map((t) => String(t.height).length));
      console.log(`${'height'.padStart(width)}  ${'status'.padEnd(13)}  ${'branch'.padStart(6)}  hash`);
      for (const t of tips) {
        // The deficit says how far a fork is behind: the work it would need to overtake the main chain.
        const behind =
          best && t !== best
            ? `  work ${t.chainWork} (${BigInt(best.chainWork) - BigInt(t.chainWork)} behind)`
            : `  work ${t.chainWork}`;
        console.log(
          `${String(t.height).padStart(width)}  ${t.status.padEnd(13)}  ${String(t.branchLength).padStart(6)}  ${t.hash}${behind}`,
        );
      }
      console.log(plural(tips.length, 'tip'));
    }),
  );
}
