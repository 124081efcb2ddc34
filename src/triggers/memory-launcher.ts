import type { ActiveRunQuery, RunLauncher, RunOutcome, RunRequest } from './ports.js';

/** A run the {@link MemoryRunLauncher} made. */
export interface MemoryRun {
  readonly id: string;
  readonly request: RunRequest;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  /** Why it was stopped, when it was. */
  stopReason?: string;
}

/**
 * A {@link RunLauncher} in memory, for tests of the triggers and of code that hosts them: runs are
 * numbered `run-1`, `run-2`, …, idempotent by key, active until {@link finish}ed or stopped (a stopped run
 * is Failed). `failNext` makes the next submit throw.
 * @internal
 * @example
 * const launcher = new MemoryRunLauncher();
 * const { runId } = await launcher.submit(request);
 * launcher.finish(runId, 'Succeeded');
 */
export class MemoryRunLauncher implements RunLauncher {
  readonly runs: MemoryRun[] = [];
  readonly pruned: string[] = [];
  /** Every submit and stop, in order: `submit <idempotency key>`, `stop <run id>`. */
  readonly calls: string[] = [];
  #failNext: Error | undefined;

  /** Makes the next `submit` throw `error`. */
  failNext(error: Error): void {
    this.#failNext = error;
  }

  async submit(request: RunRequest): Promise<{ runId: string }> {
    this.calls.push(`submit ${request.idempotencyKey}`);
    if (this.#failNext !== undefined) {
      const e = this.#failNext;
      this.#failNext = undefined;
      throw e;
    }
    const same = this.runs.find((r) => r.request.idempotencyKey === request.idempotencyKey);
    if (same !== undefined) return { runId: same.id };
    const run: MemoryRun = { id: `run-${this.runs.length + 1}`, request, phase: 'Pending' };
    this.runs.push(run);
    return { runId: run.id };
  }

  async active(query: ActiveRunQuery): Promise<string[]> {
    return this.runs
      .filter(
        (r) =>
          (r.phase === 'Pending' || r.phase === 'Running') &&
          r.request.pipeline === query.pipeline &&
          Object.entries(query.labels ?? {}).every(([k, v]) => r.request.labels[k] === v),
      )
      .map((r) => r.id);
  }

  async stop(runId: string, reason: string): Promise<void> {
    this.calls.push(`stop ${runId}`);
    const run = this.runs.find((r) => r.id === runId);
    if (run === undefined || run.phase === 'Succeeded' || run.phase === 'Failed') return;
    run.phase = 'Failed';
    run.stopReason = reason;
  }

  async outcomes(runIds: readonly string[]): Promise<Record<string, RunOutcome>> {
    const out: Record<string, RunOutcome> = {};
    for (const id of runIds) {
      const run = this.runs.find((r) => r.id === id && !this.pruned.includes(id));
      out[id] =
        run === undefined
          ? 'unknown'
          : run.phase === 'Succeeded'
            ? 'succeeded'
            : run.phase === 'Failed'
              ? 'failed'
              : 'active';
    }
    return out;
  }

  async prune(runId: string): Promise<void> {
    this.pruned.push(runId);
  }

  /** Ends a run. */
  finish(runId: string, phase: 'Succeeded' | 'Failed'): void {
    const run = this.runs.find((r) => r.id === runId);
    if (run === undefined) throw new Error(`no run ${runId}`);
    run.phase = phase;
  }

  /** The run with this id. */
  get(runId: string): MemoryRun {
    const run = this.runs.find((r) => r.id === runId);
    if (run === undefined) throw new Error(`no run ${runId}`);
    return run;
  }
}
