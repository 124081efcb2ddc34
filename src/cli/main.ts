#!/usr/bin/env node
import { Command } from 'commander';
import { commandModules } from './commands/index.js';
import { reportFailure } from './output.js';
import { commandPathOf, fromCommander, isCommanderFailure, withHelpHint } from './usage.js';

/**
 * The `bookml` command. Each command module registers itself on the program; heavy modules are
 * loaded inside the actions with `import()` so `--help` stays instant.
 */
export async function main(argv: string[]): Promise<void> {
  const version = process.env.npm_package_version ?? '0.1.0';
  // The root's --version only as the first argument: commander would otherwise take it anywhere in
  // argv, and `bookml model approve recommender --version 9` needs it for the model version.
  if (argv[2] === '--version' || argv[2] === '-V') {
    process.stdout.write(`${version}\n`);
    return;
  }
  const program = new Command('bookml')
    .description("bookml — the Bookstore's recommendations loop: data, train, eval, recommend")
    .addHelpText('after', '\nbookml -V, --version   print the version')
    .option('--home <dir>', 'workspace folder (default: ./.bookml, or BOOKML_HOME)')
    .option('--debug', 'print stack traces on failure');
  for (const register of commandModules) register(program);
  // Every command, however it was created: commander's failures come back here as errors (never a
  // process.exit from inside a subcommand), and are printed once, as one CLI_USAGE line, below.
  const quiet = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ outputError: () => {} });
    for (const sub of cmd.commands) quiet(sub);
  };
  quiet(program);
  try {
    await program.parseAsync(argv);
  } catch (caught) {
    let err = caught;
    if (isCommanderFailure(caught)) {
      const outcome = fromCommander(caught);
      if ('exitCode' in outcome) {
        process.exitCode = outcome.exitCode;
        return;
      }
      err = outcome.error;
    }
    const opts = program.opts();
    const json = argv.includes('--json');
    reportFailure(withHelpHint(err, commandPathOf(program, argv.slice(2))), {
      json,
      debug: Boolean(opts.debug),
    });
  }
}

await main(process.argv);
