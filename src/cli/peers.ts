// `cairn peers`: who a running node is connected to.
import type { Command } from 'commander';
import { apiBase, apiGet } from './api-client.js';
import { action } from './exit-codes.js';

interface Peer {
  peerId: string;
  addrs: string[];
  direction: string;
  score: number;
  banned: boolean;
}

export function peersCommand(program: Command): void {
  program
    .command('peers')
    .description("list a running node's peers with their score and ban state")
    .option('--api <url>', 'the node API (default $CAIRN_API or http://127.0.0.1:8645)')
    .option('--json', 'print JSON')
    .action(
      action(async (flags: { api?: string; json?: boolean }) => {
        const peers = await apiGet<Peer[]>(apiBase(flags.api), '/peers');
        if (flags.json) {
          console.log(JSON.stringify(peers, null, 2));
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
