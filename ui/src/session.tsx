import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type FormEvent, type ReactNode, useContext, useState } from 'react';
import type { Role, WhoamiPayload } from '../../src/api/ui-types.js';
import { ApiCallError, api, hasRole, setToken } from './api.js';
import { ErrorBox } from './components/ui.js';

/** Who is using the dashboard: what `/api/v1/whoami` said for the token given (or none). */
export interface Session extends WhoamiPayload {
  can(role: Role): boolean;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

/** The current session; only inside {@link SessionGate}. */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (s === null) throw new Error('useSession outside SessionGate');
  return s;
}

/** Lets a test render a page as a given caller. */
export function SessionProvider(props: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={props.session}>{props.children}</SessionContext.Provider>;
}

/**
 * Asks the API who we are; with tokens configured and none (or a wrong one) given, asks for a token
 * (kept in sessionStorage for this tab). The pages then show only what the roles allow; the API checks
 * every call anyway.
 */
export function SessionGate(props: { children: ReactNode }) {
  const client = useQueryClient();
  const who = useQuery({ queryKey: ['whoami'], queryFn: () => api<WhoamiPayload>('/whoami'), retry: false });
  if (who.isPending) return <p className="muted">Connecting to the control plane…</p>;
  if (who.error instanceof ApiCallError && who.error.status === 401) {
    return (
      <TokenForm
        error={who.error}
        onToken={(t) => {
          setToken(t);
          void client.resetQueries();
        }}
      />
    );
  }
  if (who.error) return <ErrorBox error={who.error} />;
  const session: Session = {
    ...who.data,
    can: (role) => hasRole(who.data.roles, role),
    signOut: () => {
      setToken(null);
      void client.resetQueries();
    },
  };
  return <SessionProvider session={session}>{props.children}</SessionProvider>;
}

function TokenForm(props: { error: ApiCallError; onToken: (token: string) => void }) {
  const [token, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (token.trim() !== '') props.onToken(token.trim());
  };
  return (
    <main className="signin">
      <h1>bookml</h1>
      <p>This control plane needs an API token (viewer, operator or approver).</p>
      <form onSubmit={submit}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit">Sign in</button>
      </form>
      {props.error.code !== 'API_UNAUTHENTICATED' || token !== '' ? null : (
        <p className="muted">{props.error.message}</p>
      )}
    </main>
  );
}
