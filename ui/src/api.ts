import type { ErrorPayload, Role } from '../../src/api/ui-types.js';

/** A refusal or failure from the API, with the API's own code and message (shown as they are). */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

const TOKEN_KEY = 'bookml.token';

/** The token the user gave, kept for this tab only (sessionStorage). */
export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** Headers of every call: the bearer token when one was given. */
export function authHeaders(): Record<string, string> {
  const t = getToken();
  return t === null ? {} : { authorization: `Bearer ${t}` };
}

/**
 * Calls `/api/v1<path>` and returns its JSON; any status but 2xx throws an {@link ApiCallError} with the
 * API's `code`, `message` and `field`.
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { ...authHeaders() };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch (e) {
    throw new ApiCallError(0, 'UI_UNREACHABLE', `the control plane did not answer: ${(e as Error).message}`);
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data ?? {}) as Partial<ErrorPayload>;
    throw new ApiCallError(
      res.status,
      err.code ?? `HTTP_${res.status}`,
      err.message ?? res.statusText,
      err.field,
    );
  }
  return data as T;
}

/** Roles from least to most: each includes what the ones before it may do (the server's order). */
export const ROLE_ORDER = ['viewer', 'operator', 'approver'] as const satisfies readonly Role[];

/** Whether someone with `roles` may do what `need` may. */
export function hasRole(roles: readonly Role[], need: Role): boolean {
  const rank = (r: Role) => ROLE_ORDER.indexOf(r);
  return roles.some((r) => rank(r) >= rank(need));
}

/** `encodeURIComponent` for path segments. */
export const seg = encodeURIComponent;

/** A query string from the defined values, with its `?` (empty when none). */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}
