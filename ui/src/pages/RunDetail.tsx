import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import type { RunDetail as Run, RunGraph, RunRecord } from '../../../src/api/ui-types.js';
import { api, seg } from '../api.js';
import { Card, duration, ErrorBox, Loaded, Phase, when } from '../components/ui.js';
import { useSession } from '../session.js';
import { CacheExplanation, NodeLogs } from './node-panels.js';
import { RunDag } from './RunDag.js';

/** One run: its DAG with every node's phase (Cached ones linked to their source), nodes, logs. */
export default function RunDetail(props: { id: string }) {
  const run = useQuery({ queryKey: ['run', props.id], queryFn: () => api<Run>(`/runs/${seg(props.id)}`) });
  const graph = useQuery({
    queryKey: ['graph', props.id],
    queryFn: () => api<RunGraph>(`/runs/${seg(props.id)}/graph`),
  });
  const [node, setNode] = useState<string | undefined>(undefined);
  return (
    <>
      <h1>
        Run <code>{props.id}</code>
      </h1>
      <Loaded query={run}>
        {(r) => (
          <>
            <p>
              <Phase phase={r.phase} /> {r.pipeline}, created {when(r.createdAt)}, took{' '}
              {duration(r.startedAt, r.finishedAt)}
              {r.submittedBy ? `, by ${r.submittedBy}` : ''}
              {r.resubmitOf ? (
                <>
                  , resubmit of <Link href={`/runs/${seg(r.resubmitOf)}`}>{r.resubmitOf}</Link>
                </>
              ) : null}
              {r.retryOf ? (
                <>
                  , retry of <Link href={`/runs/${seg(r.retryOf)}`}>{r.retryOf}</Link>
                </>
              ) : null}
            </p>
            {r.message ? <p className="error">{r.message}</p> : null}
            <RunActions run={r} />
          </>
        )}
      </Loaded>
      <Card title="Graph">
        <Loaded query={graph}>{(g) => <RunDag graph={g} onSelect={setNode} />}</Loaded>
      </Card>
      <Card title="Nodes">
        <Loaded query={run}>
          {(r) => (
            <table>
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">Phase</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Started</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Note</th>
                </tr>
              </thead>
              <tbody>
                {r.nodes.map((n) => (
                  <tr key={n.nodeId} className={node === n.nodeId ? 'selected' : undefined}>
                    <td>
                      <button type="button" className="link" onClick={() => setNode(n.nodeId)}>
                        {n.nodeId}
                      </button>
                    </td>
                    <td>
                      <Phase phase={n.phase} />
                    </td>
                    <td>{n.attempts.length}</td>
                    <td>{when(n.startedAt)}</td>
                    <td>{duration(n.startedAt, n.finishedAt)}</td>
                    <td>
                      {n.cachedFrom ? (
                        <>
                          cached from{' '}
                          <Link href={`/runs/${seg(n.cachedFrom.runId)}`}>
                            {n.cachedFrom.runId}/{n.cachedFrom.nodeId}
                          </Link>
                        </>
                      ) : (
                        (n.message ?? '')
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      </Card>
      {node === undefined ? null : (
        <>
          <CacheExplanation key={`c-${node}`} runId={props.id} node={node} />
          <NodeLogs
            key={node}
            runId={props.id}
            node={node}
            live={run.data !== undefined && !FINISHED.has(run.data.phase)}
          />
        </>
      )}
    </>
  );
}

const FINISHED = new Set(['Succeeded', 'Failed', 'Error']);

/** Stop, retry and resubmit, for operators; a new run opens its own page. */
export function RunActions(props: { run: RunRecord }) {
  const { run } = props;
  const session = useSession();
  const client = useQueryClient();
  const [, navigate] = useLocation();
  const act = useMutation({
    mutationFn: (action: 'stop' | 'retry' | 'resubmit') =>
      api<RunRecord>(`/runs/${seg(run.id)}/${action}`, { method: 'POST', body: {} }),
    onSuccess: (created, action) => {
      void client.invalidateQueries({ queryKey: ['runs'] });
      void client.invalidateQueries({ queryKey: ['run', run.id] });
      if (action !== 'stop') navigate(`/runs/${seg(created.id)}`);
    },
  });
  if (!session.can('operator')) return null;
  const finished = FINISHED.has(run.phase);
  return (
    <div className="actions">
      {finished ? null : (
        <button type="button" disabled={act.isPending} onClick={() => act.mutate('stop')}>
          Stop
        </button>
      )}
      {run.phase === 'Failed' || run.phase === 'Error' ? (
        <button type="button" disabled={act.isPending} onClick={() => act.mutate('retry')}>
          Retry
        </button>
      ) : null}
      {finished ? (
        <button type="button" disabled={act.isPending} onClick={() => act.mutate('resubmit')}>
          Resubmit
        </button>
      ) : null}
      {act.error ? <ErrorBox error={act.error} /> : null}
    </div>
  );
}
