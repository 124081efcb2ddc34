import { Worker } from 'node:worker_threads';
import {
  assembleInverse,
  factorForInverse,
  INVERSE_BLOCK,
  type InverseWork,
  inverseScratch,
  solveInverseBlock,
} from './dense.js';
import type { EaseWorkerData } from './ease-worker.js';
import { ModelError } from './errors.js';
import type { TopKSlots } from './knn-kernel.js';
import { DEFAULT_EASE_LAMBDA, type TrainParams } from './params.js';
import type { RowMatrix } from './rows.js';
import { workerUrl } from './worker-url.js';

/** Below this many items, worker threads cost more than the substitutions they share. */
const MIN_ITEMS_FOR_THREADS = 400;

/**
 * Largest catalogue EASE trains: it holds two dense n×n Float64 matrices (the Gram matrix, then
 * its Cholesky factor and inverse), 16·n² bytes — 1 GB at 8,000 items — and takes ~n³/2
 * multiply-adds.
 */
export const EASE_MAX_ITEMS = 8000;

/** Bytes EASE needs for a catalogue of n items. */
export function easeBytes(n: number): number {
  return 16 * n * n;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;
}

/** MODEL_EASE_TOO_LARGE, naming the limit and the memory the catalogue would need. */
export function easeTooLarge(n: number): ModelError {
  return new ModelError(
    'MODEL_EASE_TOO_LARGE',
    `EASE handles catalogues of up to ${EASE_MAX_ITEMS} items (${gib(easeBytes(EASE_MAX_ITEMS))} of dense matrices); ` +
      `this one has ${n} items and would need ${gib(easeBytes(n))}. Use family knn for it`,
    { field: 'family' },
  );
}

/**
 * EASE (Steck 2019): B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, X the (weighted) row × item
 * matrix. A basket's score for j is Σ_i B_ij, so item i's neighbour list is row i of B: its K
 * largest positive weights, ties to the smaller index, each divided by the neighbour's
 * popularity^β when `popularityBeta` is set. Fills `out` as the kNN kernel does, so the model is
 * stored and served exactly like item-kNN. Returns the Gram-matrix updates done.
 */
export async function scoreEase(
  m: RowMatrix,
  p: TrainParams,
  out: TopKSlots,
  threads: number,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const n = m.nItems;
  if (n > EASE_MAX_ITEMS) throw easeTooLarge(n);
  const parallel = threads > 1 && n >= MIN_ITEMS_FOR_THREADS;
  const alloc = (length: number) =>
    parallel
      ? new Float64Array(new SharedArrayBuffer(Math.max(1, length) * 8), 0, length)
      : new Float64Array(length);
  const g = alloc(n * n);
  let updates = 0;
  const { rowPtr, rowItems, rowWeights } = m;
  for (let r = 0; r < m.nRows; r++) {
    const lo = rowPtr[r];
    const hi = rowPtr[r + 1];
    updates += (hi - lo) * (hi - lo);
    for (let a = lo; a < hi; a++) {
      const ra = rowItems[a] * n;
      const wa = rowWeights ? rowWeights[a] : 1;
      for (let b = lo; b < hi; b++) g[ra + rowItems[b]] += wa * (rowWeights ? rowWeights[b] : 1);
    }
  }
  const lambda = p.easeLambda ?? DEFAULT_EASE_LAMBDA;
  for (let i = 0; i < n; i++) g[i * n + i] += lambda;
  // XᵀX + λI with λ > 0 is positive definite, so the factorisation succeeds.
  const work = factorForInverse(g, n, alloc)!;
  if (parallel) await solveInWorkers(work, threads);
  else {
    const y = inverseScratch(n);
    for (let j0 = 0; j0 < n; j0 += INVERSE_BLOCK) solveInverseBlock(work, j0, y);
  }
  const inv = assembleInverse(work);
  const beta = p.popularityBeta ?? 0;
  const scale = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const pen = beta > 0 ? (m.popularity[j] > 0 ? m.popularity[j] ** -beta : 0) : 1;
    scale[j] = -pen / inv[j * n + j];
  }
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < n; j++) row[j] = j === i ? 0 : inv[ri + j] * scale[j];
    topPositive(row, out, i);
  }
  fillCoCounts(m, out);
  // One step: the inverse is a single call, so there is nothing finer to report.
  onProgress?.(n, n);
  return updates;
}

/** The substitutions (two thirds of the work) in `threads` worker threads; the result is identical. */
async function solveInWorkers(work: InverseWork, threads: number): Promise<void> {
  const cursor = new Int32Array(new SharedArrayBuffer(4));
  const data: EaseWorkerData = { work, cursor };
  const url = workerUrl('ease-worker.js');
  await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(url, { workerData: data });
          w.once('message', () => resolve());
          w.once('error', reject);
          w.once('exit', (code) => {
            if (code !== 0) reject(new Error(`EASE worker exited with code ${code}`));
          });
        }),
    ),
  );
}

/** The co-buy count of every kept (item, neighbour) pair, for explanations: one counting pass. */
function fillCoCounts(m: RowMatrix, out: TopKSlots): void {
  const co = new Int32Array(m.nItems);
  const { rowPtr, rowItems, itemPtr, itemRows } = m;
  for (let i = 0; i < m.nItems; i++) {
    const base = i * out.k;
    if (out.count[i] === 0) continue;
    for (let a = itemPtr[i]; a < itemPtr[i + 1]; a++) {
      const r = itemRows[a];
      for (let q = rowPtr[r]; q < rowPtr[r + 1]; q++) co[rowItems[q]]++;
    }
    for (let t = 0; t < out.count[i]; t++) out.coCounts[base + t] = co[out.neighbours[base + t]];
    for (let a = itemPtr[i]; a < itemPtr[i + 1]; a++) {
      const r = itemRows[a];
      for (let q = rowPtr[r]; q < rowPtr[r + 1]; q++) co[rowItems[q]] = 0;
    }
  }
}

/** The K largest positive entries of `row` into item i's slot, best first, ties to the smaller index. */
function topPositive(row: Float64Array, out: TopKSlots, i: number): void {
  const K = out.k;
  const base = i * K;
  let size = 0;
  // Insertion into the sorted slot: K is small next to n, and most entries fail the first compare.
  for (let j = 0; j < row.length; j++) {
    const v = row[j];
    if (!(v > 0)) continue;
    if (size === K && !(v > out.scores[base + K - 1])) continue;
    let pos = size < K ? size++ : K - 1;
    while (pos > 0 && v > out.scores[base + pos - 1]) {
      out.scores[base + pos] = out.scores[base + pos - 1];
      out.neighbours[base + pos] = out.neighbours[base + pos - 1];
      pos--;
    }
    out.scores[base + pos] = v;
    out.neighbours[base + pos] = j;
  }
  out.count[i] = size;
}
