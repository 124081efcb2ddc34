import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { STEP_RUNTIME_URL } from './step-runtime.js';

/** What a step process is started from: its entry file, the catalogue and the runtime it imports. */
export interface StepProcessFiles {
  /** The step process entry; undefined: the engine's own (`pipeline/runner/step-process.js`). */
  stepEntry: string | undefined;
  catalogUrl: string;
  runtimeUrl: string;
}

/** Where the build puts the step processes' bundle (`scripts/bundle-steps.mjs`), beside `app/`. */
const BUNDLE = new URL('../step-bundle/', import.meta.url);
/** The built-in catalogue, as `App.catalog` names it when `BOOKML_PIPELINES` is not set. */
export const BUILT_IN_CATALOG_URL = new URL('../pipelines/index.js', import.meta.url).href;

/**
 * The files the executor starts its step processes from. A step process is fresh for every step, so
 * what it imports before its first line of step code is paid once per step: from the module files
 * (~600 for a step that opens the registry, 260 of them Kysely's and 95 Zod's), loading costs about
 * as much CPU as Node's own start. The build therefore also bundles the step process, the built-in
 * catalogue and the step runtime into a few chunks (`dist/step-bundle/`, same code, shared chunks,
 * lazy imports kept lazy), and the built-in catalogue runs from there.
 *
 * A catalogue of the user's own (`BOOKML_PIPELINES`) imports bookml's modules itself, so its steps
 * run unbundled: a bundled runner beside it would be a second copy of bookml in the process. Without
 * a bundle (running from the TypeScript sources, or a build made before bundling) nothing changes, and
 * neither with a stale one: a module file rebuilt since bundling (`tsc --watch`) puts every step back
 * on the module files, so a step never runs older code than the executor.
 */
export function stepProcessFiles(
  catalogUrl: string,
  o: { bundle?: URL; builtInCatalogUrl?: string; runtimeUrl?: string } = {},
): StepProcessFiles {
  const bundle = o.bundle ?? BUNDLE;
  const runtimeUrl = o.runtimeUrl ?? STEP_RUNTIME_URL;
  const entry = fileURLToPath(new URL('step-process.js', bundle));
  if (catalogUrl !== (o.builtInCatalogUrl ?? BUILT_IN_CATALOG_URL) || !isCurrent(bundle)) {
    return { stepEntry: undefined, catalogUrl, runtimeUrl };
  }
  return {
    stepEntry: entry,
    catalogUrl: new URL('pipelines.js', bundle).href,
    runtimeUrl: new URL('step-runtime.js', bundle).href,
  };
}

/**
 * The bundle exists and every build file it was made from is unchanged (`inputs.json`: path → mtime,
 * written by the bundler). About 200 `stat` calls, once per executor start.
 */
function isCurrent(bundle: URL): boolean {
  try {
    const inputs = JSON.parse(readFileSync(new URL('inputs.json', bundle), 'utf8')) as Record<string, number>;
    const dist = new URL('../', bundle);
    for (const [file, mtimeMs] of Object.entries(inputs)) {
      if (statSync(new URL(file, dist)).mtimeMs !== mtimeMs) return false;
    }
    statSync(new URL('step-process.js', bundle));
    return true;
  } catch {
    return false;
  }
}
