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

/** Runs, newest first, a page at a time, filtered by pipeline, phase and trigger on the server. */
export function Runs() {
  const [pipeline, setPipeline] = useState('');
  const [phase, setPhase] = useState('');
  const [trigger, setTrigger] = useState('');
  // The offsets of the pages walked so far: the server says where the next one starts (`nextOffset`).
  const [pages, setPages] = useState<number[]>([0]);
  const offset = pages.at(-1) ?? 0;
  const setOffset = (o: number) => setPages(o === 0 ? [0] : [...pages, o]);
  const ids = { pipeline: useId(), phase: useId(), trigger: useId() };
  const runs = useQuery({
    queryKey: ['runs', 'list', pipeline, phase, trigger, offset],
    queryFn: () =>
      api<{ runs: RunRecord[]; nextOffset: number | null }>(
        `/runs${query({ pipeline, phase, trigger, limit: PAGE, offset })}`,
      ),
  });
  const next = runs.data?.nextOffset ?? null;
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
        <select
          id={ids.trigger}
          value={trigger}
          onChange={(e) => {
            setTrigger(e.target.value);
            setOffset(0);
          }}
        >
          {TRIGGERS.map((t) => (
            <option key={t} value={t}>
              {t === '' ? 'any' : t}
            </option>
          ))}
        </select>
      </form>
      <Card title="Runs, newest first">
        <Loaded query={runs}>
          {(d) =>
            d.runs.length === 0 ? (
              <Empty command="bookml run submit recommender">
                {next === null ? 'No run matches.' : 'No match in this stretch of runs: look at older ones.'}
              </Empty>
            ) : (
              <RunTable runs={d.runs} />
            )
          }
        </Loaded>
        <div className="pager">
          <button type="button" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>
            Newer
          </button>
          <span data-testid="runs-page">
            page {pages.length}, {runs.data?.runs.length ?? 0} runs
          </span>
          <button type="button" disabled={next === null} onClick={() => next !== null && setOffset(next)}>
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
