import { parentPort, workerData } from 'node:worker_threads';
import { INVERSE_BLOCK, type InverseWork, inverseScratch, solveInverseBlock } from './dense.js';

/** Data an EASE worker thread receives: the shared factorisation and a shared block cursor. */
export interface EaseWorkerData {
  work: InverseWork;
  /** The next column block to solve; workers take one block at a time. */
  cursor: Int32Array;
}

if (parentPort) {
  const { work, cursor } = workerData as EaseWorkerData;
  const y = inverseScratch(work.n);
  for (;;) {
    const j0 = Atomics.add(cursor, 0, INVERSE_BLOCK);
    if (j0 >= work.n) break;
    solveInverseBlock(work, j0, y);
  }
  parentPort.postMessage({ done: true });
}
