/**
 * The prediction log on its own: the record the inference server writes for each answer, the file
 * layout (by UTC day, rotated by size) and an incremental reader. `serve/` writes through it and
 * `monitor/` reads through it — neither may import the other — and both load nothing of the metadata
 * database. `store/index.ts` exports the same names.
 *
 * @example
 * import { PredictionLogReader } from '../store/predictions/index.js';
 * const reader = new PredictionLogReader(join(ws.root, 'predictions'));
 * await reader.read((r) => console.log(r.version, r.book_ids, r.fallback));
 * const again = new PredictionLogReader(reader.dir, { cursor: reader.cursor }); // continues there
 */

export type { PredictionFile } from '../prediction-files.js';
export {
  comparePredictionFiles,
  listPredictionFiles,
  parsePredictionFileName,
  predictionFileName,
} from '../prediction-files.js';
export type {
  PredictionCursor,
  PredictionReaderOptions,
  PredictionReadStats,
  PredictionSource,
} from '../prediction-reader.js';
export { PredictionLogReader } from '../prediction-reader.js';
export type { PredictionRecord, PredictionRoute } from '../prediction-records.js';
export { PREDICTION_ROUTES, parsePredictionLine, popularityRanks } from '../prediction-records.js';
