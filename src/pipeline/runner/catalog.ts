import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Pipeline } from '../definition/builder.js';
import { ExecutorError } from '../executor/errors.js';

/**
 * The pipelines an executor can run, by name. The executor sits below `pipelines/` in the dependency
 * order, so it never imports the catalogue: it is handed one, and its step processes load the same
 * module by URL ({@link loadCatalog}), so parent and child always agree on the code.
 */
export interface PipelineCatalog {
  /** The pipeline called `name`; throws `RUN_PIPELINE_NOT_FOUND` listing the known ones. */
  get(name: string): Pipeline;
  /** Every pipeline name, sorted. */
  names(): string[];
}

/**
 * A catalogue over a fixed list of pipelines.
 * @example const catalog = catalogOf([recommender, hello]);
 */
export function catalogOf(pipelines: Iterable<Pipeline>): PipelineCatalog {
  const byName = new Map<string, Pipeline>();
  for (const p of pipelines) byName.set(p.name, p);
  return {
    get(name) {
      const p = byName.get(name);
      if (p === undefined) {
        throw new ExecutorError(
          'RUN_PIPELINE_NOT_FOUND',
          `no pipeline "${name}" (pipelines: ${[...byName.keys()].sort().join(', ') || 'none'})`,
          { field: 'pipeline' },
        );
      }
      return p;
    },
    names: () => [...byName.keys()].sort(),
  };
}

function isPipeline(v: unknown): v is Pipeline {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Pipeline).name === 'string' &&
    typeof (v as Pipeline).stepFor === 'function' &&
    typeof (v as Pipeline).spec === 'object'
  );
}

/**
 * Turn a module's exports into a catalogue. Accepted shapes, in order: `pipelines` or `PIPELINES` (an array, a Map or a
 * record of pipelines), `listPipelines()` returning pipelines, then every exported value that is a pipeline.
 */
export function catalogFromModule(mod: Record<string, unknown>): PipelineCatalog {
  const found: Pipeline[] = [];
  const take = (v: unknown): void => {
    if (isPipeline(v)) found.push(v);
    else if (v instanceof Map) for (const p of v.values()) take(p);
    else if (Array.isArray(v)) for (const p of v) take(p);
    else if (v !== null && typeof v === 'object')
      for (const p of Object.values(v)) if (isPipeline(p)) take(p);
  };
  if (mod.pipelines !== undefined) take(mod.pipelines);
  if (found.length === 0 && mod.PIPELINES !== undefined) take(mod.PIPELINES);
  if (found.length === 0 && typeof mod.listPipelines === 'function')
    take((mod.listPipelines as () => unknown)());
  if (found.length === 0) for (const v of Object.values(mod)) if (isPipeline(v)) take(v);
  if (found.length === 0 && typeof mod.getPipeline !== 'function') {
    throw new ExecutorError('RUN_CATALOG_INVALID', 'the pipeline module exports no pipelines', {
      field: 'catalog',
    });
  }
  const base = catalogOf(found);
  const getter = mod.getPipeline as ((name: string) => unknown) | undefined;
  if (getter === undefined) return base;
  return {
    get(name) {
      const p = found.find((x) => x.name === name) ?? getter(name);
      if (isPipeline(p)) return p;
      return base.get(name);
    },
    names: base.names,
  };
}

/** A module specifier as a URL `import()` accepts: absolute paths become `file://` URLs. */
export function catalogUrl(moduleRef: string | URL): string {
  if (moduleRef instanceof URL) return moduleRef.href;
  return isAbsolute(moduleRef) ? pathToFileURL(moduleRef).href : moduleRef;
}

/**
 * Load a catalogue module (a path or URL). Step processes call this with the URL the executor gives them.
 * @example const catalog = await loadCatalog(new URL('../../pipelines/index.js', import.meta.url));
 */
export async function loadCatalog(moduleRef: string | URL): Promise<PipelineCatalog> {
  const url = catalogUrl(moduleRef);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new ExecutorError(
      'RUN_CATALOG_INVALID',
      `cannot load the pipeline module ${url}: ${(e as Error).message}`,
      { field: 'catalog', cause: e },
    );
  }
  return catalogFromModule(mod);
}
