import { ModelError } from './errors.js';
import type { ItemKnn } from './item-knn.js';
import type { TrainParams } from './params.js';
import type { RowMatrix } from './rows.js';

/**
 * Sharded training: shard `index` of `count` scores the neighbour lists of one item range [lo, hi)
 * from the whole input, and {@link joinShards} concatenates the ranges into the model. The unsharded
 * trainer is the one-shard case of the same code, so a joined model is the unsharded one bit for bit.
 */

/** Which part of the scoring a run does: shard `index` (0-based) of `count`. */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/** Most shards a training may be split into (a guard against a typo, not a limit of the method). */
export const MAX_SHARDS = 4096;

/** One shard's result: the neighbour lists of items [lo, hi), in CSR form local to the range. */
export interface ShardPartial {
  readonly params: TrainParams;
  readonly index: number;
  readonly count: number;
  readonly lo: number;
  readonly hi: number;
  /** Of the whole model (every shard sees the same matrix). */
  readonly nItems: number;
  readonly nRows: number;
  readonly nPairs: number;
  /** Co-occurrence updates this shard performed. */
  readonly pairUpdates: number;
  /** Neighbours of item lo + t: neighbours[offsets[t] .. offsets[t+1]). Length hi - lo + 1, offsets[0] = 0. */
  readonly offsets: Int32Array;
  readonly neighbours: Int32Array;
  readonly scores: Float64Array;
  readonly coCounts: Int32Array;
  /** Distinct buyers of items [lo, hi). */
  readonly popularity: Int32Array;
}

/** `MODEL_SHARD_MISMATCH`: partials that do not make one model. */
export function shardMismatch(message: string, field = 'shards'): ModelError {
  return new ModelError('MODEL_SHARD_MISMATCH', message, { field });
}

/** Refuse a shard spec out of range, and sharding a model family whose scoring is not per item. */
export function checkShardSpec(shard: ShardSpec, p: TrainParams): void {
  const { index, count } = shard;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS)
    throw new ModelError(
      'MODEL_INVALID_PARAMS',
      `shards must be an integer from 1 to ${MAX_SHARDS}, got ${count}`,
      {
        field: 'shards',
      },
    );
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new ModelError('MODEL_INVALID_PARAMS', `shard index must be from 0 to ${count - 1}, got ${index}`, {
      field: 'shard',
    });
  if (count > 1 && p.family === 'ease') {
    // EASE inverts one dense n×n matrix: every item's weights need the whole inverse, so a range of
    // items costs as much as all of them.
    throw new ModelError(
      'MODEL_SHARD_UNSUPPORTED',
      'EASE cannot be sharded: its weights come from one dense matrix inverse that every item range needs whole; train it with --shards 1',
      { field: 'shards' },
    );
  }
}

/**
 * Where each shard's item range starts: `count + 1` boundaries, from 0 to nItems. The ranges balance
 * the kernel's work (Σ over an item's buyers of their basket sizes) rather than the item count, since
 * popular items cost far more; every shard computes the same boundaries from the same matrix.
 */
export function shardBoundaries(m: RowMatrix, count: number): Int32Array {
  const { itemPtr, itemRows, rowPtr, nItems } = m;
  const work = new Float64Array(nItems + 1);
  for (let i = 0; i < nItems; i++) {
    let w = 1;
    for (let a = itemPtr[i]; a < itemPtr[i + 1]; a++) {
      const r = itemRows[a];
      w += rowPtr[r + 1] - rowPtr[r];
    }
    work[i + 1] = work[i] + w;
  }
  const total = work[nItems];
  const bounds = new Int32Array(count + 1);
  let i = 0;
  for (let s = 1; s < count; s++) {
    const target = (total * s) / count;
    while (i < nItems && work[i] < target) i++;
    bounds[s] = i;
  }
  bounds[count] = nItems;
  return bounds;
}

/**
 * The model from all of its shards, in any order: checks they are every shard of one training (same
 * params and matrix, ranges covering every item once) and concatenates their lists; `MODEL_SHARD_MISMATCH`
 * otherwise.
 */
export function joinShards(parts: readonly ShardPartial[]): ItemKnn {
  const sorted = checkCover(parts);
  const first = sorted[0];
  const one = sorted.length === 1;
  const offsets = one ? first.offsets : new Int32Array(first.nItems + 1);
  let total = 0;
  for (const s of sorted) total += s.neighbours.length;
  const neighbours = one ? first.neighbours : new Int32Array(total);
  const scores = one ? first.scores : new Float64Array(total);
  const coCounts = one ? first.coCounts : new Int32Array(total);
  const popularity = one ? first.popularity : new Int32Array(first.nItems);
  let pairUpdates = 0;
  let at = 0;
  for (const s of sorted) {
    pairUpdates += s.pairUpdates;
    if (one) break;
    for (let t = 1; t <= s.hi - s.lo; t++) offsets[s.lo + t] = at + s.offsets[t];
    neighbours.set(s.neighbours, at);
    scores.set(s.scores, at);
    coCounts.set(s.coCounts, at);
    popularity.set(s.popularity, s.lo);
    at += s.neighbours.length;
  }
  return {
    params: first.params,
    nItems: first.nItems,
    offsets,
    neighbours,
    scores,
    coCounts,
    popularity,
    popularOrder: popularOrder(popularity),
    nRows: first.nRows,
    nPairs: first.nPairs,
    pairUpdates,
  };
}

/** The partials by index, after checking they are all the shards of one training. */
function checkCover(parts: readonly ShardPartial[]): ShardPartial[] {
  if (parts.length === 0) throw shardMismatch('no shards to merge');
  const sorted = [...parts].sort((a, b) => a.index - b.index);
  const first = sorted[0];
  const params = JSON.stringify(first.params);
  if (sorted.length !== first.count) {
    throw shardMismatch(
      `${sorted.length} shard(s) given, but the training was split into ${first.count}: merge all of them, once each`,
    );
  }
  let next = 0;
  for (const [i, s] of sorted.entries()) {
    const name = `shard ${s.index + 1}/${s.count}`;
    if (s.index !== i || s.count !== first.count)
      throw shardMismatch(
        `${name} is out of place: expected shard ${i + 1}/${first.count} (a shard given twice or from another split?)`,
      );
    if (JSON.stringify(s.params) !== params)
      throw shardMismatch(`${name} was trained with other parameters than shard 1/${first.count}`, 'params');
    if (s.nItems !== first.nItems || s.nRows !== first.nRows || s.nPairs !== first.nPairs)
      throw shardMismatch(`${name} was trained on other data than shard 1/${first.count}`, 'dataset');
    if (s.lo !== next || s.hi < s.lo || s.offsets.length !== s.hi - s.lo + 1)
      throw shardMismatch(`${name} covers items [${s.lo}, ${s.hi}), expected it to start at ${next}`);
    next = s.hi;
  }
  if (next !== first.nItems) throw shardMismatch(`the shards cover items [0, ${next}) of ${first.nItems}`);
  return sorted;
}

/** Items with at least one buyer, most popular first, ties to the smaller index. */
export function popularOrder(popularity: Int32Array): Int32Array {
  const idx: number[] = [];
  for (let i = 0; i < popularity.length; i++) if (popularity[i] > 0) idx.push(i);
  idx.sort((a, b) => popularity[b] - popularity[a] || a - b);
  return Int32Array.from(idx);
}
