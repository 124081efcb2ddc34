import type { ActiveRunQuery, RunLauncher, RunOutcome, RunRequest } from '../triggers/index.js';
import type { App } from './app.js';

/** Active runs are looked for among this many newest runs of the pipeline. */
const ACTIVE_SCAN = 500;

/**
 * The triggers' {@link RunLauncher} over the local executor: a run is a Pending row in the run store
 * (the hosted executor, or the background one, picks it up), idempotent by the request's key, carrying
 * the trigger's labels — which is how `bookml run get` shows what started it. Stop asks the executor
 * through its control topic, as `bookml run stop` does.
 * @example const scheduler = new Scheduler({ db, launcher: localRunLauncher(app, { wake }) });
 */
export function localRunLauncher(app: App, options: { wake?: () => void } = {}): RunLauncher {
  const wake = options.wake ?? (() => {});
  const ops = () => import('../pipeline/executor/index.js');
  return {
    submit: async (request: RunRequest) => {
      const [p, { catalog }, db, runs] = await Promise.all([
        ops(),
        app.catalog(),
        app.stores.db(),
        app.stores.runs(),
      ]);
      const existing = await runs.getRunByIdempotencyKey(request.idempotencyKey);
      if (existing !== undefined) return { runId: existing.id };
      try {
        const run = await p.submitRun(db, catalog, {
          pipeline: request.pipeline,
          params: request.parameters,
          labels: { ...request.labels, 'bookml.io/trigger-reason': request.trigger.reason.slice(0, 200) },
          submittedBy: `${request.trigger.kind}:${request.trigger.name}`,
          idempotencyKey: request.idempotencyKey,
          ...(app.config.image ? { image: app.config.image } : {}),
        });
        wake();
        return { runId: run.id };
      } catch (e) {
        // Two processes replaying one decision: the other one's run is the run.
        const again = await runs.getRunByIdempotencyKey(request.idempotencyKey);
        if (again !== undefined) return { runId: again.id };
        throw e;
      }
    },
    active: async (query: ActiveRunQuery) => {
      const runs = await app.stores.runs();
      const found = (await runs.listRuns({
        pipeline: query.pipeline,
        phase: ['Pending', 'Running'],
        limit: ACTIVE_SCAN,
      })) as Array<{ id: string; labels: Record<string, string> }>;
      const want = Object.entries(query.labels ?? {});
      return found.filter((r) => want.every(([k, v]) => r.labels?.[k] === v)).map((r) => r.id);
    },
    stop: async (runId: string) => {
      const [p, db] = await Promise.all([ops(), app.stores.db()]);
      try {
        await p.requestShutdown(db, runId, 'stop');
        wake();
      } catch (e) {
        if ((e as { code?: string }).code !== 'RUN_ALREADY_FINISHED') throw e;
      }
    },
    outcomes: async (runIds: readonly string[]) => {
      const runs = await app.stores.runs();
      const out: Record<string, RunOutcome> = {};
      for (const id of runIds) {
        const r = await runs.getRun(id);
        out[id] =
          r === undefined
            ? 'unknown'
            : r.phase === 'Pending' || r.phase === 'Running'
              ? 'active'
              : r.phase === 'Succeeded'
                ? 'succeeded'
                : 'failed';
      }
      return out;
    },
  };
}
