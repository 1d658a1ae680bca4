// `cairn completion bash` and `cairn-wallet completion bash`: a bash completion script built from the
// commander tree itself, so it can never miss a command or an option. Install with
//   source <(cairn completion bash)
import type { Command } from 'commander';

function words(cmd: Command): string {
  return cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)).join(' ');
}

export function bashCompletion(program: Command): string {
  const name = program.name();
  const fn = `_${name.replace(/[^A-Za-z0-9]/g, '_')}_complete`;
  const commands = program.commands.map((c) => c.name());
  const cases = program.commands.map((c) => `    ${c.name()}) opts="${words(c)} --help" ;;`);
  return `# bash completion for ${name}: source <(${name} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  local opts="${words(program)} --help"
  if [[ -z "$cmd" ]]; then
    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur"));
    else COMPREPLY=($(compgen -W "${commands.join(' ')}" -- "$cur")); fi
    return
  fi
  case "$cmd" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F ${fn} ${name}
`;
}

/** Adds `completion <shell>` to `program` (bash only, for now). */
export function addCompletionCommand(program: Command, onError: (message: string) => never): void {
  program
    .command('completion')
    .description(
      'print a shell completion script: source <(PROGRAM completion bash)'.replace('PROGRAM', program.name()),
    )
    .argument('<shell>', 'the shell (bash)')
    .action((shell: string) => {
      if (shell !== 'bash') onError(`completion supports bash only, not ${JSON.stringify(shell)}`);
      process.stdout.write(bashCompletion(program));
    });
}
