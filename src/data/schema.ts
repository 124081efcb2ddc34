/**
 * The Bookstore schema as bookml stores it. Ids are strings on disk so that a user's export
 * with string item ids ("whole milk") fits as it is; numeric ids are written in decimal.
 */

export interface Book {
  id: string;
  title: string;
  author: string;
  genre: string;
  /** Catalogue price, in the shop's currency. */
  price: number;
}

export interface Customer {
  id: string;
}

export interface Order {
  id: string;
  customer_id: string;
  /** ISO 8601 UTC timestamp. */
  created_at: string;
}

export interface OrderLine {
  order_id: string;
  book_id: string;
  qty: number;
  /** Unit price paid. */
  price: number;
}

/**
 * The Bookstore app's own tables: orders have no customer, so baskets are inferred
 * (see `sessionBaskets`).
 */
export interface AppBook {
  id: number;
  title: string;
  author: string;
  price: number;
}

export interface AppOrder {
  id: number;
  book_id: number;
  qty: number;
  created_at: string;
}

/** The four files of a dataset, in the order their hashes are combined. */
export const DATASET_FILES = ['books.csv', 'customers.csv', 'orders.csv', 'order_lines.csv'] as const;
export type DatasetFile = (typeof DATASET_FILES)[number];

export const DATASET_HEADERS: Record<DatasetFile, string> = {
  'books.csv': 'id,title,author,genre,price',
  'customers.csv': 'id',
  'orders.csv': 'id,customer_id,created_at',
  'order_lines.csv': 'order_id,book_id,qty,price',
};

/** `dataset.json`: what a stored dataset is, where it came from, and its content hash. */
export interface DatasetManifest {
  format: 'bookml-dataset/1';
  /** sha256 over the four files' sha256s, in DATASET_FILES order; names the dataset. */
  hash: string;
  files: Record<DatasetFile, { sha256: string; bytes: number }>;
  counts: { books: number; customers: number; orders: number; orderLines: number };
  /** Whether every book id is an integer (then ids sort numerically, else by code point). */
  itemIdKind: 'int' | 'string';
  source: { kind: 'synthetic' | 'csv' | 'jsonl' | 'postgres' | 'files'; uri: string; options?: unknown };
  /** ISO timestamp of first import; not part of the hash. */
  createdAt: string;
}
