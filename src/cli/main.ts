#!/usr/bin/env node
import { Command } from 'commander';
import { commandModules } from './commands/index.js';
import { reportFailure } from './output.js';

/**
 * The `bookml` command. Each command module registers itself on the program; heavy modules are
 * loaded inside the actions with `import()` so `--help` stays instant.
 */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('bookml')
    .description("bookml — the Bookstore's recommendations loop: data, train, eval, recommend")
    .version(process.env.npm_package_version ?? '0.1.0')
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
