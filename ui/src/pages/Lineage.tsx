import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link, useLocation } from 'wouter';
import type {
  LineageGraphNodePayload,
  LineageGraphPayload,
  ModelPayload,
  RunRecord,
  VersionPayload,
} from '../../../src/api/ui-types.js';
import { ApiCallError, api, query, seg } from '../api.js';
import { LayeredGraph } from '../components/graph.js';
import { Card, Empty, ErrorBox, Loaded, when } from '../components/ui.js';

/** The page a lineage box opens; null for a box with no page of its own (an artifact). */
export function lineageHref(n: LineageGraphNodePayload): string | null {
  switch (n.kind) {
    case 'run':
    case 'node':
      return n.runId === null ? null : `/runs/${seg(n.runId)}`;
    case 'version':
      return n.model === null ? null : `/models/${seg(n.model)}${query({ version: n.version ?? undefined })}`;
    case 'alias':
      return n.model === null ? null : `/models/${seg(n.model)}`;
    case 'dataset':
      return n.hash === null ? null : `/data${query({ dataset: n.hash })}`;
    default:
      return null;
  }
}

const KIND_LABEL: Record<LineageGraphNodePayload['kind'], string> = {
  dataset: 'Dataset',
  run: 'Run',
  node: 'Node',
  artifact: 'Artifact',
  version: 'Version',
  alias: 'Alias',
};

/**
 * Lineage: dataset → run → nodes → artifacts → version → alias as a graph, for a run or a version.
 * Clicking a box opens its page (run, version, dataset); without a subject, a picker of recent versions
 * and runs.
 */
export default function Lineage(props: { run?: string; model?: string; version?: string }) {
  if (props.run !== undefined) {
    return <LineageOf title={`Lineage of run ${props.run}`} path={`/lineage/runs/${seg(props.run)}`} />;
  }
  if (props.model !== undefined && props.version !== undefined) {
    const v = /^\d+$/.test(props.version) ? `v${props.version}` : props.version;
    return (
      <LineageOf
        title={`Lineage of ${props.model} ${v}`}
        path={`/lineage/models/${seg(props.model)}/versions/${seg(props.version)}`}
      />
    );
  }
  return <LineagePicker />;
}

function LineageOf(props: { title: string; path: string }) {
  const graph = useQuery({
    queryKey: ['lineage', props.path],
    queryFn: () => api<LineageGraphPayload>(props.path),
  });
  const [, navigate] = useLocation();
  const [picked, setPicked] = useState<LineageGraphNodePayload | null>(null);
  return (
    <>
      <h1>{props.title}</h1>
      <p>
        <Link href="/lineage">All versions and runs</Link>
      </p>
      <Loaded query={graph}>
        {(g) => {
          const byId = new Map(g.nodes.map((n) => [n.id, n]));
          const open = (id: string) => {
            const n = byId.get(id);
            if (n === undefined) return;
            const href = lineageHref(n);
            if (href !== null) navigate(href);
            else setPicked(n);
          };
          return (
            <>
              <Card title="Graph">
                <p className="muted">
                  Click a box to open its page. Arrows run from what was used to what it made.
                </p>
                <LayeredGraph
                  label={props.title}
                  onSelect={open}
                  width={200}
                  height={58}
                  boxes={g.nodes.map((n) => ({
                    id: n.id,
                    className: `graph-node kind-${n.kind}${n.phase ? ` phase-${n.phase.toLowerCase()}` : ''}${
                      n.id === g.focus ? ' focus' : ''
                    }`,
                    label: (
                      <div data-testid={`lineage-${n.kind}`} data-id={n.id} title={n.detail ?? undefined}>
                        <strong>{KIND_LABEL[n.kind]}</strong> {n.label}
                        <br />
                        <span className="muted">{n.detail ?? ''}</span>
                      </div>
                    ),
                  }))}
                  arrows={g.edges}
                />
                {picked === null ? null : (
                  <p role="status">
                    {KIND_LABEL[picked.kind]} {picked.label}: <code>{picked.hash ?? picked.id}</code> — its
                    whole chain: <code className="command">bookml lineage {picked.hash ?? ''}</code>
                  </p>
                )}
              </Card>
              <Card title="Everything in this lineage">
                <ul className="plain">
                  {g.nodes.map((n) => {
                    const href = lineageHref(n);
                    return (
                      <li key={n.id}>
                        {KIND_LABEL[n.kind]}{' '}
                        {href === null ? <strong>{n.label}</strong> : <Link href={href}>{n.label}</Link>}{' '}
                        <span className="muted">{n.detail ?? ''}</span>
                      </li>
                    );
                  })}
                </ul>
              </Card>
            </>
          );
        }}
      </Loaded>
    </>
  );
}

function LineagePicker() {
  const models = useQuery({
    queryKey: ['models'],
    queryFn: () => api<{ models: ModelPayload[] }>('/models'),
  });
  const runs = useQuery({
    queryKey: ['runs', 'lineage'],
    queryFn: () => api<{ runs: RunRecord[] }>('/runs?limit=10'),
  });
  const [, navigate] = useLocation();
  const [runId, setRunId] = useState('');
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (runId.trim() !== '') navigate(`/lineage/runs/${seg(runId.trim())}`);
  };
  return (
    <>
      <h1>Lineage</h1>
      <p>Where a model comes from: dataset → run → nodes → artifacts → version → alias.</p>
      <Card title="Versions">
        <Loaded query={models}>
          {(d) =>
            d.models.length === 0 ? (
              <Empty command="bookml run recommender   # or: bookml up">
                No model is registered yet. A pipeline run registers one, with its lineage:
              </Empty>
            ) : (
              d.models.map((m) => <ModelVersions key={m.name} model={m} />)
            )
          }
        </Loaded>
      </Card>
      <Card title="Runs">
        <form className="filters" onSubmit={submit}>
          <label htmlFor={id}>Run id</label>
          <input id={id} value={runId} onChange={(e) => setRunId(e.target.value)} size={32} />
          <button type="submit">Show lineage</button>
        </form>
        {runs.error instanceof ApiCallError ? (
          <ErrorBox error={runs.error} />
        ) : (
          <ul className="plain">
            {(runs.data?.runs ?? []).map((r) => (
              <li key={r.id}>
                <Link href={`/lineage/runs/${seg(r.id)}`}>{r.id}</Link>{' '}
                <span className="muted">
                  {r.pipeline}, {r.phase}, {when(r.createdAt)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}

function ModelVersions(props: { model: ModelPayload }) {
  const { name } = props.model;
  const versions = useQuery({
    queryKey: ['versions', name, 'lineage'],
    queryFn: () => api<{ versions: VersionPayload[] }>(`/models/${seg(name)}/versions?limit=20`),
  });
  return (
    <>
      <h3>{name}</h3>
      <Loaded query={versions}>
        {(d) => (
          <ul className="plain">
            {d.versions.map((v) => (
              <li key={v.version}>
                <Link href={`/lineage/models/${seg(name)}/versions/${v.version}`}>
                  {name} v{v.version}
                </Link>{' '}
                {v.aliases.map((a) => (
                  <span key={a} className="tag">
                    {a}
                  </span>
                ))}{' '}
                <span className="muted">registered {when(Number(v.createdAt))}</span>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </>
  );
}
