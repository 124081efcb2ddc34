import { Background, Controls, type Edge, type Node, Position, ReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import ELK from 'elkjs/lib/elk.bundled.js';
import { useEffect, useState } from 'react';
import type { RunGraph } from '../../../src/api/ui-types.js';

const elk = new ELK();
const WIDTH = 190;
const HEIGHT = 54;

/** Where ELK's layered layout puts each node (left to right, dependencies before dependents). */
async function layout(graph: RunGraph): Promise<Map<string, { x: number; y: number }>> {
  const out = await elk.layout({
    id: 'run',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '24',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
    },
    children: graph.nodes.map((n) => ({ id: n.id, width: WIDTH, height: HEIGHT })),
    edges: graph.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  });
  return new Map((out.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}

/**
 * A run's DAG: one box per node coloured by phase, with its phase in words (Cached nodes say where
 * their outputs come from). Selecting a node shows its logs.
 */
export function RunDag(props: { graph: RunGraph; onSelect?: (node: string) => void }) {
  const { graph } = props;
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }> | null>(null);
  const shape = JSON.stringify([graph.nodes.map((n) => n.id), graph.edges]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the layout depends on the shape only, not on phases.
  useEffect(() => {
    let live = true;
    void layout(graph).then((p) => {
      if (live) setPositions(p);
    });
    return () => {
      live = false;
    };
  }, [shape]);
  if (positions === null) return <p className="muted">Laying out…</p>;
  const nodes: Node[] = graph.nodes.map((n) => ({
    id: n.id,
    position: positions.get(n.id) ?? { x: 0, y: 0 },
    data: {
      label: (
        <div data-testid={`dag-node-${n.id}`} data-phase={n.phase}>
          <strong>{n.id}</strong>
          <br />
          <span className="dag-phase">{n.phase}</span>
          {n.cachedFrom ? <span className="dag-cached"> from {n.cachedFrom.runId.slice(0, 12)}</span> : null}
        </div>
      ),
    },
    className: `dag-node phase-${n.phase.toLowerCase()}`,
    style: { width: WIDTH, height: HEIGHT },
    sourcePosition: Position.Right,
    targetPosition: Position.Left,
    connectable: false,
    draggable: false,
  }));
  const edges: Edge[] = graph.edges.map((e, i) => ({
    id: `e${i}`,
    source: e.from,
    target: e.to,
    animated: graph.nodes.find((n) => n.id === e.to)?.phase === 'Running',
  }));
  return (
    <figure className="dag" aria-label={`graph of run ${graph.runId}`}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        nodesConnectable={false}
        nodesDraggable={false}
        onNodeClick={(_e, n) => props.onSelect?.(n.id)}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </figure>
  );
}
