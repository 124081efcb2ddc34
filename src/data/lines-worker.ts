import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { readCsvFile } from './csv-reader.js';

/** What the thread that reads `order_lines.csv` is given. */
export interface LinesWorkerData {
  kind: 'bookml-order-lines';
  path: string;
  /** Expected data lines (the manifest's count or an estimate): the columns' first capacity. */
  capacity: number;
  /** Hash the file's bytes as they are read. */
  hash: boolean;
  /** Shared: KiB read so far, for the caller's progress. */
  doneKiB: Int32Array;
}

/** The file's lines as columns (`n` of each), or why the fast path could not take them all. */
export type LinesWorkerResult =
  | {
      ok: true;
      n: number;
      orderId: Int32Array<ArrayBuffer>;
      bookId: Int32Array<ArrayBuffer>;
      qty: Int32Array<ArrayBuffer>;
      sha256: string;
      bytes: number;
    }
  | { ok: false; reason: string };

/** Thrown out of the reader at the first line the fast path does not take. */
class NotFast extends Error {}

/**
 * Read `order_lines.csv` (its header already checked to be the standard one) into three integer
 * columns: order id, book id, qty. Every data line must take the CSV reader's integer fast path;
 * at the first one that does not (a quote, a blank line, an id that is not a plain integer) the
 * thread gives up and the caller reads the file itself, so what it cannot take here it handles
 * exactly as before.
 */
export function readLineColumns(data: LinesWorkerData): LinesWorkerResult {
  let cap = Math.max(16, data.capacity);
  let orderId: Int32Array<ArrayBuffer> = new Int32Array(cap);
  let bookId: Int32Array<ArrayBuffer> = new Int32Array(cap);
  let qty: Int32Array<ArrayBuffer> = new Int32Array(cap);
  let n = 0;
  let header = true;
  const hash = data.hash ? createHash('sha256') : undefined;
  try {
    const bytes = readCsvFile(
      data.path,
      () => {
        if (!header) throw new NotFast();
        header = false;
      },
      {
        onBytes: hash && ((c) => hash.update(c)),
        onProgress: (done) => Atomics.store(data.doneKiB, 0, Math.floor(done / 1024)),
        fast: {
          ints: 3,
          onInts: (l) => {
            // Line numbers are the caller's to give (its errors name them): line = n + 2 until a
            // blank line skews them, and then the caller reads the file itself.
            if (l.line !== n + 2) throw new NotFast();
            if (n === cap) {
              cap = Math.ceil(cap * 1.5);
              orderId = grown(orderId, cap);
              bookId = grown(bookId, cap);
              qty = grown(qty, cap);
            }
            const v = l.v;
            orderId[n] = v[0];
            bookId[n] = v[1];
            qty[n] = v[2];
            n++;
          },
        },
      },
    );
    return { ok: true, n, orderId, bookId, qty, sha256: hash ? hash.digest('hex') : '', bytes };
  } catch (e) {
    return { ok: false, reason: e instanceof NotFast ? 'a line off the fast path' : (e as Error).message };
  }
}

function grown(a: Int32Array<ArrayBuffer>, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

if (parentPort && (workerData as Partial<LinesWorkerData> | null)?.kind === 'bookml-order-lines') {
  const result = readLineColumns(workerData as LinesWorkerData);
  parentPort.postMessage(
    result,
    result.ok ? [result.orderId.buffer, result.bookId.buffer, result.qty.buffer] : [],
  );
}
