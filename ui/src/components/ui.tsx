import type { ReactNode } from 'react';
import { ApiCallError } from '../api.js';

/** An error as the API gave it: its code, then its message. */
export function ErrorBox(props: { error: unknown }) {
  const e = props.error;
  const code = e instanceof ApiCallError ? e.code : 'UI_ERROR';
  const message = e instanceof Error ? e.message : String(e);
  return (
    <div className="error" role="alert">
      <code>{code}</code> {message}
    </div>
  );
}

/** What to do when a list is empty: a sentence and, where there is one, the command. */
export function Empty(props: { children: ReactNode; command?: string }) {
  return (
    <div className="empty">
      <p>{props.children}</p>
      {props.command === undefined ? null : <code className="command">{props.command}</code>}
    </div>
  );
}

/** A phase (run, node, approval) as a coloured label; the text says it, colour only helps. */
export function Phase(props: { phase: string }) {
  return <span className={`phase phase-${props.phase.toLowerCase()}`}>{props.phase}</span>;
}

/** A section of a page with its heading. */
export function Card(props: { title: string; children: ReactNode; id?: string }) {
  const id = props.id ?? `card-${props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** Loading, error or the content of a query. */
export function Loaded<T>(props: {
  query: { isPending: boolean; error: unknown; data: T | undefined };
  children: (data: T) => ReactNode;
}) {
  if (props.query.error) return <ErrorBox error={props.query.error} />;
  if (props.query.isPending || props.query.data === undefined) return <p className="muted">Loading…</p>;
  return <>{props.children(props.query.data)}</>;
}

/** Epoch ms as a local date and time. */
export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** A duration between two epoch ms (to now when not finished). */
export function duration(from: number | null, to: number | null): string {
  if (from === null) return '—';
  const s = Math.max(0, Math.round(((to ?? Date.now()) - from) / 1000));
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m ${s % 60}s`
      : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** A number with a few significant digits. */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? String(v) : v.toPrecision(4);
}
