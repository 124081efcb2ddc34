import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, resolveWorkspace, type Workspace } from '../src/core/index.js';
import {
  type BundleManifest,
  type ModelPointer,
  readBundle,
  saveLatestModel,
  trainItemKnn,
  writeBundle,
} from '../src/model/index.js';
import {
  compileServedModel,
  createServeServer,
  type ModelSource,
  type PredictionBatch,
  type PredictionRecord,
  type PredictionSink,
  parseServeConfig,
  type ServeConfigInput,
  type ServedModel,
  ServeMetrics,
  type ServeServer,
  type ServeServerDeps,
} from '../src/serve/index.js';
import { FsArtifactStore } from '../src/store/index.js';
import { randomInteractions } from './fixtures/interactions.js';

/** A fresh temp folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bookml-serve-'));
}

export interface ModelSpec {
  seed?: number;
  books?: number;
  k?: number;
  /** Book ids as names ("item 7") instead of integers. */
  names?: boolean;
}

async function bundleInput(spec: ModelSpec) {
  const books = spec.books ?? 40;
  const x = randomInteractions(spec.seed ?? 7, 150, books, 2500);
  // Ids 1..N (the Bookstore's), or names for a groceries-like dataset.
  const itemIds = x.itemIds.map((_, i) => (spec.names ? `item ${i + 1}` : String(i + 1)));
  const model = await trainItemKnn({ ...x, itemIds, itemIdsNumeric: !spec.names }, { k: spec.k ?? 10 });
  return {
    model,
    itemIds,
    itemIdsNumeric: !spec.names,
    title: itemIds.map((id) => `Title ${id}`),
    author: itemIds.map(() => 'A. Author'),
    dataset: { hash: `h${spec.seed ?? 7}`, uri: 'file:test' },
    code: { version: '0.1.0', gitSha: null },
    createdAt: '2026-01-02T03:04:05.000Z',
  };
}

/** Write a small trained bundle to `dir` (created); returns its manifest. */
export async function writeModel(dir: string, spec: ModelSpec = {}): Promise<BundleManifest> {
  return writeBundle(dir, await bundleInput(spec));
}

/** A fresh bundle compiled as the primary's model (`version`, default k 5), for unit tests. */
export async function servedModel(spec: ModelSpec = {}, version = 'v1'): Promise<ServedModel> {
  const dir = join(tempDir(), 'm');
  await writeModel(dir, spec);
  const metrics = new ServeMetrics({ processMetrics: false });
  return compileServedModel(readBundle(dir), {
    role: 'primary',
    ref: { version, dir },
    source: 'test',
    defaultK: 5,
    stats: metrics.versionStats(version),
    loadedAt: 0,
  });
}

/** A fresh workspace with its artifact store open. */
export interface TestWorkspace extends Workspace {
  readonly artifacts: FsArtifactStore;
}

/** A fresh workspace in a temp folder, its artifact store open. */
export async function testWorkspace(): Promise<TestWorkspace> {
  const ws = resolveWorkspace(join(tempDir(), 'ws'));
  return { ...ws, artifacts: await FsArtifactStore.open(ws.artifactsDir) };
}

/** Train a small model, store it in the workspace's artifact store and move `latest` to it (what `bookml train` does). */
export async function saveLatest(ws: TestWorkspace, spec: ModelSpec = {}): Promise<ModelPointer> {
  const input = await bundleInput(spec);
  const { pointer } = await saveLatestModel(ws, ws.artifacts, {
    ...input,
    createdAt: `2026-01-0${(spec.seed ?? 1) % 9}T00:00:00.000Z`,
  });
  return pointer;
}

/** A prediction sink that keeps records in memory. */
export function memorySink(): PredictionSink & { records: PredictionRecord[]; lines: string[] } {
  const records: PredictionRecord[] = [];
  const lines: string[] = [];
  return {
    records,
    lines,
    async write(batch: PredictionBatch) {
      for (let i = 0; i < batch.length; i++) records.push(batch.record(i));
      lines.push(...batch.jsonLines().trimEnd().split('\n'));
    },
    async close() {},
  };
}

/** A started server (no socket) over the given sources; polling off unless asked. */
export async function startServer(
  primary: ModelSource,
  opts: Partial<Omit<ServeServerDeps, 'config' | 'primary'>> & { config?: ServeConfigInput } = {},
): Promise<ServeServer> {
  const server = createServeServer({
    clock: new ManualClock(Date.parse('2026-03-01T12:00:00Z')),
    ...opts,
    // The manual clock stands still, so every request falls in one second: the log keeps them all.
    config: parseServeConfig({
      pollIntervalMs: 0,
      ...opts.config,
      predictionLog: { maxPerSecond: 0, ...opts.config?.predictionLog },
    }),
    primary,
  });
  await server.start();
  return server;
}
