import { paddedFrom, type Recommendation } from '../model/index.js';
import { invalidTensor, ServeError } from './errors.js';
import type { ServedModel } from './served-model.js';

/**
 * Open Inference Protocol (V2) request tensors for the recommender (spec/kserve.md §4.1):
 * `book_id` `[B]` (or `[B, 1]`) INT64 — BYTES when the model's ids are names — and an optional
 * `k` `[1]` INT32 (or request `parameters.k`). Data may be flat or nested in the shape; the element
 * count must match; every element must be of the declared type (no silent rounding of 1.5 or
 * of integers beyond 2^53).
 */

const INTEGER_TYPES = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);
/** The output tensors, in answer order. */
export const V2_OUTPUTS = ['book_ids', 'scores', 'count', 'fallback', 'padded'] as const;
export type V2OutputName = (typeof V2_OUTPUTS)[number];

/** A checked inference request: book indices in the answering model, the k, which outputs. */
export interface InferRequest {
  readonly id: string | undefined;
  /** Book indices (-1 unknown); all -1 when the request names customers instead. */
  readonly idx: Int32Array;
  /** The `customer_id` tensor's ids, when the request asks for personal answers; else null. */
  readonly customers: readonly string[] | null;
  readonly raws: readonly unknown[];
  readonly k: number;
  /** Null: every output. */
  readonly outputs: ReadonlySet<V2OutputName> | null;
}

interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkTensor(t: unknown, at: string): Tensor {
  if (!isObject(t)) throw invalidTensor(at, 'must be an object with name, datatype, shape and data');
  if (typeof t.name !== 'string') throw invalidTensor(`${at}.name`, 'required (a string)');
  if (typeof t.datatype !== 'string') throw invalidTensor(`${at}.datatype`, 'required (a string)');
  if (!Array.isArray(t.shape)) throw invalidTensor(`${at}.shape`, 'required (a list of sizes)');
  for (const d of t.shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      throw invalidTensor(`${at}.shape`, 'sizes must be non-negative integers');
  }
  if (!Array.isArray(t.data)) throw invalidTensor(`${at}.data`, 'required (a list)');
  return t as unknown as Tensor;
}

/** Row-major elements of `data`, flat or nested in `shape`; throws when the count or nesting is off. */
export function flatten(data: unknown[], shape: readonly number[], at: string): unknown[] {
  const count = shape.reduce((a, b) => a * b, 1);
  if (!data.some(Array.isArray)) {
    if (data.length !== count)
      throw invalidTensor(`${at}.data`, `holds ${data.length} elements but shape [${shape}] needs ${count}`);
    return data;
  }
  const out: unknown[] = [];
  const walk = (level: unknown[], d: number): void => {
    if (level.length !== shape[d])
      throw invalidTensor(`${at}.data`, `nesting does not match shape [${shape}] at dimension ${d}`);
    for (const v of level) {
      if (d < shape.length - 1) {
        if (!Array.isArray(v))
          throw invalidTensor(`${at}.data`, `nesting does not match shape [${shape}] at dimension ${d + 1}`);
        walk(v, d + 1);
      } else {
        if (Array.isArray(v)) throw invalidTensor(`${at}.data`, `nested deeper than shape [${shape}]`);
        out.push(v);
      }
    }
  };
  walk(data, 0);
  return out;
}

function integerElement(v: unknown, datatype: string, at: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw invalidTensor(at, `${datatype} elements must be integers within ±2^53, got ${JSON.stringify(v)}`);
  if (datatype.startsWith('UINT') && v < 0) throw invalidTensor(at, `${datatype} elements must be ≥ 0`);
  return v;
}

function kFrom(v: unknown, model: ServedModel, at: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > model.maxK)
    throw invalidTensor(at, `k must be an integer from 1 to ${model.maxK}, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * `parameters` (of the request or of a tensor) is an object of scalars: strings, numbers or booleans
 * (spec §2.4). Unknown keys are the client's business and are ignored; a nested value is refused.
 */
function checkParameters(p: unknown, at: string): Record<string, unknown> | undefined {
  if (p === undefined) return undefined;
  if (!isObject(p))
    throw new ServeError(
      'SERVE_INVALID_REQUEST',
      `${at}: must be an object of string, number or boolean values`,
      {
        field: at,
      },
    );
  for (const key of Object.keys(p)) {
    const v = p[key];
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      const field = `${at}.${key.length > 64 ? `${key.slice(0, 64)}…` : key}`;
      throw new ServeError('SERVE_INVALID_REQUEST', `${field}: a parameter is a string, number or boolean`, {
        field,
      });
    }
  }
  return p;
}

/** `parameters.k`: a number, or the same integer written as a string (`"3"`), as clients send both. */
function kParameter(v: unknown, model: ServedModel): number {
  const n = typeof v === 'string' && /^\s*\d{1,9}\s*$/.test(v) ? Number(v) : v;
  return kFrom(n, model, 'parameters.k');
}

/**
 * Check an inference request against the answering model and map its book ids to indices.
 * Every problem is a 400 `SERVE_INVALID_TENSOR` (or `SERVE_INVALID_REQUEST`) naming the field.
 */
export function parseInferRequest(body: unknown, model: ServedModel, maxBatch: number): InferRequest {
  if (!isObject(body))
    throw new ServeError('SERVE_INVALID_REQUEST', 'body: must be a JSON object', { field: 'body' });
  const id = body.id;
  if (id !== undefined && typeof id !== 'string')
    throw new ServeError('SERVE_INVALID_REQUEST', 'id: must be a string', { field: 'id' });
  if (body.inputs === undefined) throw invalidTensor('inputs', 'required');
  if (!Array.isArray(body.inputs) || body.inputs.length === 0)
    throw invalidTensor('inputs', 'must be a non-empty list of tensors');
  let book: { t: Tensor; at: string } | null = null;
  let customer: { t: Tensor; at: string } | null = null;
  let k: number | null = null;
  const parameters = checkParameters(body.parameters, 'parameters');
  body.inputs.forEach((raw, i) => {
    const at = `inputs[${i}]`;
    const t = checkTensor(raw, at);
    checkParameters((raw as { parameters?: unknown }).parameters, `${at}.parameters`);
    if (t.name === 'book_id') {
      if (book) throw invalidTensor(`${at}.name`, 'book_id is given twice');
      book = { t, at };
    } else if (t.name === 'customer_id') {
      if (customer) throw invalidTensor(`${at}.name`, 'customer_id is given twice');
      customer = { t, at };
    } else if (t.name === 'k') {
      if (!INTEGER_TYPES.has(t.datatype))
        throw invalidTensor(`${at}.datatype`, `k is INT32 (any integer type), got ${t.datatype}`);
      const data = flatten(t.data, t.shape, at);
      if (data.length !== 1) throw invalidTensor(`${at}.shape`, 'k is one value: shape [1]');
      k = kFrom(integerElement(data[0], t.datatype, `${at}.data[0]`), model, `${at}.data[0]`);
    } else {
      throw invalidTensor(
        `${at}.name`,
        `unknown input "${t.name}"; inputs are book_id (or customer_id) and k`,
      );
    }
  });
  if (book !== null && customer !== null)
    throw invalidTensor('inputs', 'give a book_id or a customer_id tensor, not both');
  if (book === null && customer === null) throw invalidTensor('inputs', 'a book_id tensor is required');
  if (customer !== null) {
    const c = customer as { t: Tensor; at: string };
    const ids = customerIds(c.t, c.at, maxBatch);
    return {
      id: id as string | undefined,
      idx: new Int32Array(ids.length).fill(-1),
      customers: ids,
      raws: ids,
      k: requestK(k, parameters, model),
      outputs: requestedOutputs(body.outputs),
    };
  }
  const { t, at } = book as unknown as { t: Tensor; at: string };
  const wanted = model.numericIds ? 'INT64' : 'BYTES';
  if (model.numericIds ? !INTEGER_TYPES.has(t.datatype) : t.datatype !== 'BYTES') {
    throw invalidTensor(
      `${at}.datatype`,
      `book_id is ${wanted} for this model (its ids are ${model.numericIds ? 'numbers' : 'names'}), got ${t.datatype}`,
    );
  }
  if (t.shape.length < 1 || t.shape.length > 2 || (t.shape.length === 2 && t.shape[1] !== 1))
    throw invalidTensor(`${at}.shape`, `book_id is a batch: shape [B] or [B, 1], got [${t.shape}]`);
  const rows = t.shape[0];
  if (rows < 1 || rows > maxBatch)
    throw invalidTensor(`${at}.shape`, `batch size must be from 1 to ${maxBatch}, got ${rows}`);
  const data = flatten(t.data, t.shape, at);
  const idx = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const v = data[r];
    if (model.numericIds) integerElement(v, t.datatype, `${at}.data[${r}]`);
    else if (typeof v !== 'string') throw invalidTensor(`${at}.data[${r}]`, 'BYTES elements must be strings');
    idx[r] = model.indexOfValue(v, `${at}.data[${r}]`);
  }
  return {
    id: id as string | undefined,
    idx,
    customers: null,
    raws: data,
    k: requestK(k, parameters, model),
    outputs: requestedOutputs(body.outputs),
  };
}

/** The k tensor, else `parameters.k` (checked even when the tensor wins: never silently ignored), else the default. */
function requestK(
  k: number | null,
  parameters: Record<string, unknown> | undefined,
  model: ServedModel,
): number {
  const fromParameters = parameters?.k === undefined ? null : kParameter(parameters.k, model);
  return k ?? fromParameters ?? model.defaultK;
}

function requestedOutputs(raw: unknown): Set<V2OutputName> | null {
  if (raw === undefined) return null;
  if (!Array.isArray(raw)) throw invalidTensor('outputs', 'must be a list of {"name": …}');
  const outputs = new Set<V2OutputName>();
  raw.forEach((o, i) => {
    const n = isObject(o) ? o.name : undefined;
    if (typeof n !== 'string' || !(V2_OUTPUTS as readonly string[]).includes(n))
      throw invalidTensor(`outputs[${i}].name`, `must be one of ${V2_OUTPUTS.join(', ')}`);
    outputs.add(n as V2OutputName);
  });
  return outputs;
}

/** The `customer_id` tensor: BYTES `[B]` or `[B, 1]`, each a 1–256 character id. */
function customerIds(t: Tensor, at: string, maxBatch: number): string[] {
  if (t.datatype !== 'BYTES')
    throw invalidTensor(`${at}.datatype`, `customer_id is BYTES, got ${t.datatype}`);
  if (t.shape.length < 1 || t.shape.length > 2 || (t.shape.length === 2 && t.shape[1] !== 1))
    throw invalidTensor(`${at}.shape`, `customer_id is a batch: shape [B] or [B, 1], got [${t.shape}]`);
  const rows = t.shape[0];
  if (rows < 1 || rows > maxBatch)
    throw invalidTensor(`${at}.shape`, `batch size must be from 1 to ${maxBatch}, got ${rows}`);
  const data = flatten(t.data, t.shape, at);
  return data.map((v, r) => {
    if (typeof v !== 'string' || v === '' || v.length > 256)
      throw invalidTensor(`${at}.data[${r}]`, 'customer ids are 1–256 character strings');
    return v;
  });
}

/**
 * The inference response's `outputs`, as JSON text (flat row-major data, rows padded to K). Rows are
 * the books' answers, or `answers` when given (personal answers, one per customer).
 */
export function inferOutputsJson(
  model: ServedModel,
  req: InferRequest,
  answers?: readonly Recommendation[],
): string {
  const K = req.k;
  const pad = model.numericIds ? '-1' : '""';
  let ids = '';
  let scores = '';
  let counts = '';
  let fallbacks = '';
  // padded [B, K]: true where the entry comes from the popularity list (false in the pad slots).
  let padded = '';
  for (let r = 0; r < req.idx.length; r++) {
    const a = answers?.[r] ?? model.recommender.forItem(req.idx[r], K);
    const padAt = paddedFrom(a);
    for (let t = 0; t < K; t++) {
      const sep = r === 0 && t === 0 ? '' : ',';
      padded += sep + (t >= padAt && t < a.items.length);
      if (t < a.items.length) {
        ids += sep + model.idJson(a.items[t]);
        scores += sep + (Number.isFinite(a.scores[t]) ? a.scores[t] : 0);
      } else {
        ids += sep + pad;
        scores += `${sep}0`;
      }
    }
    counts += (r === 0 ? '' : ',') + a.items.length;
    fallbacks += (r === 0 ? '' : ',') + a.fallback;
  }
  const B = req.idx.length;
  const parts: string[] = [];
  const want = (n: V2OutputName) => req.outputs === null || req.outputs.has(n);
  if (want('book_ids'))
    parts.push(
      `{"name":"book_ids","datatype":"${model.numericIds ? 'INT64' : 'BYTES'}","shape":[${B},${K}],"data":[${ids}]}`,
    );
  if (want('scores'))
    parts.push(`{"name":"scores","datatype":"FP32","shape":[${B},${K}],"data":[${scores}]}`);
  if (want('count')) parts.push(`{"name":"count","datatype":"INT32","shape":[${B}],"data":[${counts}]}`);
  if (want('fallback'))
    parts.push(`{"name":"fallback","datatype":"BOOL","shape":[${B}],"data":[${fallbacks}]}`);
  if (want('padded'))
    parts.push(`{"name":"padded","datatype":"BOOL","shape":[${B},${K}],"data":[${padded}]}`);
  return `[${parts.join(',')}]`;
}
