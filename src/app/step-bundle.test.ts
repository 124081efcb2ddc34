import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stepProcessFiles } from './step-bundle.js';

const dir = mkdtempSync(join(tmpdir(), 'bookml-step-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const builtIn = pathToFileURL(join(dir, 'pipelines', 'index.js')).href;
const runtimeUrl = pathToFileURL(join(dir, 'app', 'step-runtime.js')).href;

// A build file the bundles below were made from.
mkdirSync(join(dir, 'pipelines'), { recursive: true });
const input = join(dir, 'pipelines', 'index.js');
writeFileSync(input, '');

function bundleDir(name: string, withEntry: boolean): URL {
  const b = join(dir, name);
  mkdirSync(b, { recursive: true });
  if (withEntry) {
    writeFileSync(join(b, 'step-process.js'), '');
    writeFileSync(join(b, 'inputs.json'), JSON.stringify({ 'pipelines/index.js': statSync(input).mtimeMs }));
  }
  return pathToFileURL(`${b}/`);
}

const filesFrom = (bundle: URL) =>
  stepProcessFiles(builtIn, { bundle, builtInCatalogUrl: builtIn, runtimeUrl });

describe('stepProcessFiles', () => {
  it('starts the built-in catalogue from the bundle when the build made one', () => {
    const bundle = bundleDir('built', true);
    expect(stepProcessFiles(builtIn, { bundle, builtInCatalogUrl: builtIn, runtimeUrl })).toEqual({
      stepEntry: join(dir, 'built', 'step-process.js'),
      catalogUrl: new URL('pipelines.js', bundle).href,
      runtimeUrl: new URL('step-runtime.js', bundle).href,
    });
  });

  it("leaves a user's own catalogue, and a build without a bundle, on the module files", () => {
    const own = pathToFileURL(join(dir, 'mine', 'pipelines.js')).href;
    const bundle = bundleDir('built2', true);
    expect(stepProcessFiles(own, { bundle, builtInCatalogUrl: builtIn, runtimeUrl })).toEqual({
      stepEntry: undefined,
      catalogUrl: own,
      runtimeUrl,
    });
    // A build file changed since bundling (tsc --watch): the bundle is stale.
    const stale = bundleDir('stale', true);
    const t = new Date(statSync(input).mtimeMs + 5000);
    utimesSync(input, t, t);
    expect(filesFrom(stale).stepEntry).toBeUndefined();
    const empty = bundleDir('empty', false);
    expect(stepProcessFiles(builtIn, { bundle: empty, builtInCatalogUrl: builtIn, runtimeUrl })).toEqual({
      stepEntry: undefined,
      catalogUrl: builtIn,
      runtimeUrl,
    });
  });
});
