import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BookmlError } from '../core/index.js';
import { latestModelDir, ModelErrorCodes } from '../model/index.js';
import { ServeError } from './errors.js';

/** What a source points at right now: a version and the local bundle folder holding it. */
export interface ModelRef {
  /**
   * The version this ref names; the answering-version header, `/ready` and metrics show it.
   * A registry alias gives its version number ("7"); a bundle folder gives its model id.
   */
  readonly version: string;
  /** The local bundle folder to load (a remote source materialises it first). */
  readonly dir: string;
}

/**
 * Where a served model comes from. The server reconciles to it: it calls `resolve()` at start,
 * every poll interval, on `watch` notifications and on reload, and loads the ref whenever its
 * `version` differs from the one serving. A registry alias (`production`, `staging`) is one more
 * implementation: resolve alias → version → bundle folder, and notify through `watch` when the
 * alias moves.
 *
 * @example
 * const source: ModelSource = bundleDirSource('./models/m1');
 * const ref = await source.resolve(); // { version: '3f2a…', dir: '/abs/models/m1' }
 */
export interface ModelSource {
  /** Shown on `/ready` and in logs, e.g. `dir:/abs/path`, `workspace:latest`, `registry:recommender@production`. */
  readonly description: string;
  /**
   * What the source points at now. Cheap (it runs every poll); throws a `BookmlError` when it points
   * at nothing servable (e.g. `MODEL_NONE_TRAINED`), which `/ready` reports.
   */
  resolve(): Promise<ModelRef>;
  /** Optional push: call `onChange` when the source may have moved; returns the unsubscribe. */
  watch?(onChange: () => void): () => void;
}

/** The model id from a bundle's manifest: the version of a bundle that has no registry version. */
async function manifestVersion(dir: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw new BookmlError(
      ModelErrorCodes.MODEL_BUNDLE_NOT_FOUND,
      `no model bundle at ${dir} (manifest.json missing)`,
      { field: 'model', status: 404 },
    );
  }
  let id: unknown;
  try {
    id = (JSON.parse(text) as { modelId?: unknown }).modelId;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string' || id === '') {
    throw new BookmlError(ModelErrorCodes.MODEL_BUNDLE_CORRUPT, `${dir}/manifest.json has no modelId`, {
      field: 'manifest.json',
      status: 500,
    });
  }
  return id;
}

/**
 * A fixed bundle folder (`bookml serve --model DIR`). Its version is the bundle's model id, so a
 * bundle replaced in place (atomically, as `writeBundle` does) is picked up at the next poll.
 *
 * @example
 * const source = bundleDirSource('/srv/models/recommender-7');
 */
export function bundleDirSource(dir: string): ModelSource {
  const abs = resolve(dir);
  return {
    description: `dir:${abs}`,
    resolve: async () => ({ version: await manifestVersion(abs), dir: abs }),
  };
}

/**
 * The workspace's latest trained model (`models/LATEST`), re-checked every poll: a stand-in for
 * the registry's `production` alias until the registry exists.
 *
 * @example
 * const source = workspaceLatestSource(resolveWorkspace().modelsDir);
 */
export function workspaceLatestSource(modelsDir: string): ModelSource {
  return {
    description: `workspace:${resolve(modelsDir)}#latest`,
    resolve: async () => {
      const dir = latestModelDir(modelsDir);
      return { version: await manifestVersion(dir), dir };
    },
  };
}

/** Where a `--model` / `--canary` / `--shadow` value points; resolved by {@link modelSourceFrom}. */
export interface ModelSourceContext {
  /** The workspace's models folder (for `latest`). */
  modelsDir: string;
  /**
   * Resolves a registry alias (`production`, `staging`, `registry:recommender@staging`) to a
   * source; absent until the model registry is wired in, and then aliases are refused clearly.
   */
  alias?: (name: string) => ModelSource;
}

/**
 * A model source from a command-line value: `latest` (the workspace's latest model, re-checked
 * every poll), a bundle folder (anything with a path separator or that exists), else a registry
 * alias.
 *
 * @example
 * modelSourceFrom('latest', { modelsDir: ws.modelsDir });
 * modelSourceFrom('./models/m1', { modelsDir: ws.modelsDir });
 */
export function modelSourceFrom(spec: string, ctx: ModelSourceContext, field = 'model'): ModelSource {
  if (spec === 'latest') return workspaceLatestSource(ctx.modelsDir);
  const looksLikePath = spec.includes('/') || spec.includes('\\') || spec.startsWith('.') || existsSync(spec);
  if (looksLikePath) return bundleDirSource(spec);
  if (ctx.alias) return ctx.alias(spec);
  throw new ServeError(
    'SERVE_INVALID_SOURCE',
    `--${field} ${spec}: no such bundle folder, and registry aliases are not available in this build; pass a bundle folder or "latest"`,
    { field },
  );
}
