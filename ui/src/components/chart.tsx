import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

/** A small uPlot line chart: `x` in epoch seconds, one series per name. */
export function LineChart(props: {
  title: string;
  x: number[];
  series: Array<{ name: string; values: Array<number | null> }>;
  height?: number;
  /** `x` holds values, not times (drawn as steps). */
  xIsValue?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  const data = JSON.stringify([props.x, props.series]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: redrawn when the data (as text) changes.
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const plot = new uPlot(
      {
        title: props.title,
        width: Math.max(320, el.clientWidth || 640),
        height: props.height ?? 220,
        scales: { x: { time: props.xIsValue !== true } },
        series: [
          { label: props.xIsValue ? 'value' : 'time' },
          ...props.series.map((s, i) => ({
            label: s.name,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            ...(props.xIsValue ? { paths: uPlot.paths.stepped?.({ align: 1 }) } : {}),
          })),
        ],
        axes: [{}, {}],
      },
      [props.x, ...props.series.map((s) => s.values)],
      el,
    );
    return () => plot.destroy();
  }, [data]);
  return <figure className="chart" ref={box} aria-label={props.title} />;
}

/** How many of the sorted `values` are at most `x`, as a fraction. */
function fractionAtMost(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return values.length === 0 ? 0 : lo / values.length;
}

/**
 * Reference and current distributions of one feature as empirical CDFs (steps), on one x axis: the
 * KS statistic is the largest vertical gap between the two lines.
 */
export function EcdfChart(props: { title: string; reference: readonly number[]; test: readonly number[] }) {
  const x = [...new Set([...props.reference, ...props.test])].sort((a, b) => a - b);
  if (x.length < 2) {
    return (
      <p>
        <strong>{props.title}</strong>: every answer in both windows has the value {x[0] ?? '—'}.
      </p>
    );
  }
  return (
    <LineChart
      title={props.title}
      x={x}
      xIsValue
      height={200}
      series={[
        { name: 'reference', values: x.map((v) => fractionAtMost(props.reference, v)) },
        { name: 'current', values: x.map((v) => fractionAtMost(props.test, v)) },
      ]}
    />
  );
}
