import { parentPort, workerData } from 'node:worker_threads';
import { createScratch, scoreItems, type TopKSlots } from './knn-kernel.js';
import type { TrainParams } from './params.js';
import type { RowMatrix } from './rows.js';

/** Data a worker thread receives: everything shared, nothing copied but the small params. */
export interface KnnWorkerData {
  matrix: RowMatrix;
  params: TrainParams;
  out: TopKSlots;
  /** Shared cursor: [next item to score, items finished]; workers take `chunk` items at a time. */
  cursor: Int32Array;
  chunk: number;
  /** The end of the range scored (exclusive); the cursor starts at its first item. */
  end: number;
}

if (parentPort) {
  const { matrix, params, out, cursor, chunk, end } = workerData as KnnWorkerData;
  const scratch = createScratch(matrix, out.k, params);
  let updates = 0;
  for (;;) {
    const from = Atomics.add(cursor, 0, chunk);
    if (from >= end) break;
    updates += scoreItems(matrix, params, out, scratch, from, Math.min(end, from + chunk));
    Atomics.add(cursor, 1, Math.min(chunk, end - from));
  }
  parentPort.postMessage({ updates });
}
