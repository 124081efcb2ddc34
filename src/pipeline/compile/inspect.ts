import type { Binding } from '../definition/ref.js';
import { formatBinding } from '../definition/ref.js';
import { parseStepArgs } from '../definition/step-io.js';
import { formatWhen } from '../definition/when.js';
import { fail } from '../errors.js';
import type { DagShape, ParamShape, TaskShape } from '../plan/dag-shape.js';
import { formatFanOut } from '../plan/dag-shape.js';
import { LABELS } from './container.js';
import { dependsText } from './dag.js';
import { dependsTasks } from './lint.js';
import { argoName, bookmlName, parseArgoValue } from './parameters.js';
import { decompileRetry } from './retry.js';
import { decompileWhen } from './when.js';

/**
 * The decompiler: read a compiled WorkflowTemplate back into a {@link DagShape} — tasks, edges, parameters
 * and every option — from what Argo will actually run (DAG arguments, container arguments, templates), so a
 * test can compare it with the local plan. It reads only what bookml emits and throws
 * `PIPELINE_INVALID_MANIFEST` on anything else.
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);

function bad(reason: string, task?: string): never {
  return fail('PIPELINE_INVALID_MANIFEST', { task, field: 'manifest' }, reason);
}

function readTask(template: Obj, dagTask: Obj | undefined): TaskShape {
  const id = String(template.name);
  const labels = obj(obj(template.metadata).labels);
  const annotations = obj(obj(template.metadata).annotations);
  const c = obj(template.container);
  const command = Array.isArray(c.command) ? c.command.map(String) : [];
  if (command.length !== 3 || command[0] !== 'bookml' || command[1] !== 'step') {
    bad(`template "${id}" does not run "bookml step <task>"`, id);
  }
  const inv = parseStepArgs([command[2], ...(Array.isArray(c.args) ? c.args.map(String) : [])]);
  if (inv.task !== id) bad(`template "${id}" runs task "${inv.task}"`, id);
  const args = obj(dagTask?.arguments);
  const passed = new Map(list(args.parameters).map((p) => [String(p.name), String(p.value)]));
  const passedArtifacts = new Map(list(args.artifacts).map((p) => [String(p.name), String(p.from)]));
  const inputs: Record<string, Binding> = {};
  for (const [name, value] of Object.entries(inv.params)) {
    if (value === `{{inputs.parameters.${argoName(name)}}}`) {
      const v = passed.get(argoName(name));
      if (v !== undefined) inputs[name] = parseArgoValue(v);
    } else {
      inputs[name] = parseArgoValue(value);
    }
  }
  for (const name of Object.keys(inv.artifacts)) {
    const from = passedArtifacts.get(argoName(name));
    if (from === undefined) bad(`task "${id}" gets no artifact ${name}`, id);
    const m = /^\{\{tasks\.([a-z0-9-]+)\.outputs\.artifacts\.([a-z0-9-]+)\}\}$/.exec(from);
    if (!m) bad(`task "${id}": artifact ${name} comes from ${from}`, id);
    inputs[name] = { from: 'output', task: m[1], output: bookmlName(m[2]) };
  }
  let dependsOn: string[] = [];
  if (dagTask?.depends !== undefined) {
    const d = dependsTasks(String(dagTask.depends));
    if (typeof d === 'string' || dependsText(d) !== dagTask.depends) {
      bad(`task "${id}": depends ${JSON.stringify(dagTask.depends)} is not "a.Succeeded && …"`, id);
    }
    dependsOn = d;
  }
  let fanOut: string | undefined;
  if (dagTask?.withItems !== undefined)
    fanOut = formatFanOut({ source: 'items', items: dagTask.withItems as unknown[] });
  if (dagTask?.withParam !== undefined) {
    const b = parseArgoValue(String(dagTask.withParam));
    if (b.from === 'param') fanOut = formatFanOut({ source: 'param', param: b.param });
    else if (b.from === 'output') fanOut = formatFanOut({ source: 'output', task: b.task, output: b.output });
    else bad(`task "${id}": withParam ${String(dagTask.withParam)}`, id);
  }
  const mutexes = list(obj(template.synchronization).mutexes);
  const timeout = Number(template.activeDeadlineSeconds);
  if (!Number.isInteger(timeout)) bad(`template "${id}" has no activeDeadlineSeconds`, id);
  return {
    id,
    step: `${String(labels[LABELS.step])}@${String(annotations[LABELS.stepVersion])}`,
    inputs: Object.fromEntries(
      Object.entries(inputs)
        .map(([k, b]) => [k, formatBinding(b)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    dependsOn: [...dependsOn].sort(),
    ...(dagTask?.when === undefined ? {} : { when: formatWhen(decompileWhen(String(dagTask.when))) }),
    ...(fanOut === undefined ? {} : { fanOut }),
    retry: decompileRetry(template.retryStrategy as never),
    timeoutSeconds: timeout,
    cache: inv.cache,
    ...(mutexes.length === 0 ? {} : { mutex: String(mutexes[0].name) }),
  };
}

/**
 * Read a compiled WorkflowTemplate's DAG back as tasks, edges and parameters.
 *
 * @example
 * expect(inspectWorkflowTemplate(compileToArgo(spec, opts))).toEqual(shapeOfPlan(toLocalPlan(spec)));
 */
export function inspectWorkflowTemplate(manifest: unknown): DagShape {
  const m = obj(manifest);
  const spec = obj(m.spec);
  const templates = new Map(list(spec.templates).map((t) => [String(t.name), t]));
  const entry = templates.get(String(spec.entrypoint));
  if (entry?.dag === undefined) bad('spec.entrypoint is not a DAG template');
  const dagTasks = list(obj(entry.dag).tasks);
  const tasks = dagTasks.map((t) => {
    if (t.template !== t.name) bad(`DAG task "${String(t.name)}" uses template "${String(t.template)}"`);
    const template = templates.get(String(t.template));
    if (template === undefined) bad(`DAG task "${String(t.name)}" uses a missing template`);
    return readTask(template, t);
  });
  const params: Record<string, ParamShape> = {};
  for (const p of list(obj(spec.arguments).parameters)) {
    params[bookmlName(String(p.name))] = {
      ...(p.value === undefined ? {} : { default: String(p.value) }),
      ...(Array.isArray(p.enum) ? { enum: p.enum.map(String) } : {}),
      ...(p.description === undefined ? {} : { description: String(p.description) }),
    };
  }
  const exit = spec.onExit === undefined ? undefined : templates.get(String(spec.onExit));
  if (spec.onExit !== undefined && exit === undefined) bad(`spec.onExit names a missing template`);
  const mutexes = list(obj(spec.synchronization).mutexes);
  const pipeline = obj(obj(m.metadata).labels)['bookml.io/pipeline'];
  return {
    pipeline: String(pipeline),
    params,
    tasks: tasks.sort((a, b) => a.id.localeCompare(b.id)),
    edges: tasks
      .flatMap((t) => t.dependsOn.map((d) => [d, t.id] as const))
      .sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1])),
    ...(exit === undefined ? {} : { exitHandler: readTask(exit, undefined) }),
    ...(mutexes.length === 0 ? {} : { mutex: String(mutexes[0].name) }),
    ...(spec.activeDeadlineSeconds === undefined
      ? {}
      : { timeoutSeconds: Number(spec.activeDeadlineSeconds) }),
    ...(spec.parallelism === undefined ? {} : { parallelism: Number(spec.parallelism) }),
  };
}
