import { rm } from 'node:fs/promises';
import { codeVersion } from '../../core/index.js';
import type { MetadataDb, RunDetail, RunRecord, Workspace } from '../../store/index.js';
import { resolveParams } from '../definition/run-params.js';
import type { PipelineCatalog } from '../runner/catalog.js';
import { stepCodeHash } from './cache-key.js';
import { CONTROL_TOPIC, type RunControl } from './control.js';
import { ExecutorError } from './errors.js';
import { runDirOf } from './run-paths.js';
import { NO_CACHE_LABEL } from './run-state.js';
import { isTerminalPhase, loadStore } from './store-loader.js';

/**
 * What a user (CLI, API) does to runs. All of it is database work: the executor picks submitted runs up
 * and reads stop/terminate requests from the event log, so these work whether or not it is running.
 */

/** What {@link submitRun} takes. */
export interface SubmitOptions {
  pipeline: string;
  /** Parameter values, typed or as text (`-p k=20` gives `'20'`). Missing ones take their defaults. */
  params?: Readonly<Record<string, unknown>>;
  /** Never read or write the cache in this run. @default false */
  noCache?: boolean;
  labels?: Record<string, string>;
  submittedBy?: string;
  idempotencyKey?: string;
  /** The image this process runs (`BOOKML_IMAGE`) and its digest, recorded with the code version. */
  image?: { readonly ref: string; readonly digest: string | null };
  /** @internal set by retry/resubmit */
  retryOf?: string;
  /** @internal */
  resubmitOf?: string;
}

/**
 * Create a Pending run after checking its parameters (unknown names list the valid ones; bad values
 * name the field and the reason). Records the code version: git SHA, package version, each step's code hash.
 * @example const run = await submitRun(db, catalog, { pipeline: 'recommender', params: { k: '20' } });
 */
export async function submitRun(
  db: MetadataDb,
  catalog: PipelineCatalog,
  o: SubmitOptions,
): Promise<RunRecord> {
  const pipeline = catalog.get(o.pipeline);
  const parameters = resolveParams(pipeline.spec, o.params ?? {});
  const cv = codeVersion();
  const steps = Object.fromEntries([...pipeline.steps].map(([name, s]) => [name, stepCodeHash(s)]));
  const { RunStore } = await loadStore();
  return new RunStore(db).createRun({
    pipeline: pipeline.name,
    parameters,
    labels: { ...(o.labels ?? {}), ...(o.noCache ? { [NO_CACHE_LABEL]: 'true' } : {}) },
    codeVersion: {
      gitSha: cv.gitSha,
      packageVersion: cv.version,
      steps,
      ...(o.image ? { image: o.image.ref, imageDigest: o.image.digest } : {}),
    },
    ...(pipeline.spec.mutex === undefined ? {} : { mutex: pipeline.spec.mutex }),
    ...(o.submittedBy === undefined ? {} : { submittedBy: o.submittedBy }),
    ...(o.idempotencyKey === undefined ? {} : { idempotencyKey: o.idempotencyKey }),
    ...(o.retryOf === undefined ? {} : { retryOf: o.retryOf }),
    ...(o.resubmitOf === undefined ? {} : { resubmitOf: o.resubmitOf }),
  });
}

/**
 * A run by ID, or the newest with `@latest`.
 * @throws RUN_NOT_FOUND
 */
export async function getRunDetail(db: MetadataDb, ref: string): Promise<RunDetail> {
  const { RunStore } = await loadStore();
  const runs = new RunStore(db);
  let id = ref;
  if (ref === '@latest') {
    const [latest] = await runs.listRuns({ limit: 1 });
    if (latest === undefined)
      throw new ExecutorError(
        'RUN_NOT_FOUND',
        'there are no runs yet; submit one with `bookml run submit <pipeline>`',
        { field: 'run' },
      );
    id = latest.id;
  }
  const run = await runs.getRun(id);
  if (run === undefined) {
    throw new ExecutorError('RUN_NOT_FOUND', `no run "${ref}"; list runs with \`bookml run list\``, {
      field: 'run',
    });
  }
  return run;
}

/**
 * Retry a Failed or Error run from where it failed: a new run (retry_of) with the same parameters, in
 * which every node that succeeded before (same inputs) is reused instead of run again — side-effect steps
 * included, so a retried run never registers twice.
 */
export async function retryRun(db: MetadataDb, catalog: PipelineCatalog, ref: string): Promise<RunRecord> {
  const old = await getRunDetail(db, ref);
  if (!isTerminalPhase(old.phase)) {
    throw new ExecutorError(
      'RUN_NOT_FINISHED',
      `run ${old.id} is ${old.phase}; wait for it to end (or stop it) before retrying`,
      { field: 'run' },
    );
  }
  if (old.phase === 'Succeeded') {
    throw new ExecutorError(
      'RUN_NOT_RETRYABLE',
      `run ${old.id} Succeeded; use \`bookml run resubmit ${old.id}\` to run it again`,
      { field: 'run' },
    );
  }
  return submitRun(db, catalog, {
    pipeline: old.pipeline,
    params: old.parameters,
    noCache: old.labels[NO_CACHE_LABEL] === 'true',
    labels: old.labels,
    retryOf: old.id,
  });
}

/** Run a finished run's pipeline again with its parameters, overridden by `params`. */
export async function resubmitRun(
  db: MetadataDb,
  catalog: PipelineCatalog,
  ref: string,
  o: { params?: Record<string, unknown>; noCache?: boolean } = {},
): Promise<RunRecord> {
  const old = await getRunDetail(db, ref);
  const labels = { ...old.labels };
  delete labels[NO_CACHE_LABEL];
  return submitRun(db, catalog, {
    pipeline: old.pipeline,
    params: { ...old.parameters, ...(o.params ?? {}) },
    noCache: o.noCache ?? false,
    labels,
    resubmitOf: old.id,
  });
}

/**
 * Ask the executor to stop (start nothing new, let running steps finish, run the exit handler) or
 * terminate (kill running steps) a run.
 * @throws RUN_ALREADY_FINISHED for a run in a terminal phase
 */
export async function requestShutdown(
  db: MetadataDb,
  ref: string,
  action: RunControl['action'],
): Promise<RunRecord> {
  const run = await getRunDetail(db, ref);
  if (isTerminalPhase(run.phase)) {
    throw new ExecutorError('RUN_ALREADY_FINISHED', `run ${run.id} already ended (${run.phase})`, {
      field: 'run',
    });
  }
  const payload: RunControl = {
    runId: run.id,
    action,
    message: action === 'stop' ? 'stopped' : 'terminated',
  };
  const { EventLog } = await loadStore();
  await new EventLog(db).append(CONTROL_TOPIC, payload);
  return run;
}

/** Delete a finished run with its nodes, attempts, lineage and log files. */
export async function deleteRun(db: MetadataDb, ws: Workspace, ref: string): Promise<RunRecord> {
  const run = await getRunDetail(db, ref);
  if (!isTerminalPhase(run.phase)) {
    throw new ExecutorError(
      'RUN_NOT_FINISHED',
      `run ${run.id} is ${run.phase}; terminate it first (\`bookml run terminate ${run.id}\`)`,
      { field: 'run' },
    );
  }
  const { RunStore } = await loadStore();
  await new RunStore(db).deleteRun(run.id);
  await rm(runDirOf(ws, run.id), { recursive: true, force: true });
  return run;
}

/**
 * Parse `-p key=value` flags into a record (values stay text; the pipeline's parameter specs decode them).
 * @throws RUN_BAD_PARAM_FLAG naming the flag
 */
export function parseParamFlags(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq < 1)
      throw new ExecutorError('RUN_BAD_PARAM_FLAG', `-p takes key=value, got ${JSON.stringify(f)}`, {
        field: '-p',
      });
    out[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return out;
}
