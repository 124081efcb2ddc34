import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { usageError } from './errors.js';
import { commandPathOf, fromCommander, withHelpHint } from './usage.js';

describe('commander failures', () => {
  const failure = (code: string, message: string, exitCode = 1) => fromCommander({ code, message, exitCode });

  it.each([
    ['commander.unknownOption', "error: unknown option '--nope'\n(Did you mean --home?)", '--nope'],
    ['commander.unknownCommand', "error: unknown command 'nosuch'", 'command'],
    ['commander.missingArgument', "error: missing required argument 'model'", 'model'],
    ['commander.optionMissingArgument', "error: option '-k, --k <n>' argument missing", '--k'],
    [
      'commander.missingMandatoryOptionValue',
      "error: required option '--version <n>' not specified",
      '--version',
    ],
    [
      'commander.invalidArgument',
      "error: option '--target <target>' argument 'kfp' is invalid. Allowed choices are argo.",
      '--target',
    ],
    [
      'commander.excessArguments',
      "error: too many arguments for 'get'. Expected 1 argument but got 2.",
      undefined,
    ],
  ])('%s → CLI_USAGE naming %s', (code, message, field) => {
    const outcome = failure(code, message);
    if (!('error' in outcome)) throw new Error('expected an error');
    expect(outcome.error).toMatchObject({ code: 'CLI_USAGE', field, exitCode: 2 });
    expect(outcome.error.message).not.toMatch(/^error:|\n/);
  });

  it('help and version are not failures; help for a bare command group exits 2', () => {
    expect(failure('commander.helpDisplayed', '(outputHelp)', 0)).toEqual({ exitCode: 0 });
    expect(failure('commander.version', '0.1.0', 0)).toEqual({ exitCode: 0 });
    expect(failure('commander.help', '(outputHelp)', 1)).toEqual({ exitCode: 2 });
  });
});

describe('commandPathOf', () => {
  const program = new Command('bookml').option('--home <dir>').option('--debug');
  const model = program.command('model');
  model.command('approve').argument('<model>').option('--version <n>');
  program.command('train').option('-k, --k <n>');

  it.each([
    [['train', '-k', 'abc'], 'bookml train'],
    [['--home', 'train', 'train'], 'bookml train'],
    [['--debug', 'model', 'approve', 'recommender', '--version', '3'], 'bookml model approve'],
    [['nosuchcommand'], 'bookml'],
    [[], 'bookml'],
  ])('%j → %s', (args, path) => {
    expect(commandPathOf(program, args)).toBe(path);
  });

  it('appends the help pointer to usage errors only', () => {
    const hinted = withHelpHint(usageError('--k must be an integer, got "abc"', '--k'), 'bookml train');
    expect(hinted).toMatchObject({
      code: 'CLI_USAGE',
      field: '--k',
      message: '--k must be an integer, got "abc" (see bookml train --help)',
    });
    const other = new Error('x');
    expect(withHelpHint(other, 'bookml')).toBe(other);
  });
});
