import type { Command } from 'commander';
import { isBookmlError } from '../core/index.js';
import { CliError, usageError } from './errors.js';

/** The parts of commander's `CommanderError` this module reads. */
export interface CommanderFailure {
  code: string;
  message: string;
  exitCode: number;
}

/** True when `e` is an error commander raised while parsing (its codes start with `commander.`). */
export function isCommanderFailure(e: unknown): e is CommanderFailure {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' && c.startsWith('commander.');
}

/**
 * What the process should do after commander stopped parsing: exit quietly with a status (help or
 * version was printed), or report a `CLI_USAGE` error.
 */
export type CommanderOutcome = { exitCode: number } | { error: CliError };

/**
 * Turn commander's own failure into `CLI_USAGE` naming the flag or argument at fault; `--help`
 * and `--version` stay successes, and help printed because a command group got no subcommand
 * exits 2 like any other usage error.
 *
 * @example
 * fromCommander({ code: 'commander.unknownOption', message: "error: unknown option '--nope'", exitCode: 1 });
 * // { error: CliError CLI_USAGE "unknown option '--nope'" field '--nope' }
 */
export function fromCommander(e: CommanderFailure): CommanderOutcome {
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return { exitCode: 0 };
  // `help({ error: true })` already wrote the help to stderr; a second line would only repeat it.
  if (e.code === 'commander.help') return { exitCode: e.exitCode === 0 ? 0 : 2 };
  const message = e.message
    .replace(/^error:\s*/, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
  return { error: usageError(message, fieldOf(e.code, message)) };
}

/** The flag or argument a commander message is about, named as the user types it. */
function fieldOf(code: string, message: string): string | undefined {
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case 'commander.unknownOption':
      return quoted;
    case 'commander.unknownCommand':
      return 'command';
    case 'commander.missingArgument':
      return quoted;
    case 'commander.optionMissingArgument':
    case 'commander.missingMandatoryOptionValue':
    case 'commander.conflictingOption':
      return quoted === undefined ? undefined : flagOf(quoted);
    case 'commander.invalidArgument': {
      const argument = /for argument '([^']+)'/.exec(message)?.[1];
      return argument ?? (quoted === undefined ? undefined : flagOf(quoted));
    }
    default:
      return undefined;
  }
}

/** `-k, --k <n>` → `--k`: the long form when there is one. */
function flagOf(flags: string): string {
  return /--[A-Za-z0-9][\w-]*/.exec(flags)?.[0] ?? /-[A-Za-z0-9]/.exec(flags)?.[0] ?? flags;
}

/**
 * The command `args` (argv without `node script`) names, as the user would type it for `--help`:
 * `bookml model approve` for `model approve recommender --version 3`.
 */
export function commandPathOf(program: Command, args: readonly string[]): string {
  const words = [program.name()];
  let cmd = program;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (a.startsWith('-')) {
      // An option's value is not a command name: skip it too (`--home DIR train`).
      const name = a.split('=')[0];
      const opt = cmd.options.find((o) => o.long === name || o.short === name);
      if (opt && (opt.required || opt.optional) && !a.includes('=')) i++;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    words.push(sub.name());
    cmd = sub;
  }
  return words.join(' ');
}

/**
 * A `CLI_USAGE` error with the pointer to the command's help appended; any other error unchanged.
 * @example withHelpHint(usageError('--k must be an integer, got "abc"', '--k'), 'bookml train')
 * // message: '--k must be an integer, got "abc" (see bookml train --help)'
 */
export function withHelpHint(err: unknown, commandPath: string): unknown {
  if (!isBookmlError(err, 'CLI_USAGE') || err.message.includes('--help')) return err;
  return new CliError('CLI_USAGE', `${err.message} (see ${commandPath} --help)`, {
    field: err.field,
    cause: err,
  });
}
