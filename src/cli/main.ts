#!/usr/bin/env node
// `cairn`: the node's command line. The polyfill comes first (libp2p needs Promise.withResolvers).
import '../polyfill.js';
import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { mineCommand } from './mine.js';
import { reindexCommand } from './reindex.js';

// `cairn mine … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command('cairn')
  .description('Cairn: an educational proof-of-work blockchain node')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

mineCommand(program);
reindexCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else {
    throw e;
  }
}
