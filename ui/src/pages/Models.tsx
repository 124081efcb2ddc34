import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link, useSearch } from 'wouter';
import type {
  AliasEventPayload,
  ApprovalPayload,
  ComparisonPayload,
  LineagePayload,
  ModelPayload,
  VersionPayload,
} from '../../../src/api/ui-types.js';
import { api, query, seg } from '../api.js';
import { ApproveForm } from '../components/approve.js';
import { Card, Empty, Loaded, num, Phase, when } from '../components/ui.js';
import { AuditTimeline, RollbackForm } from './model-audit.js';
import { VersionTable } from './version-table.js';

const VERSION_PAGE = 50;

/** Registered models with their aliases. */
export function Models() {
  const models = useQuery({
    queryKey: ['models'],
    queryFn: () => api<{ models: ModelPayload[] }>('/models'),
  });
  return (
    <>
      <h1>Models</h1>
      <Card title="Registered models">
        <Loaded query={models}>
          {(d) =>
            d.models.length === 0 ? (
              <Empty command="bookml run submit recommender --watch">No model registered yet.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col">Latest version</th>
                    <th scope="col">Aliases</th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {d.models.map((m) => (
                    <tr key={m.name}>
                      <td>
                        <Link href={`/models/${seg(m.name)}`}>{m.name}</Link>
                      </td>
                      <td>v{m.latestVersion}</td>
                      <td>
                        {Object.entries(m.aliases).map(([a, v]) => (
                          <span key={a} className="tag">
                            {a} → v{v}
                          </span>
                        ))}
                      </td>
                      <td>{when(m.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loaded>
      </Card>
    </>
  );
}

/** One model: its versions with metrics and gates, pending approvals, comparison, the alias history. */
export function ModelDetail(props: { name: string }) {
  const { name } = props;
  // Cursors of the version pages walked so far (undefined: the newest page).
  const [cursors, setCursors] = useState<Array<number | undefined>>([undefined]);
  const before = cursors.at(-1);
  const versions = useQuery({
    queryKey: ['versions', name, before],
    queryFn: () =>
      api<{ versions: VersionPayload[]; nextBefore: number | null }>(
        `/models/${seg(name)}/versions${query({ limit: VERSION_PAGE, before })}`,
      ),
  });
  const model = useQuery({
    queryKey: ['models', name],
    queryFn: () => api<ModelPayload>(`/models/${seg(name)}`),
  });
  const nextBefore = versions.data?.nextBefore ?? null;
  const approvals = useQuery({
    queryKey: ['approvals', name],
    queryFn: () => api<{ approvals: ApprovalPayload[] }>(`/approvals${query({ model: name })}`),
  });
  const audit = useQuery({
    queryKey: ['audit', name],
    queryFn: () => api<{ events: AliasEventPayload[] }>(`/audit${query({ model: name, limit: 50 })}`),
  });
  // `?version=N` (the lineage page's version box) opens with that version picked.
  const linked = Number(new URLSearchParams(useSearch()).get('version'));
  const [selected, setSelected] = useState<number | undefined>(
    Number.isInteger(linked) && linked > 0 ? linked : undefined,
  );
  const pending = approvals.data?.approvals.filter((a) => a.status === 'pending') ?? [];
  return (
    <>
      <h1>Model {name}</h1>
      {pending.length > 0 ? (
        <Card title="Pending approvals">
          <ul className="plain">
            {pending.map((a) => (
              <li key={a.id}>
                v{a.version} → <strong>{a.alias}</strong>, requested by {a.requestedBy ?? '—'}{' '}
                <ApproveForm approval={a} />
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      <Card title="Versions">
        <Loaded query={versions}>
          {(d) =>
            d.versions.length === 0 ? (
              <Empty>No version registered.</Empty>
            ) : (
              <VersionTable versions={d.versions} selected={selected} onSelect={setSelected} />
            )
          }
        </Loaded>
        <div className="pager">
          <button
            type="button"
            disabled={cursors.length === 1}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            Newer
          </button>
          <span data-testid="versions-page">
            page {cursors.length}, {versions.data?.versions.length ?? 0} versions
          </span>
          <button
            type="button"
            disabled={nextBefore === null}
            onClick={() => nextBefore !== null && setCursors([...cursors, nextBefore])}
          >
            Older
          </button>
        </div>
      </Card>
      {model.data ? (
        <Card title="Aliases">
          <p>
            {Object.entries(model.data.aliases).map(([a, v]) => (
              <span key={a} className="tag">
                {a} → v{v}
              </span>
            ))}
          </p>
          <RollbackForm model={model.data} />
        </Card>
      ) : null}
      {selected === undefined ? null : (
        <>
          <VersionDetail version={versions.data?.versions.find((v) => v.version === selected)} />
          <LineageCard name={name} version={selected} />
        </>
      )}
      {versions.data && versions.data.versions.length > 1 ? (
        <Compare name={name} versions={versions.data.versions} />
      ) : null}
      <Card title="Alias history">
        <Loaded query={audit}>
          {(d) =>
            d.events.length === 0 ? (
              <Empty>No alias moved yet.</Empty>
            ) : (
              <ol className="timeline">
                {d.events.map((e) => (
                  <li key={e.id}>
                    {when(e.at)}: <strong>{e.alias}</strong> {e.action} v{e.fromVersion ?? '—'} → v
                    {e.toVersion ?? '—'} by {e.actor}
                    {e.reason ? ` — ${e.reason}` : ''}
                  </li>
                ))}
              </ol>
            )
          }
        </Loaded>
      </Card>
      <AuditTimeline name={name} approvals={approvals.data?.approvals ?? []} />
    </>
  );
}

function VersionDetail(props: { version: VersionPayload | undefined }) {
  const v = props.version;
  if (v === undefined) return null;
  return (
    <Card title={`Version ${v.version}`} id="card-version">
      <dl className="metrics">
        {Object.entries(v.metrics).map(([k, m]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{num(m)}</dd>
          </div>
        ))}
      </dl>
      {Object.values(v.gates).map((g) => (
        <div key={g.alias}>
          <h3>
            Gates for {g.alias} <Phase phase={g.passed ? 'Passed' : 'Failed'} />
          </h3>
          <p className="muted">
            evaluated {when(g.evaluatedAt)} by {g.evaluatedBy}; production was v{g.productionVersion ?? '—'}
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Gate</th>
                <th scope="col">Value</th>
                <th scope="col">Threshold</th>
                <th scope="col">Result</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {g.results.map((r) => (
                <tr key={r.gate}>
                  <td>{r.gate}</td>
                  <td>{num(r.value)}</td>
                  <td>
                    {r.op} {num(r.threshold)}
                  </td>
                  <td>
                    <Phase phase={r.passed ? 'Passed' : r.advisory === true ? 'Warning' : 'Failed'} />
                  </td>
                  <td>{r.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </Card>
  );
}

function Compare(props: { name: string; versions: VersionPayload[] }) {
  const [a, setA] = useState(String(props.versions[1]?.version ?? ''));
  const [b, setB] = useState(String(props.versions[0]?.version ?? ''));
  const ids = { a: useId(), b: useId() };
  const cmp = useQuery({
    queryKey: ['compare', props.name, a, b],
    enabled: a !== '' && b !== '' && a !== b,
    queryFn: () =>
      api<ComparisonPayload>(`/models/${seg(props.name)}/compare${query({ versions: `${a},${b}` })}`),
  });
  const pick = (id: string, value: string, set: (v: string) => void, label: string) => (
    <>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => set(e.target.value)}>
        {props.versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
          </option>
        ))}
      </select>
    </>
  );
  return (
    <Card title="Compare versions">
      <div className="filters">
        {pick(ids.a, a, setA, 'Left')}
        {pick(ids.b, b, setB, 'Right')}
      </div>
      {a === b ? (
        <p className="muted">Pick two different versions.</p>
      ) : (
        <Loaded query={cmp}>
          {(c) => (
            <table>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  {c.versions.map((v) => (
                    <th key={v} scope="col">
                      v{v}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {[...c.metrics, ...c.params, ...c.dataset, ...c.code].map((row) => (
                  <tr key={row.key} className={row.differs ? 'differs' : undefined}>
                    <td>{row.key}</td>
                    {row.values.map((v, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: one cell per compared version, in order.
                      <td key={i}>{typeof v === 'number' ? num(v) : JSON.stringify(v ?? null)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      )}
    </Card>
  );
}

/** Where a version comes from: dataset → run → version → aliases, with its code, gates and approval. */
function LineageCard(props: { name: string; version: number }) {
  const lineage = useQuery({
    queryKey: ['version', 'lineage', props.name, props.version],
    queryFn: () => api<LineagePayload>(`/models/${seg(props.name)}/lineage/${props.version}`),
  });
  return (
    <Card title={`Lineage of v${props.version}`} id="card-lineage">
      <Loaded query={lineage}>
        {(l) => (
          <ol className="lineage">
            <li>
              dataset{' '}
              {l.dataset ? (
                <>
                  <code>{l.dataset.hash.slice(0, 12)}</code> ({l.dataset.uri})
                </>
              ) : (
                '—'
              )}
            </li>
            <li>
              run {l.run ? <Link href={`/runs/${seg(l.run.id)}`}>{l.run.id}</Link> : '—'}
              {l.codeVersion ? (
                <span className="muted">
                  {' '}
                  — code {String(l.codeVersion.gitSha ?? l.codeVersion.version ?? '')}
                </span>
              ) : null}
            </li>
            <li>
              version v{l.version} — gates{' '}
              {l.gates.length === 0
                ? 'not evaluated'
                : l.gates.map((g) => `${g.alias}: ${g.passed ? 'passed' : 'failed'}`).join(', ')}
            </li>
            <li>
              aliases {l.aliases.length === 0 ? '—' : l.aliases.join(', ')}
              {l.approval ? ` — approved by ${l.approval.decidedBy ?? '—'}: ${l.approval.reason ?? ''}` : ''}
            </li>
          </ol>
        )}
      </Loaded>
    </Card>
  );
}
