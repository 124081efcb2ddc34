import type { Command } from 'commander';
import { resolveWorkspace, type Workspace } from '../core/index.js';
import { usageError } from './errors.js';

/** The workspace a command works on: `--home`, else BOOKML_HOME, else ./.bookml. */
export function workspaceOf(cmd: Command): Workspace {
  const { home } = cmd.optsWithGlobals() as { home?: string };
  return resolveWorkspace(home);
}

/**
 * The composition root's configuration for a command: `--home` and `--log-level` from the flags, the
 * rest from the environment — the one place the CLI hands `process.env` down.
 */
export async function appConfigOf(cmd: Command): Promise<import('../app/index.js').AppConfig> {
  const { home } = cmd.optsWithGlobals() as { home?: string };
  const { resolveAppConfig } = await import('../app/index.js');
  return resolveAppConfig({ flags: { home }, env: process.env });
}

/**
 * Run `fn` with the artifact store the app's configuration names (`BOOKML_ARTIFACTS` and its S3
 * settings, through the composition root), without opening the database; closes what was opened.
 * @example const saved = await withArtifactStore(cmd, (store) => saveLatestModel(ws, store, input));
 */
export async function withArtifactStore<T>(
  cmd: Command,
  fn: (store: import('../store/artifacts/index.js').ArtifactStore) => Promise<T>,
): Promise<T> {
  const { createApp } = await import('../app/index.js');
  const app = createApp(await appConfigOf(cmd));
  try {
    return await fn(await app.stores.artifacts());
  } finally {
    await app.close();
  }
}

/**
 * Parse an integer flag; a value that is not one is `CLI_USAGE` naming the flag.
 * @example program.option('-k, --k <n>', 'list length', intOption('--k'), 10);
 */
export function intOption(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n))
      throw usageError(`${flag} must be an integer, got "${value}"`, flag);
    return n;
  };
}

/**
 * Parse a number flag; a value that is not one is `CLI_USAGE` naming the flag.
 * @example program.option('--alpha <a>', 'damping', numberOption('--alpha'));
 */
export function numberOption(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      throw usageError(`${flag} must be a number, got "${value}"`, flag);
    return n;
  };
}

/**
 * Host components in the foreground, as `bookml api`, `serve` and `events serve` do: one signal handler,
 * the app's stores closed when the host stops (or when a component cannot start, before the error is
 * reported), and — with `exitOnStop` — the process ended once everything has drained.
 */
export async function hostInForeground(
  app: import('../app/index.js').App,
  components: import('../app/index.js').Component[],
  options: { log?: (line: string) => void; exitOnStop?: boolean } = {},
): Promise<void> {
  const { Host } = await import('../app/index.js');
  const host = new Host(components, { log: options.log ?? ((line) => process.stderr.write(`${line}\n`)) });
  const releaseSignals = host.handleSignals();
  try {
    await host.start();
  } catch (e) {
    // Nothing is left to stop: a later signal must end the process, not wait on this host.
    releaseSignals();
    await app.close();
    throw e;
  }
  void host.stopped.then(async () => {
    await app.close();
    if (options.exitOnStop) process.exit();
  });
}
