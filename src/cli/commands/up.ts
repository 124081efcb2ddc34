import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import type { Command } from 'commander';
import { BookmlError } from '../../core/index.js';
import { workspaceOf } from '../context.js';

interface UpFlags {
  host?: string;
  port?: string;
  approver?: string;
}

/**
 * `bookml up` (the first slice of DESIGN.md's one-machine loop): when the registry has no
 * `recommender@production`, run the recommender pipeline (which generates the synthetic Bookstore
 * in an empty workspace), approve the version it moved to staging — as a local-demo approval,
 * recorded with the approver's identity and that reason — and then serve production.
 *
 * Each stage is the same `bookml` command a user would type, run as a child process, so what `up`
 * does is exactly what the printed commands do.
 */
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description(
      'the local loop: run the recommender pipeline if nothing serves yet, approve it for production (local demo), and serve it',
    )
    .option('--host <addr>', 'address to serve on (default 127.0.0.1)')
    .option('--port <n>', 'port to serve on (default 8080)')
    .option('--approver <id>', 'who approves the first production version (default: BOOKML_USER or USER)')
    .action(async (flags: UpFlags, cmd: Command) => {
      const ws = workspaceOf(cmd);
      const env = { ...process.env, BOOKML_HOME: ws.root };
      const script = process.argv[1];
      /** Run one stage as the user would type it, echoing the command; its output goes to the terminal. */
      const bookml = (args: string[]): void => {
        process.stderr.write(`\n$ bookml ${args.join(' ')}\n`);
        const r = spawnSync(process.execPath, [script, ...args], { env, stdio: 'inherit' });
        if (r.status !== 0)
          throw new BookmlError(
            'UP_STAGE_FAILED',
            `bookml ${args.join(' ')} ${r.error ? `failed: ${r.error.message}` : `exited ${r.status ?? r.signal}`}`,
            { field: args[0] },
          );
      };

      if (aliasVersion(script, env, 'production') === null) {
        process.stderr.write('no recommender@production yet: running the recommender pipeline\n');
        bookml(['run', 'submit', 'recommender', '--watch']);
        const staged = aliasVersion(script, env, 'staging');
        if (staged === null)
          throw new BookmlError(
            'UP_NOTHING_STAGED',
            'the pipeline moved no version to staging (see `bookml run get @latest`); nothing to serve',
            { field: 'staging' },
          );
        const as = flags.approver ? ['--as', flags.approver] : [];
        bookml([
          'model',
          'approve',
          'recommender',
          '--version',
          String(staged),
          '--reason',
          'local demo: first production version, approved by bookml up',
          ...as,
        ]);
      }
      const where = [
        ...(flags.host ? ['--host', flags.host] : []),
        ...(flags.port ? ['--port', flags.port] : []),
      ];
      process.stderr.write(`\n$ bookml serve --model production ${where.join(' ')}\n`);
      // The server runs in its own process group, so a terminal's Ctrl-C reaches only this process,
      // which forwards it once: one graceful shutdown (drain, flush the prediction log), and this
      // process exits as the server did.
      const child = spawn(process.execPath, [script, 'serve', '--model', 'production', ...where], {
        env,
        stdio: 'inherit',
        detached: true,
      });
      const forward = (sig: NodeJS.Signals) => child.kill(sig);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
        (resolve, reject) => {
          child.once('error', reject);
          child.once('exit', (code, signal) => resolve({ code, signal }));
        },
      );
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      process.exitCode = exit.code ?? 128 + (exit.signal ? constants.signals[exit.signal] : 1);
    });
}

/** The version `recommender@<name>` points at; null only when nothing is registered under it yet. */
function aliasVersion(script: string, env: NodeJS.ProcessEnv, name: string): number | null {
  const r = spawnSync(process.execPath, [script, 'model', 'get', 'recommender', '--json'], {
    env,
    encoding: 'utf8',
  });
  const out = JSON.parse(r.stdout || '{}') as {
    aliases?: Record<string, number>;
    error?: { code: string; message: string; field?: string };
  };
  if (r.status === 0) return out.aliases?.[name] ?? null;
  if (out.error?.code === 'REGISTRY_MODEL_NOT_FOUND') return null;
  // A registry that cannot be read must not look like an empty one: that would re-run the
  // pipeline and approve a new production version without anyone asking.
  throw new BookmlError(
    out.error?.code ?? 'UP_STAGE_FAILED',
    out.error?.message ?? `bookml model get recommender exited ${r.status ?? r.signal}`,
    { field: out.error?.field ?? 'registry' },
  );
}
