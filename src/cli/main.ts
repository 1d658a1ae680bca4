#!/usr/bin/env node
// `cairn`: the node's command line. The polyfill comes first (libp2p needs Promise.withResolvers). Only commander and the command definitions load here; each command
// imports what it needs (libp2p, fastify, LevelDB) inside its action, so `cairn --help` and the read
// commands start about as fast as node itself (scripts/bench/cli.bench.ts measures it).
import '../polyfill.js';
import { Command, CommanderError } from 'commander';
import { EXIT_HELP } from '../client/exit-codes.js';
import { reportFailure, usageFailure } from '../client/report.js';
import { packageVersion } from '../util/package-files.js';
import { blockCommand } from './block.js';
import { completionCommand } from './completion.js';
import { EXIT, reportError } from './exit-codes.js';
import { generateCommand } from './generate.js';
import { mineCommand } from './mine.js';
import { ENV } from './options.js';
import { peersCommand } from './peers.js';
import { reindexCommand } from './reindex.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { tipsCommand } from './tips.js';
import { txCommand } from './tx.js';

// `cairn mine … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const version = packageVersion();

const json = process.argv.includes('--json');
const program = new Command('cairn')
  .description('Cairn: an educational proof-of-work blockchain node')
  .version(version, '-V, --version', 'print the version')
  // With --json nothing but the one document is printed: no hint after a usage error.
  .showHelpAfterError(json ? false : '(run with --help for usage)')
  .exitOverride()
  // Commander's own usage errors already start with the one prefix (src/client/report.ts); with --json
  // they are printed as the JSON document below instead, so nothing else reaches the terminal.
  .configureOutput({ outputError: (text, write) => (json ? undefined : write(text)) })
  .addHelpText(
    'after',
    `\nEnvironment:\n  ${ENV.api}\n  ${ENV.token}\n  ${ENV.log}\n  ${ENV.debug}\n\n${EXIT_HELP}`,
  );

startCommand(program, version);
mineCommand(program);
generateCommand(program);
reindexCommand(program);
statusCommand(program);
peersCommand(program);
blockCommand(program);
tipsCommand(program);
txCommand(program);
completionCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) process.exitCode = EXIT.OK;
    else if (json) reportFailure(usageFailure(e.message, EXIT.USAGE), true);
    else process.exitCode = EXIT.USAGE;
  } else {
    reportError(e, json);
  }
}
