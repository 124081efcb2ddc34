import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  BUNDLE_MANIFEST,
  type BundleArtifactsSource,
  bundleCorrupt,
  bundleNotFound,
  latestModel,
  readModelPointer,
} from '../model/index.js';
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
  /**
   * Every file in `dir` was checked against its hash when the folder was materialised (the artifact
   * store's `getDir` does so), so loading it need not hash it again. Only a source that fetched the
   * folder from the artifact store sets it; a plain folder is always hashed. @default false
   */
  readonly verified?: boolean;
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
    text = await readFile(join(dir, BUNDLE_MANIFEST), 'utf8');
  } catch {
    throw bundleNotFound(dir);
  }
  let id: unknown;
  try {
    id = (JSON.parse(text) as { modelId?: unknown }).modelId;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string' || id === '') {
    throw bundleCorrupt(`${dir}/${BUNDLE_MANIFEST} has no modelId`, BUNDLE_MANIFEST);
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
 * The workspace's latest trained model: `models/latest.json`, a pointer into the artifact store,
 * re-read every poll (one small file). The version is the bundle's model id. The bundle is fetched
 * (and verified) by the artifact store only when the pointer moves, so its ref is `verified` and the
 * loader reads each file once without hashing it again. `artifacts` is opened on the first fetch.
 *
 * @example
 * const source = workspaceLatestSource(ws.modelsDir, () => openArtifactStore({ workspace: ws }));
 */
export function workspaceLatestSource(modelsDir: string, artifacts: BundleArtifactsSource): ModelSource {
  let last: { sha256: string; ref: ModelRef } | null = null;
  return {
    description: `workspace:${resolve(modelsDir)}#latest`,
    resolve: async () => {
      const pointer = await readModelPointer(modelsDir);
      if (pointer !== null && last !== null && last.sha256 === pointer.sha256) return last.ref;
      // No pointer yet: latestModel migrates an older workspace's models/LATEST, or says none was trained.
      const model = await latestModel(modelsDir, artifacts);
      last = { sha256: model.sha256, ref: { version: model.modelId, dir: model.dir, verified: true } };
      return last.ref;
    },
  };
}

/** Where a `--model` / `--canary` / `--shadow` value points; resolved by {@link modelSourceFrom}. */
export interface ModelSourceContext {
  /** The workspace's models folder, which holds the `latest` pointer. */
  modelsDir: string;
  /** The artifact store `latest` points into, or its opener (called on first use only). */
  artifacts: BundleArtifactsSource;
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
 * const ctx = { modelsDir: ws.modelsDir, artifacts: () => openArtifactStore({ workspace: ws }) };
 * modelSourceFrom('latest', ctx);
 * modelSourceFrom('./models/m1', ctx);
 */
export function modelSourceFrom(spec: string, ctx: ModelSourceContext, field = 'model'): ModelSource {
  if (spec === 'latest') return workspaceLatestSource(ctx.modelsDir, ctx.artifacts);
  const looksLikePath = spec.includes('/') || spec.includes('\\') || spec.startsWith('.') || existsSync(spec);
  if (looksLikePath) return bundleDirSource(spec);
  if (ctx.alias) return ctx.alias(spec);
  throw new ServeError(
    'SERVE_INVALID_SOURCE',
    `--${field} ${spec}: no such bundle folder, and registry aliases are not available in this build; pass a bundle folder or "latest"`,
    { field },
  );
}
