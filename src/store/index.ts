/**
 * Storage: the workspace, the metadata database (SQLite file by default, PostgreSQL when
 * `BOOKML_DATABASE_URL=postgres://…`; one Kysely query layer, one migration history) with small
 * repositories over it, the content-addressed artifact store (atomic writes, verified reads), and the
 * prediction log's record, file layout and incremental reader (also alone in `store/predictions`).
 *
 * @example
 * import { openArtifactStore, openMetadataDb, RunStore } from '../store/index.js';
 * const mdb = await openMetadataDb();                      // migrates on open
 * const run = await new RunStore(mdb).createRun({ pipeline: 'recommender' });
 * const model = await (await openArtifactStore()).put({ path: 'model.bin' });
 * await mdb.close();
 */

// The phase vocabulary is core's (one definition); re-exported here beside the store that guards it.
export type { AttemptPhase, NodePhase, RunPhase, Workspace } from '../core/index.js';
export {
  ATTEMPT_PHASES,
  isTerminalNodePhase,
  isTerminalRunPhase,
  NODE_PHASES,
  RUN_PHASES,
  resolveWorkspace,
} from '../core/index.js';
export type {
  ArtifactRef,
  ArtifactSource,
  ArtifactStat,
  ArtifactStore,
  DirArtifactRef,
  DirManifest,
  DirManifestEntry,
} from './artifact-store.js';
export { assertSha256, isSha256 } from './artifact-store.js';
export type { DbHandle, MetadataDb, OpenMetadataDbOptions } from './db.js';
export { openMetadataDb, withTransaction } from './db.js';
export type { DbDialectName } from './db-errors.js';
export { DIR_MANIFEST_MEDIA_TYPE } from './dir-manifest.js';
export type { StoreErrorCode, StoreErrorOptions } from './errors.js';
export { diskFullError, STORE_ERRORS, StoreError } from './errors.js';
export type { EventRecord, ReadOptions } from './event-log.js';
export { EventLog } from './event-log.js';
export { ExecutorStore } from './executor-store.js';
export type { FsArtifactStoreOptions } from './fs-artifact-store.js';
export { FsArtifactStore } from './fs-artifact-store.js';
export type { Json } from './json-column.js';
export { fromJson, toJson } from './json-column.js';
export type {
  ArtifactRecord,
  DatasetRecord,
  LineageEdge,
  NewArtifactRecord,
  NewLineageEdge,
} from './lineage-store.js';
export { LineageStore } from './lineage-store.js';
export { SCHEMA_VERSION } from './migrate.js';
export type { MutexAcquisition, MutexRecord } from './mutex-store.js';
export { MutexStore } from './mutex-store.js';
export type { OpenArtifactStoreOptions } from './open-artifact-store.js';
export { openArtifactStore } from './open-artifact-store.js';
export type { ListenHandlers } from './pg-listen.js';
export type { PredictionFile } from './prediction-files.js';
export {
  comparePredictionFiles,
  listPredictionFiles,
  parsePredictionFileName,
  predictionFileName,
} from './prediction-files.js';
export type {
  PredictionCursor,
  PredictionReaderOptions,
  PredictionReadStats,
  PredictionSource,
} from './prediction-reader.js';
export { PredictionLogReader } from './prediction-reader.js';
export type { PredictionRecord, PredictionRoute } from './prediction-records.js';
export { PREDICTION_ROUTES, parsePredictionLine, popularityRanks } from './prediction-records.js';
export type { TablePredictionReaderOptions } from './prediction-table.js';
export { PREDICTION_TABLE_CURSOR, PredictionTable, TablePredictionReader } from './prediction-table.js';
export { assertOwned, RunLeaseStore } from './run-lease-store.js';
export type {
  AttemptKey,
  AttemptRecord,
  ExecutorRecord,
  NodeDetail,
  NodeKey,
  NodeRecord,
  RunDetail,
  RunRecord,
} from './run-records.js';
export type { AttemptOutcome, NewNode, NewRun, NodePatch, RunFilter } from './run-store.js';
export { RunStore } from './run-store.js';
export type { Database, EpochMs } from './tables.js';
