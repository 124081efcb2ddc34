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
        series: [
          {},
          ...props.series.map((s, i) => ({ label: s.name, stroke: COLORS[i % COLORS.length], width: 2 })),
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
