import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { vi } from 'vitest';
import { Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import type { Role } from '../../src/api/ui-types.js';
import { hasRole } from './api.js';
import { SessionProvider } from './session.js';

/** One canned answer of the fake API: status and JSON body. */
export interface Canned {
  status?: number;
  body: unknown;
}

/** What the fake API was asked. */
export interface Call {
  method: string;
  path: string;
  body: unknown;
}

/**
 * Replaces `fetch` with a fake control plane answering `"GET /api/v1/models"`-style keys (the query
 * string is part of the path; a key without one matches any query), and records every call.
 */
export function fakeApi(routes: Record<string, Canned>): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    const path = String(url);
    calls.push({ method, path, body: init.body === undefined ? undefined : JSON.parse(String(init.body)) });
    const hit = routes[`${method} ${path}`] ?? routes[`${method} ${path.replace(/\?.*$/, '')}`];
    const answer = hit ?? {
      status: 404,
      body: { statusCode: 404, code: 'API_NOT_FOUND', message: `no ${path}` },
    };
    return new Response(JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json' },
    });
  });
  return calls;
}

/** Renders `ui` as a caller with `roles`, with a fresh query cache, at `path`. */
export function renderAs(roles: Role[], ui: ReactNode, path = '/') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const session = {
    id: `test-${roles.join('-')}`,
    roles,
    auth: 'token' as const,
    can: (r: Role) => hasRole(roles, r),
    signOut: () => {},
  };
  const location = memoryLocation({ path });
  return render(
    <QueryClientProvider client={client}>
      <Router hook={location.hook} searchHook={location.searchHook}>
        <SessionProvider session={session}>{ui}</SessionProvider>
      </Router>
    </QueryClientProvider>,
  );
}
