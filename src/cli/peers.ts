// `cairn peers`: who a running node is connected to (Core: bitcoin-cli getpeerinfo).
import type { Command } from 'commander';
import { action } from './exit-codes.js';
import { type ApiFlags, apiOptions, connect, ENV, helpFooter } from './options.js';

interface Peer {
  peerId: string;
  addrs: string[];
  direction: string;
  score: number;
  banned: boolean;
}

export function peersCommand(program: Command): void {
  const cmd = program
    .command('peers')
    .description("list a running node's peers with their score and ban state");
  apiOptions(cmd);
  helpFooter(cmd, ['cairn peers', 'cairn peers --json | jq length'], [ENV.api, ENV.token]);
  cmd.action(
    action(async (flags: ApiFlags) => {
      const peers = await (await connect(flags)).get<Peer[]>('/peers');
      if (flags.json) {
        console.log(JSON.stringify(peers));
        return;
      }
      if (peers.length === 0) console.log('no peers');
      for (const p of peers) {
        const state = p.banned ? 'BANNED' : p.direction;
        console.log(
          `${p.peerId}  ${state.padEnd(8)}  score ${p.score.toFixed(1).padStart(7)}  ${p.addrs.join(' ')}`,
        );
      }
    }),
  );
}
