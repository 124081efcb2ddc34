import { ServeError } from './errors.js';
import type { ModelRef, ModelSource } from './model-source.js';

/** The one registry call serving needs (`Registry.resolveAlias` fits). */
export interface AliasResolver {
  resolveAlias(
    model: string,
    alias: string,
  ): Promise<{ version: number; artifactHash: string | null; artifactUri: string }>;
  /**
   * Call `onMove` when the alias moves (`Registry.watchAlias`: PostgreSQL LISTEN/NOTIFY); returns
   * the function that stops. Optional: without it, and on SQLite, the server polls.
   */
  watchAlias?(model: string, alias: string, onMove: () => void): () => void;
}

/** Turns a registered bundle's content hash into a verified local folder (`ArtifactStore.getDir` fits). */
export interface BundleFetcher {
  getDir(sha256: string): Promise<string>;
}

export interface RegistryAliasSourceOptions {
  registry: AliasResolver;
  artifacts: BundleFetcher;
  /** Registered model name. @default 'recommender' */
  model?: string;
  /** The alias to follow. @default 'production' */
  alias?: string;
}

/**
 * A registry alias as a model source: alias → version → bundle folder, re-resolved at every
 * poll. The version served is the registry's version number ("7"), so moving the alias (promote,
 * rollback) is what makes the server load another version. Where the registry can push
 * (`watchAlias`, PostgreSQL), a move triggers a reconcile at once; the event only says "look
 * again", the alias is still read, so a missed event, or a crash between the move and a reload,
 * converges at the next poll. A version's bundle is fetched (and verified by the artifact store)
 * once; later polls of the same version cost one registry read.
 *
 * @example
 * const source = registryAliasSource({ registry: new Registry(mdb), artifacts, alias: 'production' });
 */
export function registryAliasSource(opts: RegistryAliasSourceOptions): ModelSource {
  const model = opts.model ?? 'recommender';
  const alias = opts.alias ?? 'production';
  let last: ModelRef | null = null;
  return {
    description: `registry:${model}@${alias}`,
    ...(opts.registry.watchAlias
      ? { watch: (onChange: () => void) => opts.registry.watchAlias?.(model, alias, onChange) ?? (() => {}) }
      : {}),
    resolve: async () => {
      const record = await opts.registry.resolveAlias(model, alias);
      const version = String(record.version);
      if (last !== null && last.version === version) return last;
      if (!record.artifactHash) {
        throw new ServeError(
          'SERVE_INVALID_SOURCE',
          `${model} version ${version} (alias ${alias}) has no stored bundle (${record.artifactUri}); register it through the pipeline`,
          { field: 'model' },
        );
      }
      // getDir verified every file, so the loader need not hash them again.
      last = { version, dir: await opts.artifacts.getDir(record.artifactHash), verified: true };
      return last;
    },
  };
}
