import { Worker } from 'node:worker_threads';
import { workerScript } from '../core/index.js';
import type { LinesWorkerData, LinesWorkerResult } from './lines-worker.js';

/**
 * The size of `order_lines.csv` from which a load reads it on a second thread while the first reads
 * the other three files: past it the second core saves more than a thread costs to start (~30 ms).
 */
export const PARALLEL_LINES_FROM = 32 * 1024 * 1024;

/** `order_lines.csv` being read on a worker thread (`lines-worker.ts`). */
export interface LinesReader {
  /** The columns, or why the thread left the file to the caller (never rejects). */
  readonly result: Promise<LinesWorkerResult>;
  /** Bytes read so far (for progress while the caller reads the other files). */
  doneBytes(): number;
  /** Stop the thread (the load failed elsewhere); its result is then not needed. */
  cancel(): void;
}

/**
 * Start reading `path` on a worker thread.
 * @example const lines = readLinesInWorker(join(dir, 'order_lines.csv'), 20_000_000, true);
 */
export function readLinesInWorker(path: string, capacity: number, hash: boolean): LinesReader {
  const doneKiB = new Int32Array(new SharedArrayBuffer(4));
  const data: LinesWorkerData = { kind: 'bookml-order-lines', path, capacity, hash, doneKiB };
  const worker = new Worker(workerScript('lines-worker.js', import.meta.url), { workerData: data });
  const result = new Promise<LinesWorkerResult>((resolve) => {
    worker.once('message', (m: LinesWorkerResult) => resolve(m));
    worker.once('error', (e) => resolve({ ok: false, reason: e.message }));
    worker.once('exit', (code) => resolve({ ok: false, reason: `the thread exited (${code})` }));
  });
  return {
    result,
    doneBytes: () => Atomics.load(doneKiB, 0) * 1024,
    cancel: () => void worker.terminate(),
  };
}
