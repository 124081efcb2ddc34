import { sql } from 'kysely';
import { type DbHandle, withTransaction } from './db.js';
import { StoreError } from './errors.js';
import type { PredictionCursor, PredictionReadStats, PredictionSource } from './prediction-reader.js';
import { type PredictionRecord, parsePredictionLine } from './prediction-records.js';

/** Rows per INSERT: 2 parameters a row stays far below SQLite's 32766 and PostgreSQL's 65535. */
const ROWS_PER_INSERT = 500;
/** Rows per SELECT page of a read. */
const ROWS_PER_PAGE = 2000;
// pg_advisory_xact_lock(class, object): its own class ("bkpl"), the schema as the object, as EventLog does.
const PREDICTIONS_LOCK_CLASS = 0x626b706c;

/** The cursor key of a database reader (a cursor is a map, so a file cursor and this one never clash). */
export const PREDICTION_TABLE_CURSOR = 'db:predictions';

/**
 * The prediction log as a table of the metadata database (migration `0007-predictions`), for a cluster
 * where serving and the drift monitor run in different pods. A row holds one record as the file log's
 * JSON line, so both backends mean the same thing and one parser reads them.
 *
 * Ids are handed out in commit order — SQLite has one writer; on PostgreSQL an insert takes a
 * transaction-scoped advisory lock, so two serving replicas never commit ids out of order — hence a
 * reader that has seen id N can never later find a smaller id committed behind it.
 *
 * @example
 * const table = new PredictionTable(mdb);
 * await table.insert(['{"time":"2026-03-01T12:00:00.000Z",…}']);
 * await table.prune(clock.now() - 7 * 86_400_000);
 */
export class PredictionTable {
  readonly #h: DbHandle;

  constructor(handle: DbHandle) {
    this.#h = handle;
  }

  /** Insert records (JSON lines, without newlines) in order, in bounded multi-row INSERTs, all or none. */
  async insert(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const createdAt = this.#h.clock.now();
    await withTransaction(this.#h, async (tx) => {
      if (tx.dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(${sql.lit(PREDICTIONS_LOCK_CLASS)}, hashtext(current_schema()))`.execute(
          tx.db,
        );
      }
      for (let at = 0; at < lines.length; at += ROWS_PER_INSERT) {
        const rows = lines
          .slice(at, at + ROWS_PER_INSERT)
          .map((record) => ({ record, created_at: createdAt }));
        await tx.db.insertInto('predictions').values(rows).execute();
      }
    });
  }

  /** Rows with `id` greater than `after`, oldest first, at most `limit`. */
  async readAfter(after: number, limit: number): Promise<{ id: number; record: string }[]> {
    const rows = await this.#h.db
      .selectFrom('predictions')
      .select(['id', 'record'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), record: r.record }));
  }

  /** The newest id, 0 when the table is empty. */
  async lastId(): Promise<number> {
    const row = await this.#h.db
      .selectFrom('predictions')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    return row?.id == null ? 0 : Number(row.id);
  }

  /** Delete the rows inserted before `before` (epoch ms); returns how many went. */
  async prune(before: number): Promise<number> {
    const r = await this.#h.db.deleteFrom('predictions').where('created_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

/** Options of {@link TablePredictionReader}. */
export interface TablePredictionReaderOptions {
  /** Continue from here (a cursor saved from an earlier reader; `{ 'db:predictions': id }`). */
  cursor?: PredictionCursor;
  /** Where a reader without a cursor starts: the oldest row kept, or the newest at the first read. @default 'start' */
  from?: 'start' | 'end';
  /** Most record bytes one `read` consumes (a large backlog is read over several calls). @default 67108864 (64 MiB) */
  maxBytesPerRead?: number;
}

/**
 * Reads the {@link PredictionTable} incrementally, with the file reader's semantics: each `read` hands
 * over the records after the cursor (an id) in write order, up to a byte budget (`more` says there is
 * more), skipping and counting rows that are not records. Rows pruned before they were read are gone,
 * as files the file sink's cap deleted are.
 *
 * @example
 * const reader = new TablePredictionReader(new PredictionTable(mdb), { cursor: saved });
 * await reader.read((r) => window.push(r));
 * saved = reader.cursor;
 */
export class TablePredictionReader implements PredictionSource {
  readonly #table: PredictionTable;
  readonly #maxBytes: number;
  #after: number;
  #from: 'start' | 'end';

  constructor(table: PredictionTable, opts: TablePredictionReaderOptions = {}) {
    this.#table = table;
    this.#maxBytes = opts.maxBytesPerRead ?? 64 * 1024 * 1024;
    if (!Number.isSafeInteger(this.#maxBytes) || this.#maxBytes < 1) {
      throw new StoreError('STORE_CONFIG_INVALID', `maxBytesPerRead must be a positive whole number`, {
        field: 'maxBytesPerRead',
      });
    }
    const saved = opts.cursor?.[PREDICTION_TABLE_CURSOR];
    this.#after = Number.isSafeInteger(saved) && (saved as number) >= 0 ? (saved as number) : 0;
    this.#from = saved !== undefined ? 'start' : (opts.from ?? 'start');
  }

  get cursor(): PredictionCursor {
    return { [PREDICTION_TABLE_CURSOR]: this.#after };
  }

  async read(onRecord: (record: PredictionRecord) => void): Promise<PredictionReadStats> {
    if (this.#from === 'end') {
      this.#after = await this.#table.lastId();
      this.#from = 'start';
    }
    const stats: PredictionReadStats = { records: 0, bytes: 0, malformed: 0, torn: 0, files: 0, more: false };
    for (;;) {
      if (stats.bytes >= this.#maxBytes) {
        stats.more = (await this.#table.readAfter(this.#after, 1)).length > 0;
        break;
      }
      const rows = await this.#table.readAfter(this.#after, ROWS_PER_PAGE);
      for (const row of rows) {
        // The budget is checked per row, so a read never consumes much past it.
        if (stats.bytes >= this.#maxBytes) {
          stats.more = true;
          return stats;
        }
        const record = parsePredictionLine(row.record);
        if (record === null) stats.malformed++;
        else {
          stats.records++;
          onRecord(record);
        }
        // Counted as the file log would: the line and its newline.
        stats.bytes += Buffer.byteLength(row.record) + 1;
        this.#after = row.id;
      }
      if (rows.length < ROWS_PER_PAGE) break;
    }
    return stats;
  }
}
