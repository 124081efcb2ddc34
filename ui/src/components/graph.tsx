import { Background, Controls, type Edge, type Node, Position, ReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import ELK from 'elkjs/lib/elk.bundled.js';
import { type ReactNode, useEffect, useState } from 'react';

const elk = new ELK();

/** A box of a {@link LayeredGraph}. */
export interface GraphBox {
  id: string;
  label: ReactNode;
  className?: string;
}

/** An arrow of a {@link LayeredGraph}: `from` comes before `to`. */
export interface GraphArrow {
  from: string;
  to: string;
  animated?: boolean;
}

/** Where ELK's layered layout puts each box (left to right, what comes first on the left). */
async function layout(
  boxes: readonly GraphBox[],
  arrows: readonly GraphArrow[],
  size: { width: number; height: number },
): Promise<Map<string, { x: number; y: number }>> {
  const out = await elk.layout({
    id: 'graph',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '24',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
    },
    children: boxes.map((n) => ({ id: n.id, width: size.width, height: size.height })),
    edges: arrows.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  });
  return new Map((out.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}

/**
 * A directed graph laid out by elkjs (layered, left to right) and drawn by @xyflow/react: the run DAG
 * and the lineage graph both draw with it. Layout runs again only when the shape (boxes and arrows)
 * changes, not when a label does. Clicking a box calls `onSelect` with its id.
 */
export function LayeredGraph(props: {
  boxes: readonly GraphBox[];
  arrows: readonly GraphArrow[];
  label: string;
  onSelect?: (id: string) => void;
  /** Box size in px. @default 190 × 54 */
  width?: number;
  height?: number;
}) {
  const size = { width: props.width ?? 190, height: props.height ?? 54 };
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }> | null>(null);
  const shape = JSON.stringify([props.boxes.map((n) => n.id), props.arrows.map((e) => [e.from, e.to]), size]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the layout depends on the shape only, not on labels.
  useEffect(() => {
    let live = true;
    void layout(props.boxes, props.arrows, size).then((p) => {
      if (live) setPositions(p);
    });
    return () => {
      live = false;
    };
  }, [shape]);
  if (positions === null) return <p className="muted">Laying out…</p>;
  const nodes: Node[] = props.boxes.map((n) => ({
    id: n.id,
    position: positions.get(n.id) ?? { x: 0, y: 0 },
    data: { label: n.label },
    className: n.className,
    style: size,
    sourcePosition: Position.Right,
    targetPosition: Position.Left,
    connectable: false,
    draggable: false,
  }));
  const edges: Edge[] = props.arrows.map((e, i) => ({
    id: `e${i}`,
    source: e.from,
    target: e.to,
    animated: e.animated === true,
  }));
  return (
    <figure className="dag" aria-label={props.label}>
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
