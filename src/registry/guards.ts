import { RegistryError } from './errors.js';
import { isProtectedAlias, type ModelPolicy } from './policy.js';
import type { Actor } from './types.js';
import { hasRole } from './types.js';

// The checks every registry mutation makes before it writes, whichever route it came from (the
// CLI, `/api/v1`, the MLflow routes): one place, so a new route cannot forget one.

/** Throws `REGISTRY_FORBIDDEN` unless `actor` holds `role` (or one above it). */
export function requireRole(actor: Actor, role: 'operator' | 'approver', what: string): void {
  if (!hasRole(actor, role)) {
    throw new RegistryError('REGISTRY_FORBIDDEN', `${actor.id} needs the ${role} role to ${what}`, {
      field: 'actor',
    });
  }
}

/**
 * A change that would take `aliases` away from their version (delete, rename the model, archive
 * the version): the operator role, and the approver role when one of them is protected
 * (`production`, or an alias whose rule requires an approval) — the same path an alias move takes.
 * @example requireAliasRemoval(actor, m.policy, Object.keys(m.aliases), `rename ${m.name}`)
 */
export function requireAliasRemoval(
  actor: Actor,
  policy: ModelPolicy,
  aliases: readonly string[],
  what: string,
): void {
  requireRole(actor, 'operator', what);
  const guarded = aliases.filter((a) => isProtectedAlias(policy, a));
  if (guarded.length > 0 && !hasRole(actor, 'approver')) {
    throw new RegistryError(
      'REGISTRY_FORBIDDEN',
      `${actor.id} needs the approver role to ${what}: it takes ${guarded.map((a) => `"${a}"`).join(', ')} away from what it serves`,
      { field: 'actor', details: { aliases: guarded } },
    );
  }
}
