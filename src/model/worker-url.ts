import { workerScript } from '../core/index.js';

/** The compiled script of a worker module of this folder (`knn-worker.js`, `ease-worker.js`). */
export function workerUrl(file: string): URL {
  return workerScript(file, import.meta.url);
}
