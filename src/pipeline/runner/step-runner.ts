import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Clock } from '../../core/index.js';
import type { StepContext, StepLog } from '../definition/step.js';
import { decodeTaskInputs, encodeStepOutputs, type StepInvocation } from '../definition/step-io.js';
import type { StepServices } from '../definition/step-services.js';
import { PipelineError } from '../errors.js';
import type { PipelineCatalog } from './catalog.js';

/**
 * The body of `bookml step`: what one step process does, locally (a child of the executor) and in an Argo
 * container alike. It decodes the invocation's text inputs against the step's spec, runs the step, and
 * leaves every output under `outputsDir/<name>` — parameters as their canonical text, artifacts as the
 * file or directory — which is exactly where the compiled WorkflowTemplate tells Argo to look.
 */

/** What {@link runStepInvocation} needs besides the invocation. */
export interface StepRunOptions {
  clock: Clock;
  /** The runtime's ports (datasets, artifacts, registry, events, code version). */
  services: StepServices;
  /** Where the attempt's scratch folder is made. @default the OS temp folder */
  scratchRoot?: string;
  /** Aborted on timeout or when the run is stopped. */
  signal?: AbortSignal;
  /** Where log lines go. @default process.stdout */
  out?: { write(line: string): unknown };
  /** Attempt number from 0. @default 0 */
  attempt?: number;
}

/**
 * Run one step invocation to completion. Throws what the step threw, or `PIPELINE_INVALID_OUTPUT` when
 * its outputs do not match what it declares.
 * @example await runStepInvocation(catalog, parseStepArgs(argv), { clock: systemClock, services: runtime.services });
 */
export async function runStepInvocation(
  catalog: PipelineCatalog,
  inv: StepInvocation,
  options: StepRunOptions,
): Promise<void> {
  const pipeline = catalog.get(inv.pipeline);
  const step = pipeline.stepFor(inv.task);
  const inputs = decodeTaskInputs(pipeline.spec, inv);
  const outputsDir = resolve(inv.outputsDir);
  await mkdir(outputsDir, { recursive: true });
  const out = options.out ?? process.stdout;
  const scratchDir = await mkdtemp(join(options.scratchRoot ?? tmpdir(), 'bookml-step-'));
  const { datasets, artifacts: artifactPort, registry, events, codeVersion } = options.services;
  const ctx: StepContext = {
    runId: inv.runId ?? 'local',
    taskId: inv.task,
    attempt: options.attempt ?? 0,
    outputDir: outputsDir,
    outputPath: (name) => join(outputsDir, name),
    scratchDir,
    clock: options.clock,
    log: stepLog(options.clock, out),
    signal: options.signal ?? new AbortController().signal,
    datasets,
    artifacts: artifactPort,
    registry,
    events,
    codeVersion,
  };
  let values: unknown;
  try {
    values = await step.run(ctx, inputs as never);
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
  const { params, artifacts } = encodeStepOutputs(step.spec, values as Record<string, unknown>, {
    task: inv.task,
  });
  for (const [name, text] of Object.entries(params)) await writeFile(join(outputsDir, name), text);
  for (const [name, path] of Object.entries(artifacts)) {
    const target = join(outputsDir, name);
    const kind = step.spec.outputs.artifacts[name].kind;
    const from = resolve(outputsDir, path);
    const st = await stat(from).catch(() => undefined);
    if (st === undefined || (kind === 'directory') !== st.isDirectory()) {
      throw new PipelineError(
        'PIPELINE_INVALID_OUTPUT',
        `task "${inv.task}": artifact "${name}" must be a ${kind} at ${path}, ${st === undefined ? 'which does not exist' : 'which is not one'}`,
        { task: inv.task, field: `outputs.${name}` },
      );
    }
    if (from !== target) {
      await rm(target, { recursive: true, force: true });
      await cp(from, target, { recursive: true });
    }
  }
}

/** Log lines as `<ISO time> <LEVEL> <message> <fields as JSON>`. */
export function stepLog(clock: Clock, out: { write(line: string): unknown }): StepLog {
  const line =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      const extra =
        fields === undefined || Object.keys(fields).length === 0 ? '' : ` ${JSON.stringify(fields)}`;
      out.write(`${new Date(clock.now()).toISOString()} ${level} ${message}${extra}\n`);
    };
  return { debug: line('DEBUG'), info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}
