// What commander's own refusals look like: an unknown option or command, a missing option
// value or required option, a value outside an option's choices, a surplus argument, a group
// command without its sub-command. Like every other refusal of bad input (cli-error.ts), they
// are one line on stderr, `quantflow: <what> (<where the options are listed>)`, and exit 2.
// Commander's defaults were exit 1 and the command's whole help after the error, which buried
// the one line that said what was wrong and could not be told apart from a run that failed.
import type { Command } from 'commander';

/** Sets the policy on `command` and every sub-command below it (call after all are registered). */
export function applyUsageErrorPolicy(command: Command): void {
  const usage = `${commandPath(command)} --help`;
  command
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`${usageErrorLine(text, usage)}\n`) })
    .exitOverride((error) => {
      // Help and --version asked for end with 0; help shown because a command is missing is a refusal.
      process.exit(error.exitCode === 0 ? 0 : 2);
    });
  for (const sub of command.commands) applyUsageErrorPolicy(sub);
}

/** Commander's message (`error: ...`, possibly with a `(Did you mean ...?)` line) as one line naming where the usage is. */
export function usageErrorLine(message: string, usage: string): string {
  const text = message.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  return `quantflow: ${text} (see \`${usage}\`)`;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
