/**
 * The online store's contract: customers' purchase histories, materialised per feature version and
 * read one customer at a time while serving (what Feast's online store does for the original system).
 * Two implementations keep it — Redis (`redis-online-store.ts`) and the metadata database
 * (`db-online-store.ts`) — and one suite (`online-store.contract.ts`) checks both.
 */

/** A feature view and one of its versions: what a model's histories are read under. */
export interface FeatureRef {
  /** The feature view (`customer_history`). Letters, digits, `_` and `-`. */
  readonly view: string;
  /** The version, tied to the dataset the model trained on (`d1-<dataset hash prefix>`). Same characters. */
  readonly version: string;
}

/** One distinct book a customer bought, and when they last bought it (epoch ms; 0 when unknown). */
export interface HistoryEntry {
  readonly book: string;
  readonly time: number;
}

/** A customer's history as written: distinct books, each with its newest purchase time. */
export interface CustomerHistory {
  readonly customer: string;
  readonly entries: readonly HistoryEntry[];
}

/** One new order line to append to the histories. */
export interface OnlinePurchase {
  readonly customer: string;
  readonly book: string;
  /** Epoch ms. */
  readonly time: number;
}

/** A materialised feature version, as the store records it once every history is written. */
export interface FeatureVersionRecord extends FeatureRef {
  /** What the histories were built from (the dataset hash). */
  readonly source: string;
  /** Customers and (customer, book) entries written by the materialisation. */
  readonly customers: number;
  readonly entries: number;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** What {@link OnlineStore.append} did. */
export interface AppendResult {
  /** The versions the purchases went into. */
  readonly versions: readonly FeatureRef[];
  /** Purchase lines applied (each to every version). */
  readonly purchases: number;
  /** Distinct customers touched. */
  readonly customers: number;
}

/**
 * Customers' histories by feature version. Entries merge by (customer, book) keeping the newest
 * time, so a materialisation, a retried one and appended orders commute: nothing appended is lost
 * when a version is written again, and writing twice is harmless.
 *
 * @example
 * await store.materialise(ref, 'ab12…', histories);          // the register step, batched
 * await store.append([{ customer: '7', book: '17', time }]); // a new order, no retrain
 * const h = await store.history(ref, '7');                   // [{ book: '17', time }, …] or undefined
 */
export interface OnlineStore {
  /** `redis` or `db` (SQLite / PostgreSQL). */
  readonly kind: 'redis' | 'db';
  /** Where the histories live (passwords masked). */
  readonly location: string;
  /**
   * Write every history of `ref` (batched: pipelined Redis commands, multi-row inserts), then record
   * the version. A version is listed by {@link versions} only once all of it is written. Customers
   * are distinct in `histories`, and books distinct within a customer's entries.
   */
  materialise(
    ref: FeatureRef,
    source: string,
    histories: Iterable<CustomerHistory>,
  ): Promise<FeatureVersionRecord>;
  /** One customer's history in `ref`, newest first (ties: book id order); `undefined` when there is none. */
  history(ref: FeatureRef, customer: string): Promise<HistoryEntry[] | undefined>;
  /**
   * Append purchases to `refs`, default every materialised version of every view: the histories the
   * served models read change at once, without a retrain or a reload.
   */
  append(purchases: readonly OnlinePurchase[], refs?: readonly FeatureRef[]): Promise<AppendResult>;
  /** The materialised versions, newest first; of one view when given. */
  versions(view?: string): Promise<FeatureVersionRecord[]>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}
