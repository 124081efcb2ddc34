/**
 * Data: the Bookstore's purchases as immutable, content-hashed datasets — generated (a seeded
 * synthetic Bookstore), imported (CSV/JSONL exports, the app's PostgreSQL tables) or brought as
 * four CSV files — loaded fast into columnar `Interactions`, and checked by a data-quality report.
 *
 * @example
 * import { generateSynthetic, loadDataset, resolveDataset, setCurrentDataset, writeDataset } from '../data/index.js';
 * const ds = await writeDataset(ws, { kind: 'synthetic', uri: 'synthetic:seed=42' }, (dir) => generateSynthetic(dir));
 * setCurrentDataset(ws, ds.hash);
 * const { interactions, catalogue } = await loadDataset(resolveDataset(ws).dir);
 * console.log(interactions.length, catalogue.title[0]);
 */

export { readCatalogue } from './catalogue-file.js';
export type { Concentration, Distribution, PopularityShift } from './data-stats.js';
export { datasetHash, hasDatasetFiles } from './dataset-inspect.js';
export type { DatasetSource, StoredDataset } from './dataset-store.js';
export {
  addDatasetDir,
  commitDataset,
  listDatasets,
  newTempDir,
  resolveDataset,
  resolveDatasetDir,
  setCurrentDataset,
  writeDataset,
} from './dataset-store.js';
export type { WrittenFiles } from './dataset-writer.js';
export type { DateParser } from './date-format.js';
export { formatIsoUtc, NAMED_DATE_FORMATS, parseDateFormat } from './date-format.js';
export type { DatasetDistributions } from './distributions.js';
export { datasetDistributions } from './distributions.js';
export type { DataErrorCode } from './errors.js';
export {
  DATA_ERRORS,
  DataAmbiguousRefError,
  DataBadFileError,
  DataBadMappingError,
  DataBadOptionError,
  DataBadRowError,
  DataBadSourceError,
  DataError,
  DataNoDatasetError,
  DataNotFoundError,
  DataSourceUnavailableError,
} from './errors.js';
export type { BadRow, ImportFileOptions, ImportReport } from './import-file.js';
export { importFile } from './import-file.js';
export type { Interactions, ItemCatalogue } from './interactions.js';
export { compareItemIds, selectLines } from './interactions.js';
export type { LoadedDataset, LoadIssues, LoadOptions } from './load-interactions.js';
export { loadDataset } from './load-interactions.js';
export type { PostgresImportOptions, PostgresImportReport } from './postgres-source.js';
export { importPostgres, redactUrl } from './postgres-source.js';
export type { ColumnMapping, LoadedFile, ReadInteractionsOptions } from './read-interactions-file.js';
export { formatOf, MAPPING_ROLES, parseMapping, readInteractionsFile } from './read-interactions-file.js';
export type {
  AppBook,
  AppOrder,
  Book,
  Customer,
  DatasetFile,
  DatasetManifest,
  Order,
  OrderLine,
} from './schema.js';
export { DATASET_FILES, DATASET_HEADERS } from './schema.js';
export { SessionSplitter, sessionBaskets } from './session-baskets.js';
export type { SyntheticOptions } from './synthetic.js';
export { generateSynthetic, SYNTHETIC_DEFAULTS } from './synthetic.js';
export type { DataCheck, DataReport, ValidateThresholds } from './validate.js';
export { DEFAULT_THRESHOLDS, reportFor, validateDataset } from './validate.js';
