import { join, resolve } from 'node:path';

/**
 * Where bookml keeps its state: `.bookml/` under the current folder, or `BOOKML_HOME`.
 * Paths only; creating and locking are the owners' business. It lives in core, not store, so the
 * commands that only need paths (train, recommend, serve --model) never load the database stack.
 */
export interface Workspace {
  readonly root: string;
  readonly datasetsDir: string;
  /**
   * Holds `latest.json`, the pointer to the latest model `bookml train` stored in the artifact store
   * (bundles themselves live only in the artifact store).
   */
  readonly modelsDir: string;
  /** The artifact store's folder, unless `BOOKML_ARTIFACTS` names another. */
  readonly artifactsDir: string;
  /** Scratch space: datasets and bundles on their way into their stores. */
  readonly tmpDir: string;
  /** Parsed datasets, kept so the next load skips the CSV parse (`loadDataset`'s cache). Safe to delete. */
  readonly datasetCacheDir: string;
}

/**
 * Resolve the workspace from an explicit path, `BOOKML_HOME`, or the current folder.
 * @example const ws = resolveWorkspace(); // ./.bookml
 */
export function resolveWorkspace(explicit?: string, env: NodeJS.ProcessEnv = process.env): Workspace {
  const root = resolve(explicit ?? env.BOOKML_HOME ?? join(process.cwd(), '.bookml'));
  return {
    root,
    datasetsDir: join(root, 'datasets'),
    modelsDir: join(root, 'models'),
    artifactsDir: join(root, 'artifacts'),
    tmpDir: join(root, 'tmp'),
    datasetCacheDir: join(root, 'dataset-cache'),
  };
}
