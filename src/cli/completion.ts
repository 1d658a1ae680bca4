// `cairn completion bash`: the bash completion script for every command and option.
import type { Command } from 'commander';
import { addCompletionCommand } from '../client/completion.js';
import { CliError } from './exit-codes.js';

export function completionCommand(program: Command): void {
  addCompletionCommand(program, (message) => {
    throw new CliError(message);
  });
}
