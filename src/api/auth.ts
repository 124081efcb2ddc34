import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { type Actor, hasRole, type Role } from '../registry/index.js';
import { type ApiConfig, hashToken } from './config.js';
import { ApiError } from './errors.js';

/** The actor of every request when no token is configured (loopback only, see {@link loadApiConfig}). */
export const LOCAL_ACTOR: Actor = Object.freeze({
  id: 'local',
  roles: Object.freeze(['approver'] as Role[]),
});

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, set by the auth hook before any handler runs. */
    actor: Actor;
  }
  interface FastifyContextConfig {
    /** The least role the route needs. @default 'viewer' */
    role?: Role;
    /** Public routes (the OpenAPI document) skip authentication. */
    public?: boolean;
  }
}

/**
 * Resolves the caller from `Authorization: Bearer <token>`: with tokens configured, a missing or
 * unknown token is 401; a known token without the route's role is 403. Runs before the body is
 * touched, so a refused request changes nothing.
 */
export function authorize(config: ApiConfig, request: FastifyRequest): void {
  const route = request.routeOptions.config;
  if (route.public) return;
  const actor = config.tokens.length === 0 ? LOCAL_ACTOR : identify(config, request.headers.authorization);
  request.actor = actor;
  const need = route.role ?? 'viewer';
  if (!hasRole(actor, need)) {
    throw new ApiError(
      'API_FORBIDDEN',
      `${actor.id} (${actor.roles.join(', ')}) needs the ${need} role for ${request.method} ${request.routeOptions.url ?? request.url}`,
    );
  }
}

function identify(config: ApiConfig, header: string | undefined): Actor {
  const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) {
    throw new ApiError('API_UNAUTHENTICATED', 'send an API token as "Authorization: Bearer <token>"');
  }
  const presented = Buffer.from(hashToken(m[1]), 'hex');
  // Every configured hash is compared, in constant time each, so timing tells nothing about which matched.
  let found: Actor | undefined;
  for (const t of config.tokens) {
    if (timingSafeEqual(presented, Buffer.from(t.sha256, 'hex')) && found === undefined)
      found = { id: t.id, roles: t.roles };
  }
  if (found === undefined) throw new ApiError('API_UNAUTHENTICATED', 'the API token is not valid');
  return found;
}
