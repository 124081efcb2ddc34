import type { TrainParams } from './params.js';
import type { RowMatrix } from './rows.js';

/**
 * Output slots for top-K neighbours of the items [first, first + count.length): item i owns
 * [(i-first)*K, (i-first)*K + count[i-first]), best first. A shard's slots cover its range only.
 * Shared so worker threads write their items in place.
 */
export interface TopKSlots {
  readonly k: number;
  /** The first item the slots hold (0 unless a shard scores a range). */
  readonly first: number;
  readonly neighbours: Int32Array;
  readonly scores: Float64Array;
  /** Rows that bought both the item and the neighbour (explanations' co-buy counts). */
  readonly coCounts: Int32Array;
  readonly count: Int32Array;
}

/** Scratch space one thread reuses for every item it scores: no allocation per item. */
export interface KernelScratch {
  co: Int32Array;
  dot: Float64Array | null;
  touched: Int32Array;
  heapKey: Float64Array;
  heapScore: Float64Array;
  heapIdx: Int32Array;
  /** Per item 1/popularity^β (the neighbour-side popularity penalty); null when β is 0. */
  penalty: Float64Array | null;
}

export function createScratch(m: RowMatrix, k: number, p: TrainParams): KernelScratch {
  const beta = p.popularityBeta ?? 0;
  return {
    penalty: beta > 0 ? Float64Array.from(m.popularity, (n) => (n > 0 ? n ** -beta : 0)) : null,
    co: new Int32Array(m.nItems),
    dot: m.rowWeights ? new Float64Array(m.nItems) : null,
    touched: new Int32Array(m.nItems),
    heapKey: new Float64Array(k),
    heapScore: new Float64Array(k),
    heapIdx: new Int32Array(k),
  };
}

const COSINE = 0;
const JACCARD = 1;
const LIFT = 2;
const CONDITIONAL = 3;
/** Small integers compare faster than strings in the per-pair loop. */
const SIMILARITY_CODE: Record<TrainParams['similarity'], number> = {
  cosine: COSINE,
  jaccard: JACCARD,
  lift: LIFT,
  conditional: CONDITIONAL,
};

/** Heap order: the root is the worst kept neighbour (lowest key; on equal keys, larger index). */
function worse(ka: number, ia: number, kb: number, ib: number): boolean {
  return ka < kb || (ka === kb && ia > ib);
}

/**
 * Score every co-bought neighbour of items [from, to) and keep the top K.
 *
 * Ranking is by an exact key so that "ties go to the smaller id" holds: for unweighted cosine,
 * co²/n_j orders like co/√(n_i·n_j) inside row i, and equal rationals are bit-equal doubles,
 * whereas the float cosine can differ in the last bit for mathematically equal values.
 * Returns the number of co-occurrence updates performed.
 */
export function scoreItems(
  m: RowMatrix,
  p: TrainParams,
  out: TopKSlots,
  s: KernelScratch,
  from: number,
  to: number,
): number {
  const { rowPtr, rowItems, itemPtr, itemRows, rowWeights, itemWeights, itemNorm2 } = m;
  const { co, dot, touched, heapKey, heapScore, heapIdx, penalty } = s;
  const K = out.k;
  const exactCosine = p.similarity === 'cosine' && dot === null && p.shrinkage === 0 && penalty === null;
  const sim = SIMILARITY_CODE[p.similarity];
  const { minCoCount: minCo, shrinkage, alpha } = p;
  const nRows = m.nRows;
  let updates = 0;

  for (let i = from; i < to; i++) {
    let nt = 0;
    for (let a = itemPtr[i], aEnd = itemPtr[i + 1]; a < aEnd; a++) {
      const r = itemRows[a];
      const end = rowPtr[r + 1];
      updates += end - rowPtr[r] - 1;
      if (dot === null) {
        for (let q = rowPtr[r]; q < end; q++) {
          const j = rowItems[q];
          if (co[j]++ === 0) touched[nt++] = j;
        }
      } else {
        const wi = itemWeights![a];
        for (let q = rowPtr[r]; q < end; q++) {
          const j = rowItems[q];
          if (co[j]++ === 0) touched[nt++] = j;
          dot[j] += wi * rowWeights![q];
        }
      }
    }

    const ni = itemNorm2[i];
    let size = 0;
    for (let t = 0; t < nt; t++) {
      const j = touched[t];
      // co[j] stays until the item's neighbours are out: their co-buy counts are read from it.
      const c = co[j];
      const sij = dot === null ? c : dot[j];
      if (dot !== null) dot[j] = 0;
      if (j === i || c < minCo) continue;
      const nj = itemNorm2[j];
      // Exact cosine ranks by co²/n_j and keeps co in the heap; the cosine itself is computed
      // only for the K survivors. Every other measure ranks by its score.
      let key: number;
      let value: number;
      if (exactCosine) {
        key = (c * c) / nj;
        value = c;
      } else {
        if (sim === COSINE) key = sij / Math.sqrt(ni * nj);
        else if (sim === JACCARD) key = sij / (ni + nj - sij);
        else if (sim === LIFT) key = (sij * nRows) / (ni * nj);
        else key = sij / (ni * nj ** alpha);
        if (shrinkage > 0) key *= c / (c + shrinkage);
        if (penalty !== null) key *= penalty[j];
        value = key;
      }

      if (size < K) {
        let h = size++;
        while (h > 0) {
          const parent = (h - 1) >> 1;
          if (!worse(key, j, heapKey[parent], heapIdx[parent])) break;
          heapKey[h] = heapKey[parent];
          heapScore[h] = heapScore[parent];
          heapIdx[h] = heapIdx[parent];
          h = parent;
        }
        heapKey[h] = key;
        heapScore[h] = value;
        heapIdx[h] = j;
      } else if (worse(heapKey[0], heapIdx[0], key, j)) {
        siftDown(s, size, key, value, j);
      }
    }

    // Pop worst-first into the slot from the back: the slot ends best-first.
    const base = (i - out.first) * K;
    out.count[i - out.first] = size;
    for (let n = size - 1; n >= 0; n--) {
      const j = heapIdx[0];
      out.neighbours[base + n] = j;
      out.scores[base + n] = exactCosine ? heapScore[0] / Math.sqrt(ni * itemNorm2[j]) : heapScore[0];
      out.coCounts[base + n] = co[j];
      if (n > 0) siftDown(s, n, heapKey[n], heapScore[n], heapIdx[n]);
    }
    for (let t = 0; t < nt; t++) co[touched[t]] = 0;
  }
  return updates;
}

/** Replace the root with (key, score, idx) and restore the heap over the first `size` entries. */
function siftDown(s: KernelScratch, size: number, key: number, score: number, idx: number): void {
  const { heapKey, heapScore, heapIdx } = s;
  let h = 0;
  for (;;) {
    const l = 2 * h + 1;
    if (l >= size) break;
    const r = l + 1;
    const c = r < size && worse(heapKey[r], heapIdx[r], heapKey[l], heapIdx[l]) ? r : l;
    if (!worse(heapKey[c], heapIdx[c], key, idx)) break;
    heapKey[h] = heapKey[c];
    heapScore[h] = heapScore[c];
    heapIdx[h] = heapIdx[c];
    h = c;
  }
  heapKey[h] = key;
  heapScore[h] = score;
  heapIdx[h] = idx;
}
