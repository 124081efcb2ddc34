import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import {
  ControlPlaneClient,
  type DatasetInfo,
  downloadDir,
  downloadFile,
  type StoredBlob,
  uploadDir,
  uploadFile,
} from '../api/client/index.js';
import type { Clock } from '../core/index.js';
import type {
  StepArtifacts,
  StepCodeVersion,
  StepDataset,
  StepDatasets,
  StepEvents,
  StepOnline,
  StepRegistry,
  StepRuntime,
  StoredArtifact,
} from '../pipeline/index.js';
import { assertSha256 } from '../store/manifest/index.js';
import { DEFAULT_PVC_ROOT, datasetSources, type FetchSource } from './dataset-sources.js';

/** Options of {@link openRemoteRuntime}. */
export interface RemoteRuntimeOptions {
  /** The control plane's base URL (`BOOKML_API_URL`). */
  url: string;
  /** Bearer token (`BOOKML_API_TOKEN`); its principal is who registers and promotes. */
  token?: string | undefined;
  /** Ages the cache's leftovers. */
  clock: Clock;
  /** The code running the steps, recorded in lineage. */
  codeVersion: StepCodeVersion;
  /** Where downloaded artifacts and datasets are kept: `<cacheDir>/<sha256>` (a directory), `<sha256>.blob` (a file). */
  cacheDir: string;
  /** Partial downloads older than this are removed when the runtime opens, in ms. @default 86_400_000 */
  staleMs?: number;
  /** The fetch the client uses (tests). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** How the pod reads dataset URIs (its own mounts and S3 settings). @default the default mount root and S3 settings */
  fetchSource?: FetchSource;
}

const HASH_PREFIX = /^[0-9a-f]{4,64}$/;
const PARTIAL = /\.\d+\.[0-9a-f]{12}\.partial$/;

/**
 * The remote runtime: every step port over the control-plane API with a bearer token — what a step pod on
 * Kubernetes runs, holding no database or store credentials. Artifacts and datasets travel by sha256:
 * uploads send only the blobs the store lacks; downloads are verified and land whole in `cacheDir`, where
 * they are reused. Registering and promoting act as the token's principal; the control plane measures the
 * promotion gates' evidence itself.
 *
 * @example
 * const runtime = await openRemoteRuntime({ url: env.BOOKML_API_URL, token: env.BOOKML_API_TOKEN,
 *   clock: systemClock, codeVersion: { version: '0.1.0', gitSha: null }, cacheDir: '/tmp/bookml-cache' });
 * const bundle = await runtime.services.artifacts.putDir('./bundle');
 */
export async function openRemoteRuntime(options: RemoteRuntimeOptions): Promise<StepRuntime> {
  const api = new ControlPlaneClient({ url: options.url, token: options.token, fetch: options.fetch });
  const cache = resolve(options.cacheDir);
  await mkdir(cache, { recursive: true });
  await removeStalePartials(cache, options.clock.now(), options.staleMs ?? 86_400_000);

  const cached = async (sha256: string, name: string, fetchTo: (dest: string) => Promise<void>) => {
    assertSha256(sha256);
    const dest = join(cache, name);
    // Only whole downloads are ever renamed to this name, so one that exists was verified.
    if ((await stat(dest).catch(() => undefined)) === undefined) await fetchTo(dest);
    return dest;
  };
  const getDir = (sha256: string) => cached(sha256, sha256, (dest) => downloadDir(api, sha256, dest));
  const get = (sha256: string) => cached(sha256, `${sha256}.blob`, (dest) => downloadFile(api, sha256, dest));

  const artifacts: StepArtifacts = {
    put: async (file) => stored(await uploadFile(api, file)),
    putDir: async (dir) => stored(await uploadDir(api, dir)),
    get,
    getDir,
  };

  const local = async (d: DatasetInfo): Promise<StepDataset> => ({
    hash: d.hash,
    dir: await getDir(d.artifact.sha256),
    source: d.source,
    counts: d.counts,
  });
  const datasets: StepDatasets = {
    // A dataset URI is read where the step runs: the pod's mounts, the pod's S3 credentials.
    fetchSource: options.fetchSource ?? datasetSources({ pvcRoot: DEFAULT_PVC_ROOT, s3: {} }),
    // A pod runs one step: a parse kept on its disk would never be read again.
    parsedCacheDir: async () => undefined,
    current: async () => {
      const d = await api.currentDataset();
      return d === undefined ? undefined : local(d);
    },
    get: async (ref) => {
      // As locally: only stored datasets by hash prefix (a folder is a dataset to add).
      if (!HASH_PREFIX.test(ref)) throw await notFound(ref);
      return local(await api.getDataset(ref));
    },
    add: async (dir, source, addOptions = {}) => {
      const { DATASET_FILES, hasDatasetFiles } = await import('../data/index.js');
      const abs = resolve(dir);
      if (!(await isDir(abs)) || !hasDatasetFiles(abs)) throw await notFound(dir);
      // Only the dataset's files travel: the control plane adds those and writes its own manifest.
      const files = new Set<string>(DATASET_FILES);
      const up = await uploadDir(api, abs, { include: (p) => files.has(p) });
      const d = await api.addDataset({ artifact: up.sha256, source, makeCurrent: addOptions.makeCurrent });
      return { ...(await local(d)), created: d.created };
    },
  };

  const registry: StepRegistry = {
    registerVersion: async (input, run) => {
      const v = await api.registerVersion(input.model, {
        artifactUri: input.artifact.uri,
        artifactHash: input.artifact.sha256,
        metrics: input.metrics,
        params: input.params,
        tags: { ...input.tags, 'bookml.run': run.runId },
        lineage: input.lineage,
        idempotencyKey: input.idempotencyKey,
        run: { id: run.runId, task: run.taskId },
      });
      return { model: v.model, version: v.version };
    },
    promote: async ({ model, version, alias, runId, reason }) => {
      const out = await api.promote(model, alias, { version, runId, reason });
      return { status: out.status, fromVersion: out.fromVersion ?? null };
    },
  };

  const events: StepEvents = { publish: (topic, payload) => api.publishEvent(topic, payload) };

  // The pod holds no store credentials: the histories travel as one uploaded JSONL blob, which the
  // control plane materialises into its online store (Redis or its database).
  const online: StepOnline = {
    materialise: async (ref, source, histories) => {
      const file = join(cache, `online-${ref.version}-${process.pid}.jsonl.partial`);
      const out = createWriteStream(file);
      try {
        for (const h of histories) {
          if (!out.write(`${JSON.stringify(h)}\n`)) await once(out, 'drain');
        }
        out.end();
        await finished(out);
        const up = await uploadFile(api, file);
        return await api.materialiseOnline({ ...ref, source, artifact: up.sha256 });
      } finally {
        out.destroy();
        await rm(file, { force: true });
      }
    },
  };

  return {
    kind: 'remote',
    services: {
      datasets,
      artifacts,
      registry,
      events,
      online,
      codeVersion: { ...options.codeVersion },
    },
    // Nothing is held open: fetch's connections close on their own when idle.
    close: async () => {},
  };
}

function stored(b: StoredBlob): StoredArtifact {
  return { sha256: b.sha256, uri: b.uri, kind: b.kind, size: b.size };
}

/** The local runtime's own error for a dataset that is not there, so steps match one code. */
async function notFound(ref: string): Promise<Error> {
  const { DataNotFoundError } = await import('../data/index.js');
  return new DataNotFoundError(ref);
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Downloads a killed step left half-done: whole ones are renamed into place, so these are garbage. */
async function removeStalePartials(cache: string, now: number, staleMs: number): Promise<void> {
  for (const name of await readdir(cache)) {
    if (!PARTIAL.test(name)) continue;
    const path = join(cache, name);
    const s = await stat(path).catch(() => undefined);
    if (s !== undefined && now - s.mtimeMs > staleMs) await rm(path, { recursive: true, force: true });
  }
}
