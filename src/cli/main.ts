#!/usr/bin/env node
import { Command } from 'commander';
import { commandModules } from './commands/index.js';
import { reportFailure } from './output.js';

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
    .option('--debug', 'print stack traces on failure')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  for (const register of commandModules) register(program);
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      process.exitCode = e.exitCode ?? 1;
      return;
    }
    const opts = program.opts();
    const json = argv.includes('--json');
    reportFailure(err, { json, debug: Boolean(opts.debug) });
  }
}

await main(process.argv);
