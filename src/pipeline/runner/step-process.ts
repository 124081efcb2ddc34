import { systemClock } from '../../core/index.js';
import { parseStepArgs, STEP_EXIT_CODES } from '../definition/step-io.js';
import type { StepRuntime } from '../definition/step-services.js';
import { killProcessGroup } from '../executor/process-tree.js';
import { loadCatalog, type PipelineCatalog } from './catalog.js';
import { JOB_END, type StepFailure, type StepJob, type StepMessage } from './step-protocol.js';
import { runStepInvocation } from './step-runner.js';
import { importStepRuntime, lazyRuntime, type StepRuntimeModule } from './step-runtime.js';

/**
 * Entry of a local step process: `node step-process.js <catalog-url> [<runtime-url>]`. It never loads the
 * compiler, the CLI or the UI — only the catalogue module the executor names, the step runner, and the
 * runtime module (whose services open their stores lazily, on a step's first call). It starts warm,
 * ahead of need, with a boot environment only: it imports all of these and says `ready`; its job brings
 * the step's whole environment and working directory, which replace the boot ones before the runtime is
 * opened — so nothing the process did while waiting depended on a step's environment. When the
 * executor goes away (the IPC channel closes) the step kills its own process group: an orphaned step must
 * not keep writing while a restarted executor retries it.
 */

let finishing = false;
process.on('disconnect', () => {
  if (finishing) return;
  killProcessGroup(process.pid, 'SIGKILL');
  process.exit(137);
});

function send(message: StepMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || process.send === undefined) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function failureOf(e: unknown): StepFailure {
  const err = e as { code?: unknown; message?: unknown; retryable?: unknown };
  const bookml = typeof err?.code === 'string' && typeof err?.retryable === 'boolean';
  return {
    code: bookml ? (err.code as string) : 'STEP_FAILED',
    message: typeof err?.message === 'string' ? err.message : String(e),
    // Plain exceptions are retried per policy; BookmlErrors say for themselves (bad data is not).
    retryable: bookml ? (err.retryable as boolean) : true,
  };
}

async function finish(code: number, message: StepMessage): Promise<never> {
  finishing = true;
  await runtime?.then(
    (r) => r.close(),
    () => {},
  );
  await send(message);
  process.disconnect?.();
  process.exit(code);
}

const catalogUrl = process.argv[2];
const runtimeUrl = process.argv[3];
let catalog: PipelineCatalog;
let runtimeModule: StepRuntimeModule | undefined;
/** Opened at the first job, once the job's environment is in place. */
let runtime: Promise<StepRuntime> | undefined;
try {
  if (catalogUrl === undefined) throw new Error('usage: step-process.js <catalog-url>');
  [catalog, runtimeModule] = await Promise.all([loadCatalog(catalogUrl), importStepRuntime(runtimeUrl)]);
  runtimeModule?.warmStepRuntime?.();
} catch (e) {
  process.stderr.write(`step process: ${(e as Error).message}\n`);
  await finish(STEP_EXIT_CODES.nonRetryable, { type: 'fatal', error: failureOf(e) });
}

async function runJob(job: StepJob): Promise<void> {
  const abort = new AbortController();
  const onTerm = () => abort.abort(new Error('the step was asked to stop (timeout or terminate)'));
  process.once('SIGTERM', onTerm);
  try {
    takeEnvironment(job);
    runtime ??= lazyRuntime(runtimeModule, { env: process.env, clock: systemClock });
    await runStepInvocation(catalog, parseStepArgs(job.args), {
      clock: systemClock,
      services: (await runtime).services,
      signal: abort.signal,
      attempt: job.attempt,
    });
  } catch (e) {
    const error = failureOf(e);
    process.stderr.write(`step failed: ${error.code}: ${error.message}\n`);
    await finish(error.retryable ? STEP_EXIT_CODES.failed : STEP_EXIT_CODES.nonRetryable, {
      type: 'result',
      ok: false,
      error,
    });
  }
  if (!job.reuse) await finish(STEP_EXIT_CODES.ok, { type: 'result', ok: true });
  process.off('SIGTERM', onTerm);
  process.stdout.write(JOB_END);
  process.stderr.write(JOB_END);
  await send({ type: 'result', ok: true });
  process.once('message', runJob);
}

/** The job's environment and working directory replace the ones the process was started with. */
function takeEnvironment(job: StepJob): void {
  for (const k of Object.keys(process.env)) if (!(k in job.env)) delete process.env[k];
  Object.assign(process.env, job.env);
  if (job.cwd !== undefined) process.chdir(job.cwd);
}

process.once('message', runJob);
await send({ type: 'ready' });
