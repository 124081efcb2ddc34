import { type Clock, systemClock } from '../core/index.js';
import { ServeError } from './errors.js';
import type { PredictionBatch, PredictionSink } from './prediction-log.js';

/**
 * The part of the metadata database's prediction table a sink needs (`store`'s `PredictionTable`).
 * A port, so serving a bundle folder never loads the database stack.
 */
export interface PredictionTablePort {
  /** Insert records (JSON lines without newlines) in order, all or none. */
  insert(lines: readonly string[]): Promise<void>;
  /** Delete what was inserted before `before` (epoch ms); returns how many rows went. */
  prune(before: number): Promise<number>;
}

/** Options of {@link databaseSink}. */
export interface DatabaseSinkOptions {
  /** Stamps rows and times the pruning. @default systemClock */
  clock?: Clock;
  /** Rows older than this are deleted, ms. @default 604800000 (7 days) */
  retentionMs?: number;
  /** Prune at most this often, ms (every replica prunes; deleting twice is harmless). @default 600000 (10 min) */
  pruneEveryMs?: number;
}

/** Defaults of {@link databaseSink}. */
export const DATABASE_SINK_DEFAULTS = Object.freeze({
  retentionMs: 7 * 24 * 3_600_000,
  pruneEveryMs: 600_000,
});

/**
 * A prediction sink that inserts each batch into the metadata database's `predictions` table, so a drift
 * monitor in another pod (or process) reads what this server answered. A batch is one transaction of
 * multi-row INSERTs of at most a few hundred rows each (bounded statements); its lines are the file
 * log's JSON lines (`batch.jsonLines()`: written straight from the model's ids, no objects per record).
 * Rows older than `retentionMs` are pruned after a write, at most every `pruneEveryMs`. A failed write
 * rejects: the prediction log drops that batch and counts it, and serving goes on.
 *
 * @example
 * const sink = databaseSink(new PredictionTable(mdb), { clock, retentionMs: 3 * 86_400_000 });
 */
export function databaseSink(table: PredictionTablePort, options: DatabaseSinkOptions = {}): PredictionSink {
  const clock = options.clock ?? systemClock;
  const retentionMs = options.retentionMs ?? DATABASE_SINK_DEFAULTS.retentionMs;
  const pruneEveryMs = options.pruneEveryMs ?? DATABASE_SINK_DEFAULTS.pruneEveryMs;
  for (const [field, v] of [
    ['retentionMs', retentionMs],
    ['pruneEveryMs', pruneEveryMs],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new ServeError(
        'SERVE_INVALID_CONFIG',
        `${field} must be a positive whole number of ms, got ${v}`,
        {
          field,
        },
      );
    }
  }
  let lastPrune = Number.NEGATIVE_INFINITY;
  return {
    async write(batch: PredictionBatch): Promise<void> {
      if (batch.length === 0) return;
      const text = batch.jsonLines();
      // Every line ends in '\n' (JSON escapes newlines inside strings), so the last piece is empty.
      await table.insert(text.split('\n', batch.length));
      const now = clock.now();
      if (now - lastPrune >= pruneEveryMs) {
        lastPrune = now;
        // The batch is in: a failed prune must not count it as dropped. The next one retries.
        await table.prune(now - retentionMs).catch(() => {});
      }
    },
    async close(): Promise<void> {},
  };
}
