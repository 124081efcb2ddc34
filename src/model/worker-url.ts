import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The compiled script of a worker module of this folder (`knn-worker.js`, `ease-worker.js`). Under a
 * TypeScript test runner this module is the .ts source, so fall back to the build output, which
 * `npm test` produces first.
 */
export function workerUrl(file: string): URL {
  const here = new URL(`./${file}`, import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(import.meta.url.replace('/src/model/', '/dist/model/').replace(/\.ts$/, '.js'));
  return new URL(`./${file}`, built);
}
