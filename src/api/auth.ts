import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, RouteOptions } from 'fastify';
import { type Actor, hasRole, ROLES, type Role } from '../registry/index.js';
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
    /** The least role the route needs; every route declares one, or `public`. */
    role?: Role;
    /** Public routes (the OpenAPI document) skip authentication. */
    public?: boolean;
  }
}

/**
 * An `onRoute` hook: a route that declares neither `config.role` nor `config.public: true` stops the
 * control plane from starting, so a new route can never fall back to a default role.
 * @throws ApiError `API_ROUTE_ROLE_MISSING`
 * @example app.addHook('onRoute', requireDeclaredRole); // then: app.get('/x', { config: { role: 'viewer' } }, h)
 */
export function requireDeclaredRole(route: RouteOptions): void {
  const config = (route.config ?? {}) as { role?: unknown; public?: unknown };
  if (config.public === true) return;
  if (typeof config.role === 'string' && (ROLES as readonly string[]).includes(config.role)) return;
  const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
  throw new ApiError(
    'API_ROUTE_ROLE_MISSING',
    `${methods} ${route.url} declares no role: give it config.role (${ROLES.join(' | ')}) or config.public: true`,
    { field: 'config.role' },
  );
}

/** Where the server listens; the port is null until it does (in-process `inject` calls have none). */
export interface BoundPort {
  readonly port: number | null;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses what a web page could send: without tokens every caller is the local approver, so the
 * `Host` must name a loopback address the server is bound to, with its port (a DNS-rebound name or
 * another port is another origin); and, tokens or not, a mutating request a browser marks as coming
 * from another site (`Sec-Fetch-Site`, `Origin`) is refused. Clients that are not browsers send neither
 * header and are unaffected. Runs before authentication and before the body is read.
 * @throws ApiError `API_HOST_NOT_ALLOWED`, `API_CROSS_SITE_REQUEST`
 * @example app.addHook('onRequest', async (req) => checkRequestOrigin(config, { port: 8470 }, req));
 */
export function checkRequestOrigin(config: ApiConfig, bound: BoundPort, request: FastifyRequest): void {
  const host = request.headers.host;
  if (config.tokens.length === 0) checkLoopbackHost(config, bound, host);
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  // `same-site` is another origin too (another port of localhost is the same site).
  if (site === 'cross-site' || site === 'same-site') {
    throw new ApiError('API_CROSS_SITE_REQUEST', `refusing a ${site} ${request.method} from a browser`, {
      field: 'sec-fetch-site',
    });
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, host)) {
    throw new ApiError(
      'API_CROSS_SITE_REQUEST',
      `refusing a ${request.method} from a page of another origin (${origin.slice(0, 100)})`,
      { field: 'origin' },
    );
  }
}

function checkLoopbackHost(config: ApiConfig, bound: BoundPort, header: string | undefined): void {
  const parsed = header === undefined ? null : splitHost(header.toLowerCase());
  const names = [...LOOPBACK_NAMES, bracketed(config.host.toLowerCase())];
  const ok =
    parsed !== null &&
    names.includes(parsed.name) &&
    (bound.port === null || parsed.port === String(bound.port) || (parsed.port === '' && bound.port === 80));
  if (!ok) {
    throw new ApiError(
      'API_HOST_NOT_ALLOWED',
      `this API has no tokens and answers only requests to its loopback address (Host ${names[0]}${
        bound.port === null ? '' : `:${bound.port}`
      }), not "${(header ?? '').slice(0, 100)}"; configure tokens to serve other names`,
      { field: 'host' },
    );
  }
}

/** `[::1]:8470` → `[::1]`, `8470`; `localhost` → `localhost`, ``; null when it is not a host. */
function splitHost(h: string): { name: string; port: string } | null {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(h);
  return m ? { name: m[1], port: m[2] ?? '' } : null;
}

function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Whether a browser's `Origin` names the host the request was sent to. The scheme is not compared:
 * behind a TLS-terminating proxy the page is https and this server plain http.
 */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || origin === 'null') return false;
  try {
    const o = new URL(origin);
    return o.host === new URL(`${o.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/**
 * Resolves the caller from `Authorization: Bearer <token>`: with tokens configured, a missing or
 * unknown token is 401; a known token without the route's role is 403. Runs before the body is
 * touched, so a refused request changes nothing.
 * @example app.addHook('onRequest', async (req) => authorize(config, req));
 */
export function authorize(config: ApiConfig, request: FastifyRequest): void {
  const route = request.routeOptions.config;
  if (route.public) return;
  const actor = config.tokens.length === 0 ? LOCAL_ACTOR : identify(config, request.headers.authorization);
  request.actor = actor;
  // Only a path no route serves has no role (it answers 404); every route declared one at startup.
  const need = route.role ?? (request.is404 ? 'viewer' : undefined);
  if (need === undefined) {
    throw new ApiError(
      'API_ROUTE_ROLE_MISSING',
      `${request.method} ${request.routeOptions.url} declares no role`,
    );
  }
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
