import type { Clock, Workspace } from '../core/index.js';
import type { Registry } from '../registry/index.js';
import type { ArtifactStore, EventLog, MetadataDb, RunStore } from '../store/index.js';
import type { OnlineStore } from '../store/online/index.js';
import type { S3Settings } from '../store/s3/index.js';
import type { EventBus } from '../triggers/index.js';
import { DEFAULT_PVC_ROOT, datasetSources } from './dataset-sources.js';
import type { LocalStores } from './local-runtime.js';

/** Where a process's state lives: resolved once by the composition root. */
export interface StoreConfig {
  readonly workspace: Workspace;
  /** `postgres://…` or `sqlite:<path>`; absent: `<workspace>/bookml.db`. */
  readonly databaseUrl?: string | undefined;
  /** `file:///…`, an absolute path or `s3://…`; absent: `<workspace>/artifacts`. */
  readonly artifactsUrl?: string | undefined;
  /** `nats://…`: the event bus is JetStream; absent: the event table of the metadata database. */
  readonly natsUrl?: string | undefined;
  /** `redis://…`: the online store is Redis; absent: the metadata database. */
  readonly redisUrl?: string | undefined;
  /** How to reach S3 (an `s3://` artifact store, `s3://` dataset URIs). @default the SDK's defaults */
  readonly s3?: S3Settings | undefined;
  /** Where `pvc://<claim>/…` dataset URIs are mounted. @default /mnt/pvc */
  readonly pvcRoot?: string | undefined;
  readonly clock: Clock;
}

/** {@link LocalStores} that also hands out the raw database and closes what it opened. */
export interface OpenStores extends LocalStores {
  db(): Promise<MetadataDb>;
  /** The event bus (JetStream or the event table), opened on first use. */
  bus(): Promise<EventBus>;
  /** The online store of customer histories (Redis or the metadata database), opened on first use. */
  online(): Promise<OnlineStore>;
  /** Whether the metadata database was opened (e.g. to skip work on shutdown). */
  readonly opened: boolean;
  close(): Promise<void>;
}

/**
 * The stores of one process, each opened on first use and kept: the database drivers (kysely, pg,
 * better-sqlite3) and the registry load only when something asks for them, which keeps a step that only
 * computes, or `bookml serve` on a bundle folder, free of them.
 * @example const stores = openStores({ workspace, clock: systemClock }); const reg = await stores.registry();
 */
export function openStores(config: StoreConfig): OpenStores {
  let db: Promise<MetadataDb> | undefined;
  let artifacts: Promise<ArtifactStore> | undefined;
  let registry: Promise<Registry> | undefined;
  let runs: Promise<RunStore> | undefined;
  let events: Promise<EventLog> | undefined;
  let bus: Promise<EventBus> | undefined;
  let online: Promise<OnlineStore> | undefined;
  const store = () => import('../store/index.js');
  const openDb = () => {
    db ??= store().then((s) =>
      s.openMetadataDb({
        workspace: config.workspace,
        clock: config.clock,
        ...(config.databaseUrl ? { url: config.databaseUrl } : { env: {} }),
      }),
    );
    return db;
  };
  return {
    workspace: config.workspace,
    clock: config.clock,
    fetchSource: datasetSources({ pvcRoot: config.pvcRoot ?? DEFAULT_PVC_ROOT, s3: config.s3 ?? {} }),
    get opened() {
      return db !== undefined;
    },
    db: openDb,
    artifacts: () => {
      // The light door: the artifact store without the database stack (serving `latest`, train).
      artifacts ??= import('../store/artifacts/index.js').then((s) =>
        s.openArtifactStore({
          workspace: config.workspace,
          clock: config.clock,
          ...(config.s3 ? { s3: config.s3 } : {}),
          ...(config.artifactsUrl ? { url: config.artifactsUrl } : { env: {} }),
        }),
      );
      return artifacts;
    },
    registry: () => {
      registry ??= Promise.all([import('../registry/index.js'), openDb()]).then(
        ([r, handle]) => new r.Registry(handle),
      );
      return registry;
    },
    runs: () => {
      runs ??= Promise.all([store(), openDb()]).then(([s, handle]) => new s.RunStore(handle));
      return runs;
    },
    bus: () => {
      bus ??= Promise.all([import('../triggers/bus/index.js'), openDb()]).then(([t, handle]) =>
        t.openEventBus({
          db: handle,
          clock: config.clock,
          ...(config.natsUrl ? { natsUrl: config.natsUrl } : {}),
        }),
      );
      return bus;
    },
    online: () => {
      online ??= import('../store/online/index.js').then((s) =>
        s.openOnlineStore({ redisUrl: config.redisUrl, db: openDb, clock: config.clock }),
      );
      // A failed open (Redis down) is not kept: the next request tries again.
      online.catch(() => {
        online = undefined;
      });
      return online;
    },
    events: () => {
      events ??= Promise.all([store(), openDb()]).then(([s, handle]) => new s.EventLog(handle));
      return events;
    },
    close: async () => {
      const openOnline = online;
      online = undefined;
      await openOnline?.then(
        (o) => o.close(),
        () => {},
      );
      const openBus = bus;
      bus = undefined;
      await openBus?.then(
        (b) => b.close(),
        () => {},
      );
      const pending = db;
      db = undefined;
      await pending?.then(
        (h) => h.close(),
        () => {},
      );
    },
  };
}
