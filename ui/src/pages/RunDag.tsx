import type { RunGraph } from '../../../src/api/ui-types.js';
import { LayeredGraph } from '../components/graph.js';

/**
 * A run's DAG: one box per node coloured by phase, with its phase in words (Cached nodes say where
 * their outputs come from). Selecting a node shows its logs.
 */
export function RunDag(props: { graph: RunGraph; onSelect?: (node: string) => void }) {
  const { graph } = props;
  return (
    <LayeredGraph
      label={`graph of run ${graph.runId}`}
      onSelect={props.onSelect}
      boxes={graph.nodes.map((n) => ({
        id: n.id,
        className: `dag-node phase-${n.phase.toLowerCase()}`,
        label: (
          <div data-testid={`dag-node-${n.id}`} data-phase={n.phase}>
            <strong>{n.id}</strong>
            <br />
            <span className="dag-phase">{n.phase}</span>
            {n.cachedFrom ? (
              <span className="dag-cached"> from {n.cachedFrom.runId.slice(0, 12)}</span>
            ) : null}
          </div>
        ),
      }))}
      arrows={graph.edges.map((e) => ({
        from: e.from,
        to: e.to,
        animated: graph.nodes.find((n) => n.id === e.to)?.phase === 'Running',
      }))}
    />
  );
}
