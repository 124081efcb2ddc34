import { statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

/**
 * `npm run build`'s last step: bundle what a step process loads — its entry, the built-in catalogue and
 * the step runtime — from `dist/` into `dist/step-bundle/` (see `src/app/step-bundle.ts` for why).
 * The three entries share their chunks, so the process holds one copy of each module, and dynamic
 * imports stay chunks of their own, so what a step never calls is still never loaded.
 *
 * Inlined: bookml's own modules and the pure-JS packages of many small files (Zod, Kysely,
 * csv-parse). Left to Node: native drivers and the large optional clients (better-sqlite3, pg, the
 * AWS SDK, ioredis, NATS), which are loaded only when configured anyway.
 */
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const out = join(dist, 'step-bundle');
const INLINE = new Set(['zod', 'kysely', 'csv-parse']);

const packageOf = (id) => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]);
const isPackage = (id) => !/^(node:|\.|\/|\0)/.test(id) && !id.startsWith('file:');

const result = await build({
  input: {
    'step-process': join(dist, 'pipeline', 'runner', 'step-process.js'),
    pipelines: join(dist, 'pipelines', 'index.js'),
    'step-runtime': join(dist, 'app', 'step-runtime.js'),
  },
  platform: 'node',
  external: (id) => id.startsWith('file:') || (isPackage(id) && !INLINE.has(packageOf(id))),
  plugins: [
    {
      // A module that finds files beside itself (package.json, git's checkout, worker scripts) keeps
      // its own URL: `import.meta.url` becomes the module's original file, relative to its chunk.
      name: 'keep-module-urls',
      transform(code, id) {
        if (!id.startsWith(dist) || !code.includes('import.meta.url')) return null;
        const original = relative(out, id).split('\\').join('/');
        return code.replaceAll('import.meta.url', `new URL(${JSON.stringify(original)}, import.meta.url).href`);
      },
    },
  ],
  output: {
    dir: out,
    format: 'esm',
    entryFileNames: '[name].js',
    // Beside the entries: the rewritten module URLs are relative to this folder.
    chunkFileNames: '[name]-[hash].js',
  },
  logLevel: 'warn',
});

// What the bundle was made from, with each file's modification time: the executor uses the bundle only
// while these are unchanged, so a `tsc` run without this step (a watch build) cannot leave steps
// running older code than the executor.
const inputs = {};
for (const chunk of result.output) {
  for (const id of chunk.type === 'chunk' ? chunk.moduleIds : []) {
    if (id.startsWith(dist)) inputs[relative(dist, id).split('\\').join('/')] = statSync(id).mtimeMs;
  }
}
writeFileSync(join(out, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
