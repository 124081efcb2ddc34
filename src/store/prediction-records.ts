/**
 * The prediction log's record: one answer of the inference server, one JSON object per line. It lives
 * in `store/` because two folders that may not import each other meet here: `serve/` writes it and
 * `monitor/` reads it. Its meaning is fixed here once, so the writer and every reader agree.
 */

/** Which surface answered. */
export type PredictionRoute = 'recommend' | 'basket' | 'v1' | 'v2';

/** The routes a record may name, in the order the serving ring encodes them. */
export const PREDICTION_ROUTES: readonly PredictionRoute[] = Object.freeze([
  'recommend',
  'basket',
  'v1',
  'v2',
]);

/** One logged answer, as the drift monitor reads it. */
export interface PredictionRecord {
  /** ISO time of the answer (the server's clock). */
  time: string;
  /** The model version that answered, and in which role. */
  version: string;
  role: 'primary' | 'canary';
  route: PredictionRoute;
  /** The requested book(s), in the model's id type. */
  book_ids: Array<number | string>;
  k: number;
  /** The returned books, best first, and their scores (NaN where the log holds `null`). */
  returned: Array<number | string>;
  scores: number[];
  /** True when the answer is the popularity list (unknown book, or no co-bought neighbours). */
  fallback: boolean;
  /**
   * Popularity rank of each requested book in the answering model, parallel to `book_ids`: see
   * {@link popularityRanks}; `null` for a book the model does not know. Absent in logs written
   * before bookml 0.1 carried it.
   */
  book_ranks?: Array<number | null>;
  /** Popularity rank of each returned book, parallel to `returned` (see {@link popularityRanks}). */
  returned_ranks?: number[];
}

/**
 * The popularity rank of every item of a model, by item index: 1 for the model's best-seller (the
 * first of `popularOrder`, most purchase lines, ties to the smaller index), 2 for the next, …; items
 * the model knows but never saw bought share the last rank, `popularOrder.length + 1`. Built once per
 * model (O(items)); the prediction log and the drift monitor's training reference both use it, so a
 * rank means the same thing wherever it is computed.
 *
 * @example
 * const rank = popularityRanks(bundle.model.popularOrder, bundle.model.nItems);
 * rank[bundle.model.popularOrder[0]]; // 1
 */
export function popularityRanks(popularOrder: ArrayLike<number>, nItems: number): Int32Array {
  const rank = new Int32Array(nItems).fill(popularOrder.length + 1);
  for (let q = 0; q < popularOrder.length; q++) rank[popularOrder[q]] = q + 1;
  return rank;
}

const ROLES = new Set(['primary', 'canary']);
const ROUTE_SET = new Set<string>(PREDICTION_ROUTES);

/**
 * Parse one line of a prediction log into a record, or null when the line is not one: not JSON (a
 * line torn by a crash, or two half-lines of it), or JSON of another shape. Readers skip and count
 * nulls; they never throw on a bad line, since one bad line must not stop the monitor. `null` scores
 * become NaN; ids and ranks are kept as written.
 *
 * @example
 * const r = parsePredictionLine('{"time":"2026-03-01T12:00:00.000Z","version":"7",…}');
 * if (r !== null) console.log(r.book_ids, r.fallback);
 */
export function parsePredictionLine(line: string): PredictionRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const r = v as Record<string, unknown>;
  if (
    typeof r.time !== 'string' ||
    !Number.isFinite(Date.parse(r.time)) ||
    typeof r.version !== 'string' ||
    typeof r.role !== 'string' ||
    !ROLES.has(r.role) ||
    typeof r.route !== 'string' ||
    !ROUTE_SET.has(r.route) ||
    !Array.isArray(r.book_ids) ||
    typeof r.k !== 'number' ||
    !Array.isArray(r.returned) ||
    !Array.isArray(r.scores) ||
    typeof r.fallback !== 'boolean'
  ) {
    return null;
  }
  if (r.book_ranks !== undefined && !Array.isArray(r.book_ranks)) return null;
  if (r.returned_ranks !== undefined && !Array.isArray(r.returned_ranks)) return null;
  const scores = r.scores as unknown[];
  for (let i = 0; i < scores.length; i++) if (typeof scores[i] !== 'number') scores[i] = Number.NaN;
  return r as unknown as PredictionRecord;
}
