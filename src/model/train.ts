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
import { checkShardSpec, joinShards, type ShardPartial, type ShardSpec, shardBoundaries } from './shard.js';
import { workerUrl } from './worker-url.js';

export { popularOrder } from './shard.js';

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
  // The one-shard case of sharded training: so a merged sharded model is this one, bit for bit.
  return joinShards(await trainShards(x, params, { count: 1 }, opts));
}

/**
 * Sharded training: build the matrix once, then score the item range of each shard of `count` (or of
 * shard `only` alone, as one worker of a fan-out does) into its own {@link ShardPartial}.
 * `joinShards` of all `count` partials is `trainItemKnn`'s model, whatever the count. EASE (one dense
 * inverse for every item) is refused past one shard with `MODEL_SHARD_UNSUPPORTED`.
 *
 * @example
 * const parts = await trainShards(interactions, { k: 20 }, { count: 4 });
 * const model = joinShards(parts); // identical to trainItemKnn(interactions, { k: 20 })
 */
export async function trainShards(
  x: Interactions,
  params: TrainParamsInput,
  shards: { count: number; only?: number },
  opts: TrainOptions = {},
): Promise<ShardPartial[]> {
  const parsed = trainParamsSchema.safeParse(params);
  if (!parsed.success) throw invalidParams(parsed.error);
  const p = parsed.data;
  const indices =
    shards.only === undefined ? Array.from({ length: shards.count }, (_, i) => i) : [shards.only];
  for (const index of indices) checkShardSpec({ index, count: shards.count }, p);
  const m = buildRowMatrix(x, p);
  const bounds = shards.count === 1 ? Int32Array.of(0, m.nItems) : shardBoundaries(m, shards.count);
  const threads = Math.max(1, Math.floor(opts.threads ?? Math.min(availableParallelism(), 4)));
  const work = estimateWork(m);
  const total = indices.reduce((n, i) => n + bounds[i + 1] - bounds[i], 0);
  let before = 0;
  const parts: ShardPartial[] = [];
  for (const index of indices) {
    const lo = bounds[index];
    const hi = bounds[index + 1];
    const done = before;
    const onProgress = opts.onProgress && ((d: number) => opts.onProgress?.(done + d, total));
    const out = slotsFor(p.k, lo, hi);
    const rangeWork = (work * (hi - lo)) / Math.max(1, m.nItems);
    const pairUpdates =
      p.family === 'ease'
        ? await scoreEase(m, p, out, threads, onProgress)
        : threads > 1 && rangeWork >= MIN_UPDATES_FOR_THREADS && hi - lo > CHUNK
          ? await scoreInWorkers(m, p, out, [lo, hi], threads, onProgress, opts.clock ?? systemClock)
          : scoreInThread(m, p, out, [lo, hi], onProgress);
    parts.push(assemble(m, p, { index, count: shards.count }, out, [lo, hi], pairUpdates));
    before += hi - lo;
  }
  return parts;
}

/** Shared top-K slots for the items [lo, hi). */
function slotsFor(K: number, lo: number, hi: number): TopKSlots {
  const n = hi - lo;
  return {
    k: K,
    first: lo,
    neighbours: new Int32Array(new SharedArrayBuffer(Math.max(1, n * K) * 4), 0, n * K),
    scores: new Float64Array(new SharedArrayBuffer(Math.max(1, n * K) * 8), 0, n * K),
    coCounts: new Int32Array(new SharedArrayBuffer(Math.max(1, n * K) * 4), 0, n * K),
    count: new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n),
  };
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

/** Progress within one range: items of it scored. */
type RangeProgress = ((done: number) => void) | undefined;

function scoreInThread(
  m: RowMatrix,
  p: TrainParams,
  out: TopKSlots,
  [lo, hi]: [number, number],
  onProgress: RangeProgress,
) {
  const scratch = createScratch(m, out.k, p);
  let updates = 0;
  const step = Math.max(CHUNK, Math.ceil((hi - lo) / 100));
  for (let from = lo; from < hi; from += step) {
    const to = Math.min(hi, from + step);
    updates += scoreItems(m, p, out, scratch, from, to);
    onProgress?.(to - lo);
  }
  return updates;
}

async function scoreInWorkers(
  m: RowMatrix,
  p: TrainParams,
  out: TopKSlots,
  [lo, hi]: [number, number],
  threads: number,
  onProgress: RangeProgress,
  clock: Clock,
): Promise<number> {
  // [next item to take, items finished]
  const cursor = new Int32Array(new SharedArrayBuffer(8));
  cursor[0] = lo;
  const data: KnnWorkerData = { matrix: m, params: p, out, cursor, chunk: CHUNK, end: hi };
  const url = workerUrl('knn-worker.js');
  const timer = onProgress ? clock.setInterval(() => onProgress(Atomics.load(cursor, 1)), 100) : undefined;
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
    onProgress?.(hi - lo);
    return results.reduce((a, b) => a + b, 0);
  } finally {
    timer?.cancel();
  }
}

/** A shard's partial from its slots: the range's lists packed in CSR form. */
function assemble(
  m: RowMatrix,
  p: TrainParams,
  shard: ShardSpec,
  out: TopKSlots,
  [lo, hi]: [number, number],
  pairUpdates: number,
): ShardPartial {
  const K = out.k;
  const n = hi - lo;
  const offsets = new Int32Array(n + 1);
  for (let t = 0; t < n; t++) offsets[t + 1] = offsets[t] + out.count[t];
  const total = offsets[n];
  const neighbours = new Int32Array(total);
  const scores = new Float64Array(total);
  const coCounts = new Int32Array(total);
  for (let t = 0; t < n; t++) {
    const c = out.count[t];
    neighbours.set(out.neighbours.subarray(t * K, t * K + c), offsets[t]);
    scores.set(out.scores.subarray(t * K, t * K + c), offsets[t]);
    coCounts.set(out.coCounts.subarray(t * K, t * K + c), offsets[t]);
  }
  return {
    params: p,
    index: shard.index,
    count: shard.count,
    lo,
    hi,
    nItems: m.nItems,
    nRows: m.nRows,
    nPairs: m.rowPtr[m.nRows],
    pairUpdates,
    offsets,
    neighbours,
    scores,
    coCounts,
    popularity: Int32Array.from(m.popularity.subarray(lo, hi)),
  };
}
