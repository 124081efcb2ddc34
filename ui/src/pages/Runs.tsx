import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'wouter';
import type { RunRecord } from '../../../src/api/ui-types.js';
import { api, query, seg } from '../api.js';
import { Card, duration, Empty, Loaded, Phase, when } from '../components/ui.js';

const PHASES = ['', 'Pending', 'Running', 'Succeeded', 'Failed', 'Error'] as const;
const TRIGGERS = ['', 'schedule', 'webhook', 'drift', 'manual'] as const;
const PAGE = 50;
const TRIGGER_LABEL = 'bookml.io/trigger';

/** Runs, newest first, a page at a time, filtered by pipeline and phase on the server. */
export function Runs() {
  const [pipeline, setPipeline] = useState('');
  const [phase, setPhase] = useState('');
  const [trigger, setTrigger] = useState('');
  const [offset, setOffset] = useState(0);
  const ids = { pipeline: useId(), phase: useId(), trigger: useId() };
  const runs = useQuery({
    queryKey: ['runs', 'list', pipeline, phase, offset],
    queryFn: () => api<{ runs: RunRecord[] }>(`/runs${query({ pipeline, phase, limit: PAGE, offset })}`),
  });
  return (
    <>
      <h1>Runs</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor={ids.pipeline}>Pipeline</label>
        <input
          id={ids.pipeline}
          value={pipeline}
          placeholder="recommender"
          onChange={(e) => {
            setPipeline(e.target.value.trim());
            setOffset(0);
          }}
        />
        <label htmlFor={ids.phase}>Phase</label>
        <select
          id={ids.phase}
          value={phase}
          onChange={(e) => {
            setPhase(e.target.value);
            setOffset(0);
          }}
        >
          {PHASES.map((p) => (
            <option key={p} value={p}>
              {p === '' ? 'any' : p}
            </option>
          ))}
        </select>
        <label htmlFor={ids.trigger}>Trigger</label>
        <select id={ids.trigger} value={trigger} onChange={(e) => setTrigger(e.target.value)}>
          {TRIGGERS.map((t) => (
            <option key={t} value={t}>
              {t === '' ? 'any' : t}
            </option>
          ))}
        </select>
      </form>
      <Card title="Runs, newest first">
        <Loaded query={runs}>
          {(d) => {
            // The trigger is a label; the store filters by pipeline and phase, the page by trigger.
            const shown = trigger === '' ? d.runs : d.runs.filter((r) => r.labels[TRIGGER_LABEL] === trigger);
            return shown.length === 0 ? (
              <Empty command="bookml run submit recommender">No run matches.</Empty>
            ) : (
              <RunTable runs={shown} />
            );
          }}
        </Loaded>
        <div className="pager">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Newer
          </button>
          <span>
            runs {offset + 1}–{offset + (runs.data?.runs.length ?? 0)}
          </span>
          <button
            type="button"
            disabled={(runs.data?.runs.length ?? 0) < PAGE}
            onClick={() => setOffset(offset + PAGE)}
          >
            Older
          </button>
        </div>
      </Card>
    </>
  );
}

/** Runs as a table: id (link to its DAG), pipeline, phase, trigger, when, how long. */
export function RunTable(props: { runs: readonly RunRecord[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Pipeline</th>
          <th scope="col">Phase</th>
          <th scope="col">Trigger</th>
          <th scope="col">Created</th>
          <th scope="col">Duration</th>
        </tr>
      </thead>
      <tbody>
        {props.runs.map((r) => (
          <tr key={r.id}>
            <td>
              <Link href={`/runs/${seg(r.id)}`}>
                <code>{r.id}</code>
              </Link>
            </td>
            <td>{r.pipeline}</td>
            <td>
              <Phase phase={r.phase} />
            </td>
            <td>{r.labels[TRIGGER_LABEL] ?? '—'}</td>
            <td>{when(r.createdAt)}</td>
            <td>{duration(r.startedAt, r.finishedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
