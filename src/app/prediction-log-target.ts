import { join } from 'node:path';
import type { PredictionSourceFactory } from '../monitor/index.js';
import type { PredictionSink } from '../serve/index.js';
import type { App } from './app.js';

/**
 * Where the prediction log lives, chosen by `BOOKML_PREDICTIONS` (`AppConfig.predictions`): serving
 * writes through {@link openPredictionSink}, the drift monitor reads through
 * {@link openPredictionSource}, and both pick the same place — the workspace folder (one machine) or the
 * metadata database's `predictions` table (a cluster, or several local processes on one SQLite file).
 */

/** What serving's ready line says about its prediction log. */
export function predictionLogLocation(app: App): string {
  return app.config.predictions === 'database'
    ? 'database (predictions table)'
    : join(app.workspace.root, 'predictions');
}

/**
 * The sink serving writes sampled answers to: JSONL files under `<workspace>/predictions`, or rows of
 * the metadata database (opened here, so the database stack loads only then).
 * @example const sink = await openPredictionSink(app);
 */
export async function openPredictionSink(app: App): Promise<PredictionSink> {
  const serve = await import('../serve/index.js');
  if (app.config.predictions !== 'database') {
    return serve.jsonlFileSink(join(app.workspace.root, 'predictions'), { clock: app.clock });
  }
  const [store, db] = await Promise.all([import('../store/index.js'), app.stores.db()]);
  return serve.databaseSink(new store.PredictionTable(db), { clock: app.clock });
}

/**
 * How the drift monitor reads the log: undefined for the workspace folder (its default reader), or a
 * factory of readers over the database table.
 */
export async function openPredictionSource(app: App): Promise<PredictionSourceFactory | undefined> {
  if (app.config.predictions !== 'database') return undefined;
  const [store, db] = await Promise.all([import('../store/index.js'), app.stores.db()]);
  const table = new store.PredictionTable(db);
  return (o) => new store.TablePredictionReader(table, o);
}
