import type { AttemptRecord, NodeRecord, RunRecord } from '../../store/index.js';
import type { Pipeline } from '../definition/builder.js';
import type { BindingValues, LocalPlan, PlanTask } from '../plan/local-plan.js';
import type { NodeOutputs } from './node-outputs.js';
import type { LaunchedStep } from './step-launcher.js';

/**
 * The executor's in-memory view of one active run. The database is the record (a restarted executor
 * rebuilds this from it); the executor is its only writer, so after loading, each write it makes is
 * mirrored here instead of being read back.
 */

/** Label a run carries when it was submitted with `--no-cache`. */
export const NO_CACHE_LABEL = 'bookml.io/no-cache';

/** One node of an active run. */
export interface LiveNode {
  rec: NodeRecord;
  attempts: AttemptRecord[];
  task: PlanTask;
  isExitHandler: boolean;
  /** Fan-out children: the item and its index. */
  item?: unknown;
  /** Fan-out parents: child node IDs in item order. */
  children?: string[];
}

/** A step process the executor is watching. */
export interface RunningAttempt {
  attempt: AttemptRecord;
  step: LaunchedStep;
  /** Clock time at which the attempt times out. */
  deadline: number;
  /** Why the executor signalled it, if it did. */
  killedFor?: 'timeout' | 'terminate';
  outputsDir: string;
  inputs: { params: Record<string, unknown>; artifacts: Record<string, unknown> };
  cacheable: boolean;
}

/** An active run and everything the scheduler tracks about it. */
export class ActiveRun {
  rec: RunRecord;
  readonly pipeline: Pipeline;
  readonly plan: LocalPlan;
  readonly nodes = new Map<string, LiveNode>();
  /** Node ID → clock time its next attempt may start. */
  readonly retryAt = new Map<string, number>();
  readonly running = new Map<string, RunningAttempt>();
  /** Nodes whose launch is in flight. */
  readonly launching = new Set<string>();
  /** Node mutexes this run holds, by node. */
  readonly heldMutexes = new Map<string, string>();
  shutdown: 'stop' | 'terminate' | undefined;
  /** Why the run ends early (terminate, deadline). */
  shutdownMessage: string | undefined;
  readonly noCache: boolean;

  constructor(rec: RunRecord, pipeline: Pipeline, plan: LocalPlan) {
    this.rec = rec;
    this.pipeline = pipeline;
    this.plan = plan;
    this.noCache = rec.labels[NO_CACHE_LABEL] === 'true';
  }

  get id(): string {
    return this.rec.id;
  }

  /** Top-level nodes in plan order (no children, no exit handler). */
  topNodes(): LiveNode[] {
    return this.plan.tasks.map((t) => this.nodes.get(t.id)).filter((n): n is LiveNode => n !== undefined);
  }

  /** Every leaf node that failed, for `run.failures` and the run's outcome. */
  failedNodes(): LiveNode[] {
    return [...this.nodes.values()].filter(
      (n) => (n.rec.phase === 'Failed' || n.rec.phase === 'Error') && n.children === undefined,
    );
  }

  /** Whether any node failed: no new task starts after that (fail fast, as Argo's DAG). */
  hasFailure(): boolean {
    return [...this.nodes.values()].some((n) => n.rec.phase === 'Failed' || n.rec.phase === 'Error');
  }

  /** Values for resolving bindings; `item` for fan-out children, run facts for the exit handler. */
  values(options: { item?: unknown; exit?: { status: string; failures: string } } = {}): BindingValues {
    return {
      params: this.rec.parameters,
      output: (task, output) => {
        const o = this.nodes.get(task)?.rec.outputs as NodeOutputs | null | undefined;
        if (o == null) return undefined;
        if (output in (o.params ?? {})) return o.params[output];
        return o.artifacts?.[output];
      },
      ...(options.item === undefined ? {} : { item: options.item }),
      run: { id: this.id, ...(options.exit ?? {}) },
    };
  }

  /** The run's outcome facts for the exit handler (Argo `workflow.status`, `workflow.failures`). */
  exitFacts(): { status: string; failures: string } {
    const failed = this.failedNodes();
    const status =
      failed.length === 0 && this.shutdown === undefined
        ? 'Succeeded'
        : failed.length > 0 && failed.every((n) => n.rec.phase === 'Error')
          ? 'Error'
          : 'Failed';
    const failures = failed.map((n) => ({
      displayName: n.rec.nodeId,
      templateName: n.rec.task,
      phase: n.rec.phase,
      message: n.rec.message ?? '',
    }));
    return { status, failures: JSON.stringify(failures) };
  }
}

/** Split resolved inputs into parameters and artifacts as the step declares them. */
export function splitInputs(
  inputs: Record<string, unknown>,
  artifactNames: readonly string[],
): { params: Record<string, unknown>; artifacts: Record<string, unknown> } {
  const params: Record<string, unknown> = {};
  const artifacts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (artifactNames.includes(k)) artifacts[k] = v;
    else params[k] = v;
  }
  return { params, artifacts };
}
