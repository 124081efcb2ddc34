import { sql } from 'kysely';
import type { DbHandle } from '../db.js';
import {
  appendTargets,
  checkPurchases,
  checkRef,
  groupPurchases,
  inBatches,
  sortEntries,
} from './online-keys.js';
import type {
  AppendResult,
  CustomerHistory,
  FeatureRef,
  FeatureVersionRecord,
  HistoryEntry,
  OnlinePurchase,
  OnlineStore,
} from './online-store.js';

/**
 * Rows per insert: 5 parameters each stays far below SQLite's 32,766 and PostgreSQL's 65,535 bind
 * parameters, and one statement per 2,000 rows keeps 100k customers to a few hundred round trips.
 */
const ROWS_PER_INSERT = 2000;

interface Row {
  view: string;
  version: string;
  customer: string;
  book: string;
  time: number;
}

/**
 * The online store in the metadata database (SQLite or PostgreSQL), when no Redis is configured:
 * table `online_histories`, multi-row upserts that keep the newer time per (customer, book); a
 * materialisation's last write lists the version in `online_feature_versions`, so a crash midway
 * leaves a version nobody lists (and a retry completes it).
 *
 * @example
 * const online = new DbOnlineStore(mdb);
 * await online.materialise({ view: 'customer_history', version: 'd1-ab12' }, 'ab12…', histories);
 */
export class DbOnlineStore implements OnlineStore {
  readonly kind = 'db' as const;
  readonly location: string;
  readonly #h: DbHandle;
  readonly #close: () => Promise<void>;

  /** @param close what {@link close} releases (nothing by default: the caller owns the database). */
  constructor(handle: DbHandle & { location?: string }, close: () => Promise<void> = async () => {}) {
    this.#h = handle;
    this.location = handle.location ?? handle.dialect;
    this.#close = close;
  }

  async materialise(
    ref: FeatureRef,
    source: string,
    histories: Iterable<CustomerHistory>,
  ): Promise<FeatureVersionRecord> {
    checkRef(ref);
    const { customers, entries } = await inBatches(
      histories,
      ROWS_PER_INSERT,
      (h) => h.entries.length,
      (batch) => this.#upsertAll(rowsOf([ref], batch)),
    );
    const record: FeatureVersionRecord = {
      view: ref.view,
      version: ref.version,
      source,
      customers,
      entries,
      createdAt: this.#h.clock.now(),
    };
    const row = {
      view: ref.view,
      version: ref.version,
      source,
      customers,
      entries,
      created_at: record.createdAt,
    };
    await this.#h.db
      .insertInto('online_feature_versions')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['view', 'version'])
          .doUpdateSet({ source, customers, entries, created_at: row.created_at }),
      )
      .execute();
    return record;
  }

  async history(ref: FeatureRef, customer: string): Promise<HistoryEntry[] | undefined> {
    checkRef(ref);
    const rows = await this.#h.db
      .selectFrom('online_histories')
      .select(['book', 'time'])
      .where('view', '=', ref.view)
      .where('version', '=', ref.version)
      .where('customer', '=', customer)
      .execute();
    if (rows.length === 0) return undefined;
    return sortEntries(rows.map((r) => ({ book: r.book, time: Number(r.time) })));
  }

  async append(purchases: readonly OnlinePurchase[], refs?: readonly FeatureRef[]): Promise<AppendResult> {
    checkPurchases(purchases);
    const targets = await appendTargets(refs, () => this.versions());
    const grouped = groupPurchases(purchases);
    await this.#upsertAll(rowsOf(targets, grouped));
    return { versions: targets, purchases: purchases.length, customers: grouped.length };
  }

  async versions(view?: string): Promise<FeatureVersionRecord[]> {
    let q = this.#h.db.selectFrom('online_feature_versions').selectAll();
    if (view !== undefined) q = q.where('view', '=', view);
    const rows = await q.orderBy('created_at', 'desc').orderBy('version', 'desc').execute();
    return rows.map((r) => ({
      view: r.view,
      version: r.version,
      source: r.source,
      customers: Number(r.customers),
      entries: Number(r.entries),
      createdAt: Number(r.created_at),
    }));
  }

  async close(): Promise<void> {
    await this.#close();
  }

  /** Upserts `rows` in statements of {@link ROWS_PER_INSERT}: one big customer never overflows the bind limit. */
  async #upsertAll(rows: readonly Row[]): Promise<void> {
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
      await this.#upsert(rows.slice(i, i + ROWS_PER_INSERT));
  }

  async #upsert(rows: readonly Row[]): Promise<void> {
    await this.#h.db
      .insertInto('online_histories')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['view', 'version', 'customer', 'book']).doUpdateSet({
          // Keep the newer purchase: a late or re-sent order never moves a book back in time.
          time: sql<number>`case when excluded.time > online_histories.time then excluded.time else online_histories.time end`,
        }),
      )
      .execute();
  }
}

/** One row per (version, customer, book). */
function rowsOf(refs: readonly FeatureRef[], histories: readonly CustomerHistory[]): Row[] {
  const rows: Row[] = [];
  for (const ref of refs) {
    for (const h of histories) {
      for (const e of h.entries) rows.push({ ...ref, customer: h.customer, book: e.book, time: e.time });
    }
  }
  return rows;
}
