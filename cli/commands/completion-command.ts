import type { Command } from 'commander';
import { UsageError } from '../cli-errors';

const SHELLS = ['bash', 'zsh'] as const;

/** Every option's long flag (and short one) of a command. */
function flagsOf(command: Command): string[] {
  return command.options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => Boolean(flag)));
}

/**
 * `rollbackctl completion bash|zsh`: a completion script for the commands, their options and the
 * options every command takes, and the values that are a fixed list (scenarios, output formats),
 * from the program itself, so it never lags behind it. zsh loads it through bashcompinit.
 */
export function completionScript(program: Command, shell: string, values: Record<string, readonly string[]>): string {
  if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`invalid shell "${shell}": use one of ${SHELLS.join(', ')}`);
  const global = flagsOf(program);
  const commands = program.commands.map((command) => ({ name: command.name(), flags: flagsOf(command), subcommands: command.commands.map((sub) => sub.name()) }));
  const cases = commands
    .map(({ name, flags, subcommands }) => `    ${name}) words="${[...subcommands, ...flags, ...global].join(' ')}" ;;`)
    .join('\n');
  const valueCases = Object.entries(values)
    .map(([flag, choices]) => `    ${flag}) COMPREPLY=($(compgen -W "${choices.join(' ')}" -- "$current")); return ;;`)
    .join('\n');
  const body = `# rollbackctl completion (${shell}): eval "$(rollbackctl completion ${shell})", e.g. in ~/.${shell}rc
_rollbackctl() {
  local current="\${COMP_WORDS[COMP_CWORD]}" previous="\${COMP_WORDS[COMP_CWORD-1]}" command="" words word
  case "$previous" in
${valueCases}
  esac
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$word" in -*) ;; *) command="$word"; break ;; esac
  done
  case "$command" in
    "") words="${[...commands.map((command) => command.name), ...global].join(' ')}" ;;
${cases}
    *) words="${global.join(' ')}" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$current"))
}
complete -F _rollbackctl rollbackctl`;
  return shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${body}` : body;
}
