import type { Command } from 'commander';
import { resolveWorkspace, type Workspace } from '../core/index.js';

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

/** Parse an integer flag, naming the flag when it is not one. */
export function intOption(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new Error(`${flag} must be an integer, got "${value}"`);
    return n;
  };
}

/** Parse a number flag, naming the flag when it is not one. */
export function numberOption(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`${flag} must be a number, got "${value}"`);
    return n;
  };
}
