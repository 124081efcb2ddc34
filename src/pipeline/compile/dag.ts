import type { PipelineSpec, TaskSpec } from '../definition/spec.js';
import { walkPipeline } from '../definition/spec.js';
import { type ArgoParameter, argoName, argoValue, taskOutputRef, workflowParamRef } from './parameters.js';
import { compileWhen } from './when.js';

/**
 * The DAG template: one task per bookml task, walked in the IR's topological order. Dependencies compile
 * to `depends` with `.Succeeded` on each (a Skipped, Omitted or failed dependency omits the task, as in the
 * local executor; never the bare-name form, where Skipped counts as done). Fan-outs compile to `withItems`
 * (literal items) or `withParam` (a list parameter or output).
 */

/** Name of the DAG template (reserved as a task ID). */
export const DAG_TEMPLATE = 'pipeline';

/** An Argo DAG task. */
export interface ArgoDagTask {
  name: string;
  template: string;
  depends?: string;
  when?: string;
  withItems?: unknown[];
  withParam?: string;
  arguments?: { parameters?: ArgoParameter[]; artifacts?: { name: string; from: string }[] };
}

/** `depends` text for a dependency list: `a.Succeeded && b.Succeeded`. */
export function dependsText(dependsOn: readonly string[]): string | undefined {
  return dependsOn.length === 0 ? undefined : dependsOn.map((d) => `${d}.Succeeded`).join(' && ');
}

function dagTask(task: TaskSpec, spec: PipelineSpec): ArgoDagTask {
  const step = spec.steps[task.step.name];
  const parameters: ArgoParameter[] = [];
  const artifacts: { name: string; from: string }[] = [];
  for (const [name, b] of Object.entries(task.inputs)) {
    if (name in step.inputs.artifacts && b.from === 'output') {
      artifacts.push({ name: argoName(name), from: taskOutputRef(b.task, b.output, 'artifacts') });
    } else {
      parameters.push({ name: argoName(name), value: argoValue(b) });
    }
  }
  const depends = dependsText(task.dependsOn);
  const f = task.fanOut;
  return {
    name: task.id,
    template: task.id,
    ...(depends === undefined ? {} : { depends }),
    ...(task.when === undefined ? {} : { when: compileWhen(task.when, task.id) }),
    ...(f?.source === 'items' ? { withItems: [...f.items] } : {}),
    ...(f?.source === 'param' ? { withParam: workflowParamRef(f.param) } : {}),
    ...(f?.source === 'output' ? { withParam: taskOutputRef(f.task, f.output) } : {}),
    ...(parameters.length + artifacts.length === 0
      ? {}
      : {
          arguments: {
            ...(parameters.length ? { parameters } : {}),
            ...(artifacts.length ? { artifacts } : {}),
          },
        }),
  };
}

/** The DAG template of a pipeline (the exit handler is not in it: it is `spec.onExit`). */
export function dagTemplate(spec: PipelineSpec): { name: string; dag: { tasks: ArgoDagTask[] } } {
  const tasks = walkPipeline(spec, ({ task, isExitHandler }) =>
    isExitHandler ? undefined : dagTask(task, spec),
  );
  return { name: DAG_TEMPLATE, dag: { tasks: tasks.filter((t): t is ArgoDagTask => t !== undefined) } };
}
