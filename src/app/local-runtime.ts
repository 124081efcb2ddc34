import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Clock, CodeVersion, Workspace } from '../core/index.js';
import {
  addDatasetDir,
  DataNoDatasetError,
  DataNotFoundError,
  hasDatasetFiles,
  listDatasets,
  resolveDataset,
  type StoredDataset,
  setCurrentDataset,
} from '../data/index.js';
import type {
  StepArtifacts,
  StepCodeVersion,
  StepDataset,
  StepDatasets,
  StepEvents,
  StepOnline,
  StepRegistry,
  StepServices,
  StoredArtifact,
} from '../pipeline/index.js';
import { gateEvidence } from '../pipelines/index.js';
import type { Actor, GateEvidence, Registry } from '../registry/index.js';
import type { ArtifactStore, EventLog, RunStore } from '../store/index.js';
import type { OnlineStore } from '../store/online/index.js';
import type { EventBus } from '../triggers/index.js';
import { DEFAULT_PVC_ROOT, datasetSources, type FetchSource } from './dataset-sources.js';

/**
 * The local runtime: every step port over in-process handles on one workspace. The metadata database is
 * opened on first use (through `stores`), so a step that never registers or publishes never loads a
 * database driver. The executor's step processes, `bookml up` and the tests use it; the control plane
 * serves the same datasets port to remote steps.
 */

/** The handles the local runtime works on; the composition root opens them lazily and closes them. */
export interface LocalStores {
  readonly workspace: Workspace;
  readonly clock: Clock;
  artifacts(): Promise<ArtifactStore>;
  registry(): Promise<Registry>;
  runs(): Promise<RunStore>;
  events(): Promise<EventLog>;
  /** The event bus steps publish on (JetStream or the event table). */
  bus(): Promise<Pick<EventBus, 'publish'>>;
  /** The online store the register step materialises histories into. @default none: steps skip it */
  online?(): Promise<Pick<OnlineStore, 'kind' | 'materialise'>>;
  /** How dataset URIs are read (`pvc://`, `s3://`). @default the default mount root and S3 settings */
  readonly fetchSource?: FetchSource;
}

/** Dataset URIs with the configuration's defaults: claims under `/mnt/pvc`, S3 as the SDK finds it. */
const DEFAULT_SOURCES: FetchSource = datasetSources({ pvcRoot: DEFAULT_PVC_ROOT, s3: {} });

/** Who the pipeline acts as in the registry's audit trail when it runs locally. */
export const PIPELINE_ACTOR: Actor = Object.freeze({
  id: 'pipeline',
  roles: Object.freeze(['operator'] as const),
});

const HASH_PREFIX = /^[0-9a-f]{4,64}$/;

function stepDataset(ds: StoredDataset): StepDataset {
  return { hash: ds.hash, dir: ds.dir, source: ds.manifest.source, counts: ds.manifest.counts };
}

/**
 * The workspace's datasets as a port: read the current one or one by hash prefix, add a folder of
 * dataset files (copied, hashed, committed atomically).
 * @example const { hash } = await localDatasets(ws, systemClock).add(dir, { kind: 'files', uri: dir });
 */
export function localDatasets(
  workspace: Workspace,
  clock: Clock,
  fetchSource: FetchSource = DEFAULT_SOURCES,
): StepDatasets {
  return {
    fetchSource,
    parsedCacheDir: async () => workspace.datasetCacheDir,
    current: async () => {
      try {
        return stepDataset(resolveDataset(workspace, undefined, clock));
      } catch (e) {
        if (e instanceof DataNoDatasetError) return undefined;
        throw e;
      }
    },
    get: async (ref) => {
      // Only stored datasets by hash: a folder path is a dataset to add, not one to read in place.
      if (!HASH_PREFIX.test(ref)) throw new DataNotFoundError(ref);
      return stepDataset(resolveDataset(workspace, ref, clock));
    },
    add: async (dir, source, options = {}) => {
      const abs = resolve(dir);
      if (!existsSync(abs) || !statSync(abs).isDirectory() || !hasDatasetFiles(abs)) {
        throw new DataNotFoundError(dir);
      }
      const before = new Set(listDatasets(workspace).map((d) => d.hash));
      const ds = addDatasetDir(workspace, abs, source, { clock });
      if (options.makeCurrent) setCurrentDataset(workspace, ds.hash);
      return { ...stepDataset(ds), created: !before.has(ds.hash) };
    },
  };
}

/** The artifact store as a port (its own reads verify every hash). */
export function localArtifacts(artifacts: () => Promise<ArtifactStore>): StepArtifacts {
  const stored = (r: {
    sha256: string;
    uri: string;
    kind: 'file' | 'dir';
    size: number;
  }): StoredArtifact => ({
    sha256: r.sha256,
    uri: r.uri,
    kind: r.kind,
    size: r.size,
  });
  return {
    put: async (file) => stored(await (await artifacts()).put({ path: file })),
    putDir: async (dir) => stored(await (await artifacts()).putDir(dir)),
    get: async (sha256) => (await artifacts()).get(sha256),
    getDir: async (sha256) => (await artifacts()).getDir(sha256),
  };
}

/**
 * The gate evidence bookml measures itself for a promotion: the candidate's latency and production
 * re-evaluated on the candidate's split, read through the datasets and artifacts ports.
 */
export function localGateEvidence(stores: LocalStores): GateEvidence {
  return gateEvidence({
    datasets: localDatasets(stores.workspace, stores.clock),
    artifacts: localArtifacts(() => stores.artifacts()),
  });
}

function localRegistry(stores: LocalStores, actor: Actor): StepRegistry {
  return {
    registerVersion: async (input, run) => {
      const [registry, runs] = await Promise.all([stores.registry(), stores.runs()]);
      // A run the local store does not know (an Argo workflow) is recorded as a tag only.
      const known = (await runs.getRun(run.runId)) !== undefined;
      const v = await registry.registerVersion({
        model: input.model,
        artifactUri: input.artifact.uri,
        artifactHash: input.artifact.sha256,
        ...(known ? { sourceRun: run.runId, sourceNode: run.taskId } : {}),
        metrics: { ...input.metrics },
        params: { ...input.params },
        tags: { ...input.tags, 'bookml.run': run.runId },
        lineage: {
          ...(input.lineage.dataset ? { dataset: { ...input.lineage.dataset } } : {}),
          ...(input.lineage.codeVersion ? { codeVersion: { ...input.lineage.codeVersion } } : {}),
          ...(input.lineage.evaluation ? { evaluation: { ...input.lineage.evaluation } } : {}),
          ...(input.lineage.tuning ? { tuning: { ...input.lineage.tuning } } : {}),
          ...(input.lineage.online ? { online: { ...input.lineage.online } } : {}),
        } as never,
        actor: actor.id,
        idempotencyKey: input.idempotencyKey,
      });
      return { model: v.model, version: v.version };
    },
    promote: async ({ model, version, alias, runId, reason }) => {
      const registry = await stores.registry();
      const out = await registry.promote(model, version, alias, {
        actor: { id: actor.id, roles: [...actor.roles] },
        runId,
        reason,
        evidence: localGateEvidence(stores),
      });
      return { status: out.status, fromVersion: out.fromVersion ?? null };
    },
  };
}

function localEvents(stores: LocalStores): StepEvents {
  return {
    publish: async (topic, payload) => {
      const { id } = await (await stores.bus()).publish(topic, payload);
      return { id };
    },
  };
}

/** The online store as a port, opened when the register step first writes to it. */
function localOnline(open: () => Promise<Pick<OnlineStore, 'kind' | 'materialise'>>): StepOnline {
  return {
    materialise: async (ref, source, histories) => {
      const store = await open();
      const rec = await store.materialise(ref, source, histories);
      return { customers: rec.customers, entries: rec.entries, store: store.kind };
    },
  };
}

/**
 * Every step port over the local stores.
 * @example const services = localStepServices(stores, { codeVersion: codeVersion() });
 */
export function localStepServices(
  stores: LocalStores,
  options: { codeVersion: CodeVersion & Pick<StepCodeVersion, 'image' | 'imageDigest'>; actor?: Actor },
): StepServices {
  return {
    datasets: localDatasets(stores.workspace, stores.clock, stores.fetchSource),
    artifacts: localArtifacts(() => stores.artifacts()),
    registry: localRegistry(stores, options.actor ?? PIPELINE_ACTOR),
    events: localEvents(stores),
    codeVersion: { ...options.codeVersion },
    ...(stores.online ? { online: localOnline(stores.online.bind(stores)) } : {}),
  };
}
