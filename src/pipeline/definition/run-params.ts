import { PipelineError } from '../errors.js';
import { decodeParamValue } from './param.js';
import type { PipelineSpec } from './spec.js';

/**
 * Check the parameters a run is submitted with, fill in defaults, and return the typed values. Values may
 * be typed or in text form (`-p k=20` gives `'20'`). Every problem is reported at once: unknown names
 * (with the list of valid ones), missing required parameters, bad values with the reason.
 *
 * @example
 * resolveParams(spec, { k: '20' }); // { datasetUri: 'bookstore-db://orders', k: 20 }
 */
export function resolveParams(
  spec: PipelineSpec,
  given: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const problems: {
    field: string;
    reason: string;
    code: 'PIPELINE_UNKNOWN_PARAM' | 'PIPELINE_INVALID_PARAM';
  }[] = [];
  const names = Object.keys(spec.params);
  for (const k of Object.keys(given)) {
    if (!(k in spec.params)) {
      problems.push({
        field: k,
        code: 'PIPELINE_UNKNOWN_PARAM',
        reason: `unknown parameter "${k}" (parameters of ${spec.name}: ${names.join(', ') || 'none'})`,
      });
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(spec.params)) {
    const raw = given[k];
    if (raw === undefined) {
      if (p.default === undefined) {
        problems.push({ field: k, code: 'PIPELINE_INVALID_PARAM', reason: `parameter "${k}" is required` });
      } else out[k] = p.default;
      continue;
    }
    try {
      out[k] = decodeParamValue(p, raw, { field: k });
    } catch (e) {
      if (!(e instanceof PipelineError)) throw e;
      problems.push({ field: k, code: 'PIPELINE_INVALID_PARAM', reason: e.message });
    }
  }
  if (problems.length > 0) {
    const [first] = problems;
    throw new PipelineError(first.code, problems.map((p) => p.reason).join('; '), { field: first.field });
  }
  return out;
}
