import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { Role } from '../../../src/api/ui-types.js';
import { authHeaders, ROLE_ORDER } from '../api.js';
import { Card, Loaded } from '../components/ui.js';
import { useSession } from '../session.js';

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  schema?: { type?: unknown; description?: string };
}
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema: unknown }> }>;
  'x-bookml-role'?: string;
}
interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}

const DOCS = {
  control: { url: '/api/docs', title: 'Control plane', file: '/api/docs/openapi.json' },
  serving: { url: '/api/docs/serving.json', title: 'Serving', file: '/api/docs/serving.json' },
} as const;
type Surface = keyof typeof DOCS;

/**
 * The API reference, from the OpenAPI documents themselves: the control plane's (`/api/docs`) and the
 * serving API's (`bookml serve` answers it at `/openapi.json`; the control plane serves a copy). Each
 * operation opens to its parameters, body and responses; control-plane operations the caller's role
 * allows can be tried from the page.
 */
export default function ApiReference() {
  const [surface, setSurface] = useState<Surface>('control');
  const doc = useQuery({
    queryKey: ['openapi', surface],
    queryFn: async () => (await (await fetch(DOCS[surface].url)).json()) as OpenApiDoc,
    staleTime: Number.POSITIVE_INFINITY,
  });
  return (
    <>
      <h1>API reference</h1>
      <div className="filters" role="tablist" aria-label="API">
        {(Object.keys(DOCS) as Surface[]).map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={surface === s}
            className={surface === s ? undefined : 'link'}
            onClick={() => setSurface(s)}
          >
            {DOCS[s].title} API
          </button>
        ))}
      </div>
      <p>
        The OpenAPI 3.1 document: <a href={DOCS[surface].file}>{DOCS[surface].file}</a>
        {surface === 'serving' ? (
          <>
            {' '}
            (a serving process answers it itself at <code>/openapi.json</code>; try its routes with{' '}
            <code>curl -s 'http://127.0.0.1:8080/recommend?book_id=1&amp;k=5'</code>)
          </>
        ) : null}
        .
      </p>
      <Loaded query={doc}>
        {(d) => (
          <div role="tabpanel" aria-label={`${DOCS[surface].title} API`}>
            {d.info.description ? <p className="muted">{d.info.description}</p> : null}
            {[...groupByTag(d)].map(([tag, ops]) => (
              <Card key={tag} title={tag} id={`api-${surface}-${tag}`}>
                {ops.map(([method, path, op]) => (
                  <OperationView
                    key={`${method} ${path}`}
                    method={method}
                    path={path}
                    op={op}
                    tryable={surface === 'control'}
                  />
                ))}
              </Card>
            ))}
          </div>
        )}
      </Loaded>
    </>
  );
}

function groupByTag(d: OpenApiDoc): Map<string, Array<[string, string, Operation]>> {
  const byTag = new Map<string, Array<[string, string, Operation]>>();
  for (const [path, ops] of Object.entries(d.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), [method, path, op]]);
    }
  }
  return byTag;
}

const json = (v: unknown) => JSON.stringify(v, null, 2);

function OperationView(props: { method: string; path: string; op: Operation; tryable: boolean }) {
  const { method, path, op } = props;
  const params = op.parameters ?? [];
  const body = op.requestBody ? Object.values(op.requestBody.content)[0]?.schema : undefined;
  return (
    <details className="api-op">
      <summary>
        <code className="method">{method.toUpperCase()}</code> <code>{path}</code> — {op.summary}
        {op['x-bookml-role'] ? <span className="tag">{op['x-bookml-role']}</span> : null}
      </summary>
      {op.description ? <p>{op.description}</p> : null}
      {params.length === 0 ? null : (
        <table>
          <thead>
            <tr>
              <th scope="col">Parameter</th>
              <th scope="col">In</th>
              <th scope="col">Type</th>
              <th scope="col">About</th>
            </tr>
          </thead>
          <tbody>
            {params.map((p) => (
              <tr key={`${p.in} ${p.name}`}>
                <td>
                  <code>{p.name}</code>
                  {p.required ? ' (required)' : ''}
                </td>
                <td>{p.in}</td>
                <td>{String(p.schema?.type ?? '')}</td>
                <td>{p.schema?.description ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {body === undefined ? null : (
        <>
          <h3>Body</h3>
          <pre>{json(body)}</pre>
        </>
      )}
      <h3>Responses</h3>
      <ul className="plain">
        {Object.entries(op.responses ?? {}).map(([status, r]) => (
          <li key={status}>
            <code>{status}</code> {r.description}
            {status.startsWith('2') && r.content ? (
              <details>
                <summary>schema</summary>
                <pre>{json(Object.values(r.content)[0]?.schema)}</pre>
              </details>
            ) : null}
          </li>
        ))}
      </ul>
      {props.tryable ? (
        <TryIt
          method={method}
          path={path}
          params={params}
          hasBody={body !== undefined}
          role={op['x-bookml-role']}
        />
      ) : null}
    </details>
  );
}

/** Sends the operation with the caller's token and shows the answer as it came. */
function TryIt(props: {
  method: string;
  path: string;
  params: Parameter[];
  hasBody: boolean;
  role?: string;
}) {
  const session = useSession();
  const id = useId();
  const [values, setValues] = useState<Record<string, string>>({});
  const [body, setBody] = useState('{}');
  const [answer, setAnswer] = useState<{ status: number; text: string } | null>(null);
  const role = props.role as Role | undefined;
  if (role !== undefined && ROLE_ORDER.includes(role) && !session.can(role)) {
    return <p className="muted">Trying it needs the {role} role.</p>;
  }
  const send = async () => {
    let url = props.path;
    const q = new URLSearchParams();
    for (const p of props.params) {
      const v = values[`${p.in} ${p.name}`] ?? '';
      if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(v));
      else if (v !== '') q.set(p.name, v);
    }
    const qs = q.toString();
    const headers: Record<string, string> = { ...authHeaders() };
    if (props.hasBody) headers['content-type'] = 'application/json';
    try {
      const res = await fetch(qs === '' ? url : `${url}?${qs}`, {
        method: props.method.toUpperCase(),
        headers,
        body: props.hasBody ? body : undefined,
      });
      const text = await res.text();
      let shown = text;
      try {
        shown = json(JSON.parse(text));
      } catch {
        // Not JSON (metrics, a file): shown as it came.
      }
      setAnswer({ status: res.status, text: shown.slice(0, 20_000) });
    } catch (e) {
      setAnswer({ status: 0, text: (e as Error).message });
    }
  };
  return (
    <form
      className="try"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <h3>Try it</h3>
      <div className="filters">
        {props.params.map((p) => {
          const key = `${p.in} ${p.name}`;
          return (
            <span key={key}>
              <label htmlFor={`${id}-${p.name}`}>{p.name}</label>{' '}
              <input
                id={`${id}-${p.name}`}
                value={values[key] ?? ''}
                required={p.required === true}
                onChange={(e) => setValues({ ...values, [key]: e.target.value })}
                size={14}
              />
            </span>
          );
        })}
      </div>
      {props.hasBody ? (
        <>
          <label htmlFor={`${id}-body`}>Body (JSON)</label>
          <br />
          <textarea
            id={`${id}-body`}
            value={body}
            onChange={(e) => setBody(e.target.value)}
            rows={4}
            cols={60}
          />
        </>
      ) : null}
      <div>
        <button type="submit">Send {props.method.toUpperCase()}</button>
      </div>
      {answer === null ? null : (
        <output aria-live="polite">
          <p>
            Status <code>{answer.status}</code>
          </p>
          <pre>{answer.text}</pre>
        </output>
      )}
    </form>
  );
}
