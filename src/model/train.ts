import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Clock, systemClock } from '../core/index.js';
import type { Interactions } from '../data/index.js';
import { scoreEase } from './ease.js';
import { invalidParams } from './errors.js';
import type { ItemKnn } from './item-knn.js';
import { createScratch, scoreItems, type TopKSlots } from './knn-kernel.js';
import type { KnnWorkerData } from './knn-worker.js';
import { type TrainParams, type TrainParamsInput, trainParamsSchema } from './params.js';
import { buildRowMatrix, type RowMatrix } from './rows.js';
import { workerUrl } from './worker-url.js';

export interface TrainOptions {
  /** Worker threads scoring items; the model is identical for any count. @default min(available cores, 4) */
  threads?: number;
  /** Called with (items scored, items total) while scoring. */
  onProgress?: (done: number, total: number) => void;
  /** Paces `onProgress` while worker threads score (the model never depends on it). @default systemClock */
  clock?: Clock;
}

/** Items a worker takes at a time: small enough to balance popular items, large enough to amortise. */
const CHUNK = 64;
/** Below this much co-occurrence work, threads cost more than they save. */
const MIN_UPDATES_FOR_THREADS = 2_000_000;

/**
 * Train item-kNN: build the binary (row × item) matrix, count co-occurrences item by item,
 * score with the chosen similarity and keep the top K per item. With `family: 'ease'`, the top K
 * of EASE's closed-form weights instead (same model shape, same serving).
 *
 * @example
 * const model = await trainItemKnn(interactions, { similarity: 'cosine', k: 20 });
 * console.log(model.neighbours.subarray(model.offsets[0], model.offsets[1]));
 */
export async function trainItemKnn(
  x: Interactions,
  params: TrainParamsInput = {},
  opts: TrainOptions = {},
): Promise<ItemKnn> {
  const parsed = trainParamsSchema.safeParse(params);
  if (!parsed.success) throw invalidParams(parsed.error);
  const p = parsed.data;
  const m = buildRowMatrix(x, p);
  const K = p.k;
  const out: TopKSlots = {
    k: K,
    neighbours: new Int32Array(new SharedArrayBuffer(Math.max(1, m.nItems * K) * 4), 0, m.nItems * K),
    scores: new Float64Array(new SharedArrayBuffer(Math.max(1, m.nItems * K) * 8), 0, m.nItems * K),
    coCounts: new Int32Array(new SharedArrayBuffer(Math.max(1, m.nItems * K) * 4), 0, m.nItems * K),
    count: new Int32Array(new SharedArrayBuffer(Math.max(1, m.nItems) * 4), 0, m.nItems),
  };
  const threads = Math.max(1, Math.floor(opts.threads ?? Math.min(availableParallelism(), 4)));
  const work = estimateWork(m);
  const pairUpdates =
    p.family === 'ease'
      ? await scoreEase(m, p, out, threads, opts.onProgress)
      : threads > 1 && work >= MIN_UPDATES_FOR_THREADS && m.nItems > CHUNK
        ? await scoreInWorkers(m, p, out, threads, opts.onProgress, opts.clock ?? systemClock)
        : scoreInThread(m, p, out, opts.onProgress);
  return assemble(m, p, out, pairUpdates);
}

/** Σ_r deg_r², the number of accumulator updates the kernel will do. */
function estimateWork(m: RowMatrix): number {
  let w = 0;
  for (let r = 0; r < m.nRows; r++) {
    const d = m.rowPtr[r + 1] - m.rowPtr[r];
    w += d * d;
  }
  return w;
}

function scoreInThread(
  m: RowMatrix,
  p: TrainParams,
  out: TopKSlots,
  onProgress?: TrainOptions['onProgress'],
) {
  const scratch = createScratch(m, out.k, p);
  let updates = 0;
  const step = Math.max(CHUNK, Math.ceil(m.nItems / 100));
  for (let from = 0; from < m.nItems; from += step) {
    const to = Math.min(m.nItems, from + step);
    updates += scoreItems(m, p, out, scratch, from, to);
    onProgress?.(to, m.nItems);
  }
  return updates;
}

async function scoreInWorkers(
  m: RowMatrix,
  p: TrainParams,
  out: TopKSlots,
  threads: number,
  onProgress: TrainOptions['onProgress'],
  clock: Clock,
): Promise<number> {
  // [next item to take, items finished]
  const cursor = new Int32Array(new SharedArrayBuffer(8));
  const data: KnnWorkerData = { matrix: m, params: p, out, cursor, chunk: CHUNK };
  const url = workerUrl('knn-worker.js');
  const timer = onProgress
    ? clock.setInterval(() => onProgress(Atomics.load(cursor, 1), m.nItems), 100)
    : undefined;
  try {
    const results = await Promise.all(
      Array.from(
        { length: threads },
        () =>
          new Promise<number>((resolve, reject) => {
            const w = new Worker(url, { workerData: data });
            w.once('message', (msg: { updates: number }) => resolve(msg.updates));
            w.once('error', reject);
            w.once('exit', (code) => {
              if (code !== 0) reject(new Error(`kNN worker exited with code ${code}`));
            });
          }),
      ),
    );
    onProgress?.(m.nItems, m.nItems);
    return results.reduce((a, b) => a + b, 0);
  } finally {
    timer?.cancel();
  }
}

function assemble(m: RowMatrix, p: TrainParams, out: TopKSlots, pairUpdates: number): ItemKnn {
  const K = out.k;
  const offsets = new Int32Array(m.nItems + 1);
  for (let i = 0; i < m.nItems; i++) offsets[i + 1] = offsets[i] + out.count[i];
  const total = offsets[m.nItems];
  const neighbours = new Int32Array(total);
  const scores = new Float64Array(total);
  const coCounts = new Int32Array(total);
  for (let i = 0; i < m.nItems; i++) {
    const c = out.count[i];
    neighbours.set(out.neighbours.subarray(i * K, i * K + c), offsets[i]);
    scores.set(out.scores.subarray(i * K, i * K + c), offsets[i]);
    coCounts.set(out.coCounts.subarray(i * K, i * K + c), offsets[i]);
  }
  const popularity = Int32Array.from(m.popularity);
  return {
    params: p,
    nItems: m.nItems,
    offsets,
    neighbours,
    scores,
    coCounts,
    popularity,
    popularOrder: popularOrder(popularity),
    nRows: m.nRows,
    nPairs: m.rowPtr[m.nRows],
    pairUpdates,
  };
}

/** Items with at least one buyer, most popular first, ties to the smaller index. */
export function popularOrder(popularity: Int32Array): Int32Array {
  const idx: number[] = [];
  for (let i = 0; i < popularity.length; i++) if (popularity[i] > 0) idx.push(i);
  idx.sort((a, b) => popularity[b] - popularity[a] || a - b);
  return Int32Array.from(idx);
}
