import { encodeParamValue } from '../definition/param.js';
import type { Binding } from '../definition/ref.js';
import type { PipelineSpec } from '../definition/spec.js';
import { fail } from '../errors.js';

/**
 * Parameters on Argo: names (camelCase in bookml, kebab-case on Argo), values (always strings), and the
 * `{{…}}` text each binding compiles to, with its inverse for the decompiler.
 */

/** `datasetUri` → `dataset-uri`. One-to-one because bookml names are camelCase without dashes. */
export function argoName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `dataset-uri` → `datasetUri`; the inverse of {@link argoName}. */
export function bookmlName(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** An Argo parameter (`spec.arguments.parameters[]`, `inputs.parameters[]`, `arguments.parameters[]`). */
export interface ArgoParameter {
  name: string;
  value?: string;
  default?: string;
  enum?: string[];
  description?: string;
  valueFrom?: { path: string; default?: string };
}

/** The workflow's `spec.arguments.parameters`: every pipeline parameter, defaults as text. */
export function workflowParameters(spec: PipelineSpec): ArgoParameter[] {
  return Object.entries(spec.params).map(([name, p]) => ({
    name: argoName(name),
    ...(p.default === undefined ? {} : { value: encodeParamValue(p.default) }),
    ...(p.type === 'enum' ? { enum: [...p.values] } : {}),
    ...(p.description === undefined ? {} : { description: p.description }),
  }));
}

/** `{{workflow.parameters.NAME}}` of a pipeline parameter. */
export function workflowParamRef(name: string): string {
  return `{{workflow.parameters.${argoName(name)}}}`;
}

/** `{{tasks.T.outputs.parameters.NAME}}` (or `.artifacts.NAME`). */
export function taskOutputRef(
  task: string,
  output: string,
  kind: 'parameters' | 'artifacts' = 'parameters',
): string {
  return `{{tasks.${task}.outputs.${kind}.${argoName(output)}}}`;
}

const RUN_VARS = {
  id: '{{workflow.name}}',
  status: '{{workflow.status}}',
  failures: '{{workflow.failures}}',
} as const;

/**
 * The argument text a binding compiles to: a literal's text form, or a `{{…}}` reference.
 * @example argoValue({ from: 'param', param: 'datasetUri' }); // '{{workflow.parameters.dataset-uri}}'
 */
export function argoValue(b: Binding): string {
  switch (b.from) {
    case 'literal':
      return encodeParamValue(b.value);
    case 'param':
      return workflowParamRef(b.param);
    case 'output':
      return taskOutputRef(b.task, b.output);
    case 'item':
      return b.field === undefined ? '{{item}}' : `{{item.${b.field}}}`;
    case 'run':
      return RUN_VARS[b.field];
  }
}

const PARAM_RE = /^\{\{workflow\.parameters\.([a-z0-9-]+)\}\}$/;
const OUTPUT_RE = /^\{\{tasks\.([a-z0-9-]+)\.outputs\.(parameters|artifacts)\.([a-z0-9-]+)\}\}$/;
const ITEM_RE = /^\{\{item(?:\.([a-zA-Z0-9]+))?\}\}$/;

/**
 * Read back what {@link argoValue} wrote. Text that is no reference is a literal (in text form).
 * @example parseArgoValue('{{tasks.ingest.outputs.parameters.rows}}'); // { from: 'output', task: 'ingest', output: 'rows' }
 */
export function parseArgoValue(text: string): Binding {
  let m = PARAM_RE.exec(text);
  if (m) return { from: 'param', param: bookmlName(m[1]) };
  m = OUTPUT_RE.exec(text);
  if (m) return { from: 'output', task: m[1], output: bookmlName(m[3]) };
  m = ITEM_RE.exec(text);
  if (m) return m[1] === undefined ? { from: 'item' } : { from: 'item', field: m[1] };
  for (const [field, v] of Object.entries(RUN_VARS)) {
    if (text === v) return { from: 'run', field: field as keyof typeof RUN_VARS };
  }
  if (text.includes('{{')) {
    return fail(
      'PIPELINE_INVALID_MANIFEST',
      { field: 'arguments' },
      `cannot read ${JSON.stringify(text)}: not a reference bookml emits`,
    );
  }
  return { from: 'literal', value: text };
}
