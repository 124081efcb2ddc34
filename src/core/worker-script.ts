import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The compiled script of a worker module that sits beside the module at `moduleUrl` (pass
 * `import.meta.url`). Under a TypeScript test runner that module is the .ts source, so fall back to
 * the build output (`src/…` → `dist/…`), which `npm test` produces first.
 * @example new Worker(workerScript('knn-worker.js', import.meta.url), { workerData })
 */
export function workerScript(file: string, moduleUrl: string): URL {
  const here = new URL(`./${file}`, moduleUrl);
  if (existsSync(fileURLToPath(here))) return here;
  const built = moduleUrl.replace(/\/src\/(?!.*\/src\/)/, '/dist/').replace(/\.ts$/, '.js');
  return new URL(`./${file}`, built);
}
