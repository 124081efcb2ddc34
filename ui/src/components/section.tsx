import type { ReactNode } from 'react';
import { ApiCallError } from '../api.js';
import { Card, Empty, ErrorBox } from './ui.js';

/** A query's state as react-query gives it. */
export interface QueryState<T> {
  isPending: boolean;
  error: unknown;
  data: T | undefined;
}

/**
 * A page section fed by one query: loading, the API's error (code and message), the "not served by
 * this control plane" case (501 `API_NOT_AVAILABLE`) and the empty case each get their sentence, so
 * pages state them once instead of re-nesting the same conditionals.
 */
export function Section<T>(props: QueryBodyProps<T> & { title: string; id?: string }) {
  return (
    <Card title={props.title} id={props.id}>
      <QueryBody {...props} />
    </Card>
  );
}

/** What {@link QueryBody} shows for each state of its query. */
export interface QueryBodyProps<T> {
  query: QueryState<T>;
  /** What to say when the control plane does not serve this (501 API_NOT_AVAILABLE). */
  unavailable?: ReactNode;
  /** Whether the data counts as empty; then `empty` (and `emptyCommand`) show instead. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  emptyCommand?: string;
  children: (data: T) => ReactNode;
}

/** {@link Section}'s body without the card, for a query inside a card of its own. */
export function QueryBody<T>(props: QueryBodyProps<T>) {
  const { query: q } = props;
  if (
    q.error instanceof ApiCallError &&
    q.error.code === 'API_NOT_AVAILABLE' &&
    props.unavailable !== undefined
  ) {
    return <Empty>{props.unavailable}</Empty>;
  }
  if (q.error) return <ErrorBox error={q.error} />;
  if (q.isPending || q.data === undefined) return <p className="muted">Loading…</p>;
  if (props.isEmpty?.(q.data))
    return <Empty command={props.emptyCommand}>{props.empty ?? 'Nothing yet.'}</Empty>;
  return <>{props.children(q.data)}</>;
}

/** One column of a {@link QueryTable}: its header and how a row fills it. */
export interface Column<R> {
  header: string;
  cell: (row: R) => ReactNode;
  /** Right-aligned numbers. */
  numeric?: boolean;
}

/** Rows as a table with one header row; `rowKey` names each row for React. */
export function QueryTable<R>(props: {
  rows: readonly R[];
  columns: readonly Column<R>[];
  rowKey: (row: R) => string | number;
  caption?: string;
  rowClass?: (row: R) => string | undefined;
}) {
  return (
    <table>
      {props.caption === undefined ? null : <caption>{props.caption}</caption>}
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th key={c.header} scope="col" className={c.numeric ? 'num' : undefined}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr key={props.rowKey(r)} className={props.rowClass?.(r)}>
            {props.columns.map((c) => (
              <td key={c.header} className={c.numeric ? 'num' : undefined}>
                {c.cell(r)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
