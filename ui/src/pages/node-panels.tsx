import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import type { CacheExplanationView } from '../../../src/api/ui-types.js';
import { api, query, seg } from '../api.js';
import { QueryTable, Section } from '../components/section.js';
import { Card, ErrorBox } from '../components/ui.js';

/** Lines a follower keeps; older ones drop off the top (the CLI has them all: `bookml run logs`). */
const KEEP = 500;

/**
 * A node's log, following while the run is live: each poll asks only for the lines past those already
 * shown (`after`), so a long log costs one read, then its tail. Mount it with `key={node}`.
 */
export function NodeLogs(props: { runId: string; node: string; live: boolean }) {
  const [lines, setLines] = useState<string[]>([]);
  const [next, setNext] = useState(0);
  const logs = useQuery({
    queryKey: ['logs', props.runId, props.node, next],
    queryFn: () =>
      api<{ lines: string[]; next: number }>(
        `/runs/${seg(props.runId)}/logs${query({ node: props.node, after: next })}`,
      ),
    refetchInterval: props.live ? 1000 : false,
    retry: false,
  });
  useEffect(() => {
    const d = logs.data;
    if (d === undefined || d.next <= next) return;
    setLines((l) => [...l, ...d.lines.map((x) => x.replace(/^[^\t]*\t/, ''))].slice(-KEEP));
    setNext(d.next);
  }, [logs.data, next]);
  return (
    <Card title={`Logs of ${props.node}`} id="card-logs">
      {props.live ? <p className="muted">following (live)</p> : null}
      {logs.error ? (
        <ErrorBox error={logs.error} />
      ) : (
        // Unscrolled: a scrolling box would need keyboard focus of its own.
        <pre className="logs" data-testid="node-logs">
          {lines.length === 0 && logs.isPending ? 'Loading…' : lines.join('\n')}
        </pre>
      )}
    </Card>
  );
}

const OUTCOME: Record<CacheExplanationView['outcome'], string> = {
  hit: 'cache hit: its outputs were reused',
  reused: 'reused by a retry',
  miss: 'cache miss: it ran',
  'not-cacheable': 'not cacheable: it always runs',
  'not-started': 'not started',
};

/** Why the node's cache hit or missed: the source of a hit, or what changed against the closest earlier node. */
export function CacheExplanation(props: { runId: string; node: string }) {
  const explain = useQuery({
    queryKey: ['explain', props.runId, props.node],
    queryFn: () => api<CacheExplanationView>(`/runs/${seg(props.runId)}/nodes/${seg(props.node)}/explain`),
    retry: false,
  });
  return (
    <Section
      title={`Cache of ${props.node}`}
      id="card-cache"
      query={explain}
      unavailable="Cache explanations need the executor in this process (`bookml api` or `bookml up`)."
    >
      {(x) => (
        <div data-testid="cache-explanation">
          <p>
            <strong>{OUTCOME[x.outcome]}</strong>
            {x.why ? ` — ${x.why}` : ''}
            {x.source ? (
              <>
                {' '}
                from{' '}
                <Link href={`/runs/${seg(x.source.runId)}`}>{`${x.source.runId}/${x.source.nodeId}`}</Link>
              </>
            ) : null}
          </p>
          {x.key === null ? null : (
            <p className="muted">
              key <code>{x.key.slice(0, 16)}</code>
            </p>
          )}
          {x.outcome !== 'miss' ? null : x.closest === null ? (
            <p>No earlier node of task {x.task} to compare with: its first run.</p>
          ) : (
            <>
              <p>
                Closest earlier node:{' '}
                <Link href={`/runs/${seg(x.closest.runId)}`}>{`${x.closest.runId}/${x.closest.nodeId}`}</Link>{' '}
                ({x.closest.phase}); what changed:
              </p>
              <QueryTable
                rows={x.closest.changes}
                rowKey={(c) => c.component}
                columns={[
                  { header: 'Part of the key', cell: (c) => <code>{c.component}</code> },
                  { header: 'Before', cell: (c) => <code className="clip">{c.before ?? '—'}</code> },
                  { header: 'Now', cell: (c) => <code className="clip">{c.after ?? '—'}</code> },
                ]}
              />
            </>
          )}
        </div>
      )}
    </Section>
  );
}
