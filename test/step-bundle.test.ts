import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stepProcessFiles } from '../src/app/step-bundle.js';
import { REPO } from './fixtures/pipelines/harness.js';

const DIST = join(REPO, 'dist');
const BUNDLE = join(DIST, 'step-bundle');
const built = existsSync(join(BUNDLE, 'inputs.json'));
const outputs = mkdtempSync(join(tmpdir(), 'bookml-step-bundle-'));
afterAll(() => rmSync(outputs, { recursive: true, force: true }));

/**
 * The build's step bundle, as the executor uses it: current after `npm run build`, and a step process
 * started from it runs a built-in step (loading its catalogue and runtime from the bundle's chunks).
 */
describe.skipIf(!built)('the step bundle of the build (reason: needs npm run build)', () => {
  it('is current, so the built-in catalogue starts from it', () => {
    const catalog = pathToFileURL(join(DIST, 'pipelines', 'index.js')).href;
    const files = stepProcessFiles(catalog, {
      bundle: pathToFileURL(`${BUNDLE}/`),
      builtInCatalogUrl: catalog,
      runtimeUrl: pathToFileURL(join(DIST, 'app', 'step-runtime.js')).href,
    });
    expect(files.stepEntry).toBe(join(BUNDLE, 'step-process.js'));
    // It was made from the build's own modules: the runner, the catalogue and the runtime among them.
    const inputs = Object.keys(JSON.parse(readFileSync(join(BUNDLE, 'inputs.json'), 'utf8')));
    expect(inputs).toEqual(
      expect.arrayContaining([
        'pipeline/runner/step-process.js',
        'pipelines/index.js',
        'app/step-runtime.js',
      ]),
    );
  });

  it('runs a built-in step in a fresh process', async () => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, BOOKML_HOME: join(outputs, '.bookml') }))
      if (v !== undefined) env[k] = v;
    const child = spawn(
      process.execPath,
      [
        join(BUNDLE, 'step-process.js'),
        pathToFileURL(join(BUNDLE, 'pipelines.js')).href,
        pathToFileURL(join(BUNDLE, 'step-runtime.js')).href,
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const out = join(outputs, 'sweep');
    const result = await new Promise<{ type: string; ok?: boolean }>((resolve, reject) => {
      child.on('message', (m: { type: string; ok?: boolean }) => {
        if (m.type !== 'ready') return resolve(m);
        child.send({
          type: 'job',
          args: [
            'sweep-grid',
            ...['--pipeline', 'recommender'],
            ...['--param', 'similarityGrid=["cosine","jaccard"]', '--param', 'kGrid=[10,20]'],
            ...['--outputs', out],
          ],
          attempt: 0,
          env,
          reuse: false,
        });
      });
      child.on('error', reject);
    });
    await new Promise((r) => child.once('exit', r));
    expect(result, stderr).toEqual({ type: 'result', ok: true });
    expect(existsSync(out)).toBe(true);
  });
});
