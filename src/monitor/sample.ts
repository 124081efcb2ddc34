import { MonitorError } from './errors.js';

/** What a drift test accepts as one sample: plain numbers or a typed array, never per-item objects. */
export type Sample = Float64Array | readonly number[];

/**
 * Check a sample where it enters and return a sorted copy: the one copy a KS test makes (the caller's
 * array is never reordered). Fails with `MONITOR_EMPTY_SAMPLE` or `MONITOR_NON_FINITE_VALUE`, naming
 * `field` and, for a bad value, its index.
 *
 * @example
 * const sorted = sortedSample([3, 1, 2], 'reference'); // Float64Array [1, 2, 3]
 */
export function sortedSample(values: Sample, field: string): Float64Array {
  const n = values.length;
  if (n === 0) {
    throw new MonitorError(
      'MONITOR_EMPTY_SAMPLE',
      `the ${field} sample is empty: a KS test needs at least one value on each side`,
      {
        field,
      },
    );
  }
  for (let i = 0; i < n; i++) {
    const v = values[i];
    // `v - v` is 0 for finite numbers and NaN for NaN and ±Infinity: one comparison per value.
    if (v - v !== 0) {
      throw new MonitorError(
        'MONITOR_NON_FINITE_VALUE',
        `${field}[${i}] is ${v}: drift tests take finite numbers only; drop or impute missing values first`,
        { field },
      );
    }
  }
  const copy = Float64Array.from(values);
  copy.sort();
  return copy;
}

/**
 * Parse a JSON document holding one sample (an array of finite numbers), e.g. a file given to
 * `bookml drift test`. Errors are `MONITOR_BAD_SAMPLE_FILE` (or `MONITOR_EMPTY_SAMPLE`) naming
 * `source` and carrying `field`.
 *
 * @example
 * const values = parseSampleJson('[0.1, 0.5, 2]', { field: 'reference', source: 'ref.json' });
 */
export function parseSampleJson(text: string, where: { field: string; source: string }): Float64Array {
  const { field, source } = where;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new MonitorError(
      'MONITOR_BAD_SAMPLE_FILE',
      `${source} is not valid JSON (${(e as Error).message}); expected an array of numbers like [0.5, 1.25, 3]`,
      { field, cause: e },
    );
  }
  if (!Array.isArray(doc)) {
    throw new MonitorError(
      'MONITOR_BAD_SAMPLE_FILE',
      `${source} holds ${doc === null ? 'null' : typeof doc}, not an array; expected an array of numbers like [0.5, 1.25, 3]`,
      { field },
    );
  }
  if (doc.length === 0) {
    throw new MonitorError(
      'MONITOR_EMPTY_SAMPLE',
      `${source} is an empty array: a KS test needs at least one value`,
      {
        field,
      },
    );
  }
  const out = new Float64Array(doc.length);
  for (let i = 0; i < doc.length; i++) {
    const v: unknown = doc[i];
    // JSON has no NaN or Infinity, but 1e999 parses to Infinity: finite numbers only.
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const shown =
        typeof v === 'number'
          ? String(v)
          : typeof v === 'string'
            ? `"${v.slice(0, 40)}"`
            : JSON.stringify(v).slice(0, 40);
      throw new MonitorError(
        'MONITOR_BAD_SAMPLE_FILE',
        `${source}: element ${i} is ${shown}, not a finite number; the file must be an array of finite numbers`,
        { field },
      );
    }
    out[i] = v;
  }
  return out;
}
