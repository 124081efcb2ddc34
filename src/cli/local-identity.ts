import { userInfo } from 'node:os';
import type { Actor, Role } from '../registry/index.js';
import { usageError } from './errors.js';

/**
 * The OS user running this process: who the local CLI acts as. Falls back to the numeric uid where
 * the account has no name (a container user without a passwd entry).
 */
export function localUser(): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // no passwd entry: fall through to the uid
  }
  return `uid-${process.getuid?.() ?? 'unknown'}`;
}

/**
 * The identity the local CLI records (run submitter, registry actor): `local:<OS user>`, so it is
 * never mistaken for an API token's principal. It comes from the operating system, not from a
 * flag or an environment variable a caller could set to pose as someone else.
 * @example localIdentity() // 'local:alice'
 */
export function localIdentity(): string {
  return `local:${localUser()}`;
}

/**
 * The actor of a local registry command: {@link localIdentity} with the roles in `BOOKML_ROLES`
 * (default `approver`: the workspace's owner; the CLI opens the database directly, so roles guard
 * mistakes here, tokens guard the API). `--as` may only name the OS user itself; naming anyone else
 * is refused (CLI_USAGE): acting as another person goes through the control-plane API with their token.
 * @example localActor({ as: undefined }, process.env) // { id: 'local:alice', roles: ['approver'] }
 */
export function localActor(flags: { as?: string | undefined }, env: NodeJS.ProcessEnv): Actor {
  const id = localIdentity();
  if (flags.as !== undefined && flags.as !== localUser() && flags.as !== id) {
    throw usageError(
      `--as ${flags.as} is not you: the local CLI acts as the OS user (${id}); to act as ${flags.as}, call the control-plane API with their token`,
      '--as',
    );
  }
  const roles = (env.BOOKML_ROLES ?? 'approver')
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is Role => s === 'viewer' || s === 'operator' || s === 'approver');
  return { id, roles };
}
