import { sql } from 'kysely';
import { Registry } from 'prom-client';
import {
  type ConnectionLimiter,
  isTerminalNodePhase,
  isTerminalRunPhase,
  type NodePhase,
  type RunPhase,
} from '../core/index.js';
import { registerProcessMetrics } from '../serve/index.js';
import type { DbHandle } from '../store/index.js';

/** Upper bounds of the run and step duration buckets, in seconds: a step takes seconds, a run up to hours. */
export const DURATION_BUCKETS_S: readonly number[] = [
  1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600,
];

/** Options of {@link ControlPlaneMetrics}. */
export interface ControlPlaneMetricsOptions {
  /** The metadata database the run store lives in. */
  db: DbHandle;
  /** The connection cap of the API's server, whose refusals are counted. */
  connections?: ConnectionLimiter;
  /** Export Node's process metrics (`process_*`, `nodejs_*`). @default true */
  processMetrics?: boolean;
}

/** One group of runs or steps: its labels, how many, and the durations of those with both stamps. */
interface Group {
  labels: string;
  terminal: boolean;
  count: number;
  timed: number;
  sumMs: number;
  /** Cumulative counts per bucket of {@link DURATION_BUCKETS_S}. */
  le: number[];
}

/**
 * The control plane's `/metrics`: pipeline runs and steps read from the run store on every scrape —
 * not counted by the executor — so the numbers are the same whichever process ran the runs (the
 * executor of `bookml up`, a separate `bookml run executor`, Argo steps reporting over the API), survive
 * restarts, and agree across API replicas. Each scrape is two grouped queries; the rows are never read.
 * Counters count finished runs and steps by their final phase (deleting runs lowers them, which
 * Prometheus reads as a reset); gauges count those pending or running.
 *
 * @example
 * const metrics = new ControlPlaneMetrics({ db });
 * const text = await metrics.render(); // GET /metrics body
 */
export class ControlPlaneMetrics {
  readonly #registry = new Registry();
  readonly #db: DbHandle;
  readonly #connections: ConnectionLimiter;

  constructor(options: ControlPlaneMetricsOptions) {
    this.#db = options.db;
    this.#connections = options.connections ?? { refused: 0 };
    if (options.processMetrics ?? true) registerProcessMetrics(this.#registry);
  }

  /** Content type of {@link render}'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.#registry.contentType;
  }

  /** The Prometheus exposition: process metrics, then runs, steps and refused connections. */
  async render(): Promise<string> {
    const [processText, runs, steps] = await Promise.all([
      this.#registry.metrics(),
      this.#runGroups(),
      this.#stepGroups(),
    ]);
    const p = 'bookml_pipeline';
    return [
      processText,
      family(
        `${p}_runs_total`,
        'counter',
        'Pipeline runs that finished, by pipeline and final phase.',
        runs,
        true,
      ),
      family(
        `${p}_active_runs`,
        'gauge',
        'Pipeline runs pending or running, by pipeline and phase.',
        runs,
        false,
      ),
      histogram(
        `${p}_run_duration_seconds`,
        'Time from start to finish of finished pipeline runs, by pipeline and final phase.',
        runs,
      ),
      family(
        `${p}_steps_total`,
        'counter',
        'Steps (nodes) that finished, by pipeline, task and final phase (Cached and Skipped included).',
        steps,
        true,
      ),
      family(
        `${p}_active_steps`,
        'gauge',
        'Steps (nodes) pending or running, by pipeline, task and phase.',
        steps,
        false,
      ),
      histogram(
        `${p}_step_duration_seconds`,
        'Time from start to finish of finished steps, by pipeline, task and final phase.',
        steps,
      ),
      `# HELP bookml_api_connections_refused_total Connections closed on arrival because their client address already held the most allowed.\n` +
        `# TYPE bookml_api_connections_refused_total counter\nbookml_api_connections_refused_total ${this.#connections.refused}\n`,
    ]
      .filter((part) => part !== '')
      .join('\n');
  }

  async #runGroups(): Promise<Group[]> {
    const rows = await this.#db.db
      .selectFrom('runs')
      .select(['runs.pipeline', 'runs.phase', sql<number | string>`count(*)`.as('n'), ...timing('runs')])
      .groupBy(['runs.pipeline', 'runs.phase'])
      .execute();
    return rows.map((r) =>
      group(
        `pipeline="${labelValue(r.pipeline)}",phase="${r.phase}"`,
        isTerminalRunPhase(r.phase as RunPhase),
        r as unknown as Record<string, unknown>,
      ),
    );
  }

  async #stepGroups(): Promise<Group[]> {
    const rows = await this.#db.db
      .selectFrom('nodes')
      .innerJoin('runs', 'runs.id', 'nodes.run_id')
      .select([
        'runs.pipeline',
        'nodes.task',
        'nodes.phase',
        sql<number | string>`count(*)`.as('n'),
        ...timing('nodes'),
      ])
      .groupBy(['runs.pipeline', 'nodes.task', 'nodes.phase'])
      .execute();
    return rows.map((r) =>
      group(
        `pipeline="${labelValue(r.pipeline)}",task="${labelValue(r.task)}",phase="${r.phase}"`,
        isTerminalNodePhase(r.phase as NodePhase),
        r as unknown as Record<string, unknown>,
      ),
    );
  }
}

/** Aggregates of the rows' durations (finished_at − started_at, in ms), for rows that have both. */
function timing(table: 'runs' | 'nodes') {
  const start = sql.ref(`${table}.started_at`);
  const end = sql.ref(`${table}.finished_at`);
  const timed = sql`${start} is not null and ${end} is not null`;
  return [
    sql<number | string>`sum(case when ${timed} then 1 else 0 end)`.as('timed'),
    sql<number | string>`sum(case when ${timed} then ${end} - ${start} else 0 end)`.as('sum_ms'),
    ...DURATION_BUCKETS_S.map((s, i) =>
      // Bounds are literals, not parameters: PostgreSQL would otherwise have to guess their type.
      sql<
        number | string
      >`sum(case when ${timed} and ${end} - ${start} <= ${sql.lit(s * 1000)} then 1 else 0 end)`.as(`le${i}`),
    ),
  ];
}

/** A row of {@link timing} as a group; PostgreSQL returns bigint sums as text. */
function group(labels: string, terminal: boolean, row: Record<string, unknown>): Group {
  return {
    labels,
    terminal,
    count: Number(row.n ?? 0),
    timed: Number(row.timed ?? 0),
    sumMs: Number(row.sum_ms ?? 0),
    le: DURATION_BUCKETS_S.map((_, i) => Number(row[`le${i}`] ?? 0)),
  };
}

function family(
  name: string,
  type: 'counter' | 'gauge',
  help: string,
  groups: Group[],
  terminal: boolean,
): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const g of groups) if (g.terminal === terminal) lines.push(`${name}{${g.labels}} ${g.count}`);
  return `${lines.join('\n')}\n`;
}

function histogram(name: string, help: string, groups: Group[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  for (const g of groups) {
    if (!g.terminal || g.timed === 0) continue;
    DURATION_BUCKETS_S.forEach((s, i) => {
      lines.push(`${name}_bucket{${g.labels},le="${s}"} ${g.le[i]}`);
    });
    lines.push(`${name}_bucket{${g.labels},le="+Inf"} ${g.timed}`);
    lines.push(`${name}_sum{${g.labels}} ${g.sumMs / 1000}`);
    lines.push(`${name}_count{${g.labels}} ${g.timed}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Escape a label value for the Prometheus text format. */
function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
