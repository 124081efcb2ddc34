import { topologicalOrder } from '../definition/graph.js';
import { DNS_LABEL } from '../definition/names.js';

/**
 * The checks spec/argo.md §18 asks of a compiler, which the JSON schema does not make: names, template
 * references, `depends` syntax and cycles, `{{tasks.X}}` only for (transitive) dependencies, declared and
 * passed inputs, declared workflow parameters, string-typed values. Runs on every compile; a test also runs
 * it on hand-broken manifests.
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);

const RESULTS = [
  'Succeeded',
  'Failed',
  'Errored',
  'Skipped',
  'Omitted',
  'Daemoned',
  'AnySucceeded',
  'AllFailed',
];

/** Task names a `depends` expression mentions, or an error text when it does not parse. */
export function dependsTasks(depends: string): string[] | string {
  const names: string[] = [];
  let depth = 0;
  let expectOperand = true;
  for (const tok of depends.match(/&&|\|\||!|\(|\)|[A-Za-z0-9-]+(?:\.[A-Za-z]+)?|\S/g) ?? []) {
    if (tok === '(' || tok === '!') {
      if (!expectOperand) return `unexpected "${tok}"`;
      if (tok === '(') depth++;
    } else if (tok === ')') {
      if (expectOperand || --depth < 0) return 'unbalanced ")"';
    } else if (tok === '&&' || tok === '||') {
      if (expectOperand) return `unexpected "${tok}"`;
      expectOperand = true;
    } else {
      const [name, result] = tok.split('.');
      if (
        !expectOperand ||
        !/^[a-z0-9][-a-z0-9]*$/.test(name) ||
        (result !== undefined && !RESULTS.includes(result))
      ) {
        return `unexpected "${tok}"`;
      }
      names.push(name);
      expectOperand = false;
    }
  }
  if (expectOperand || depth !== 0) return 'incomplete expression';
  return names;
}

function refs(text: string, re: RegExp): string[] {
  return [...text.matchAll(re)].map((m) => m[1]);
}

/**
 * Problems with a compiled WorkflowTemplate (or Workflow); `[]` when there are none.
 * @example expect(lintWorkflowTemplate(compileToArgo(spec, { image }))).toEqual([]);
 */
export function lintWorkflowTemplate(manifest: unknown): string[] {
  const p: string[] = [];
  const m = obj(manifest);
  const name = obj(m.metadata).name;
  if (typeof name !== 'string' || !DNS_LABEL.test(name) || name.length > 63) {
    p.push(`metadata.name ${JSON.stringify(name)} must be a DNS-1123 label of at most 63 characters`);
  }
  const spec = obj(m.spec);
  const templates = list(spec.templates);
  const byName = new Map<string, Obj>();
  for (const t of templates) {
    const n = String(t.name);
    if (byName.has(n)) p.push(`template "${n}" is defined twice`);
    byName.set(n, t);
    if (t.activeDeadlineSeconds !== undefined && typeof t.activeDeadlineSeconds !== 'string') {
      p.push(`templates[${n}].activeDeadlineSeconds must be a string (IntOrString)`);
    }
    const rs = obj(t.retryStrategy);
    if (rs.limit !== undefined && typeof rs.limit !== 'string')
      p.push(`templates[${n}].retryStrategy.limit must be a string`);
    const factor = obj(rs.backoff).factor;
    if (factor !== undefined && typeof factor !== 'string')
      p.push(`templates[${n}].retryStrategy.backoff.factor must be a string`);
  }
  for (const [field, target] of [
    ['entrypoint', spec.entrypoint],
    ['onExit', spec.onExit],
  ] as const) {
    if (target !== undefined && !byName.has(String(target)))
      p.push(`spec.${field} names missing template "${String(target)}"`);
  }
  if (spec.entrypoint === undefined) p.push('spec.entrypoint is missing');

  const wfParams = new Set<string>();
  for (const a of list(obj(spec.arguments).parameters)) {
    wfParams.add(String(a.name));
    if (a.value !== undefined && typeof a.value !== 'string')
      p.push(`spec.arguments.parameters[${String(a.name)}].value must be a string`);
  }
  for (const r of refs(JSON.stringify(spec), /\{\{workflow\.parameters\.([^}\s]+)\}\}/g)) {
    if (!wfParams.has(r)) p.push(`{{workflow.parameters.${r}}} is not a workflow parameter`);
  }
  for (const r of refs(JSON.stringify(spec), /workflow\.parameters\[\\?'([^'\\]+)\\?'\]/g)) {
    if (!wfParams.has(r)) p.push(`workflow.parameters['${r}'] is not a workflow parameter`);
  }

  for (const t of templates) {
    const tn = String(t.name);
    const inputs = obj(t.inputs);
    const declared = new Set(list(inputs.parameters).map((x) => String(x.name)));
    for (const x of list(inputs.parameters)) {
      if (x.default !== undefined && typeof x.default !== 'string')
        p.push(`templates[${tn}].inputs.parameters[${String(x.name)}].default must be a string`);
    }
    const own = JSON.stringify({ ...t, dag: undefined });
    for (const r of refs(own, /\{\{inputs\.parameters\.([^}\s]+)\}\}/g)) {
      if (!declared.has(r))
        p.push(`templates[${tn}] uses {{inputs.parameters.${r}}} but does not declare input ${r}`);
    }
    if (t.dag === undefined) continue;
    const tasks = list(obj(t.dag).tasks);
    const deps = new Map<string, string[]>();
    for (const task of tasks) {
      const n = String(task.name);
      if (deps.has(n)) p.push(`templates[${tn}]: task "${n}" is defined twice`);
      if (!DNS_LABEL.test(n)) p.push(`templates[${tn}]: task name "${n}" must be DNS-1123 (no dots)`);
      if (task.dependencies !== undefined) p.push(`task "${n}": use depends, not dependencies`);
      const d = task.depends === undefined ? [] : dependsTasks(String(task.depends));
      if (typeof d === 'string') {
        p.push(`task "${n}": depends ${JSON.stringify(task.depends)} does not parse: ${d}`);
        deps.set(n, []);
      } else deps.set(n, d);
    }
    for (const [n, d] of deps) {
      for (const x of d) if (!deps.has(x)) p.push(`task "${n}": depends on unknown task "${x}"`);
    }
    const topo = topologicalOrder([...deps.keys()], (n) => (deps.get(n) ?? []).filter((x) => deps.has(x)));
    if (!topo.ok) {
      p.push(`templates[${tn}]: tasks depend on each other in a cycle: ${topo.cycle.join(' → ')}`);
      continue;
    }
    const ancestors = new Map<string, Set<string>>();
    for (const n of topo.order) {
      const a = new Set<string>();
      for (const x of deps.get(n) ?? []) {
        a.add(x);
        for (const y of ancestors.get(x) ?? []) a.add(y);
      }
      ancestors.set(n, a);
    }
    for (const task of tasks) {
      const n = String(task.name);
      const text = JSON.stringify({ ...task, name: undefined, template: undefined, depends: undefined });
      const used = [
        ...refs(text, /\{\{tasks\.([a-z0-9-]+)\./g),
        ...refs(text, /tasks\[\\?'([a-z0-9-]+)\\?'\]/g),
      ];
      for (const x of used) {
        if (!ancestors.get(n)?.has(x)) p.push(`task "${n}" reads tasks.${x} but does not depend on it`);
      }
      const target = byName.get(String(task.template));
      if (target === undefined) {
        p.push(`task "${n}" uses missing template "${String(task.template)}"`);
        continue;
      }
      const args = obj(task.arguments);
      const passed = new Set(list(args.parameters).map((x) => String(x.name)));
      for (const a of list(args.parameters)) {
        if (typeof a.value !== 'string')
          p.push(`task "${n}": argument ${String(a.name)} must have a string value`);
      }
      const ti = obj(target.inputs);
      const tparams = list(ti.parameters);
      for (const x of tparams) {
        if (x.default === undefined && x.value === undefined && !passed.has(String(x.name))) {
          p.push(
            `task "${n}" does not pass required input ${String(x.name)} of template "${String(target.name)}"`,
          );
        }
      }
      for (const a of passed) {
        if (!tparams.some((x) => x.name === a))
          p.push(`task "${n}" passes ${a}, which template "${String(target.name)}" does not declare`);
      }
      const passedArtifacts = new Set(list(args.artifacts).map((x) => String(x.name)));
      for (const x of list(ti.artifacts)) {
        if (!passedArtifacts.has(String(x.name)) && x.from === undefined && x.optional !== true) {
          p.push(
            `task "${n}" does not pass input artifact ${String(x.name)} of template "${String(target.name)}"`,
          );
        }
      }
    }
  }
  return p;
}
