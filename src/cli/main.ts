#!/usr/bin/env node
// `cairn`: the node's command line. The polyfill comes first (libp2p needs Promise.withResolvers).
import '../polyfill.js';
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../node/params.js';
import { blockCommand } from './block.js';
import { EXIT } from './exit-codes.js';
import { mineCommand } from './mine.js';
import { peersCommand } from './peers.js';
import { reindexCommand } from './reindex.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { txCommand } from './tx.js';

// `cairn mine … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const version = packageVersion();

const program = new Command('cairn')
  .description('Cairn: an educational proof-of-work blockchain node')
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

startCommand(program, version);
mineCommand(program);
reindexCommand(program);
statusCommand(program);
peersCommand(program);
blockCommand(program);
txCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else {
    throw e;
  }
}
