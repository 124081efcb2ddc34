import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CsvRecord, fieldInt, fieldText, fieldTexts, readCsvFile, readCsvHeader } from './csv-reader.js';
import type { WrittenFiles } from './dataset-writer.js';
import { DataBadFileError } from './errors.js';
import { DATASET_FILES, DATASET_HEADERS, type DatasetFile, type DatasetManifest } from './schema.js';

const CANONICAL_INT = /^(0|[1-9][0-9]{0,14})$/;

/**
 * The dataset hash: sha256 over the lines `<file sha256>  <file name>\n` in DATASET_FILES order,
 * i.e. exactly what `sha256sum books.csv customers.csv orders.csv order_lines.csv | sha256sum`
 * prints in a dataset folder, so anyone can check a hash without bookml.
 */
export function datasetHash(files: DatasetManifest['files']): string {
  const h = createHash('sha256');
  for (const f of DATASET_FILES) h.update(`${files[f].sha256}  ${f}\n`);
  return h.digest('hex');
}

/** True when `dir` holds all four dataset files. */
export function hasDatasetFiles(dir: string): boolean {
  return DATASET_FILES.every((f) => existsSync(join(dir, f)));
}

/**
 * Refuse a folder whose files do not start with exactly the standard headers, as
 * {@link inspectDatasetDir} does, reading only the first line of each.
 */
export function checkDatasetHeaders(dir: string): void {
  for (const f of DATASET_FILES) checkHeader(f, readCsvHeader(join(dir, f), false));
}

function checkHeader(f: DatasetFile, fields: string[]): void {
  const header = fields.join(',');
  if (header !== DATASET_HEADERS[f]) {
    throw new DataBadFileError(f, `header is "${header}", expected "${DATASET_HEADERS[f]}"`, 'header');
  }
}

/**
 * Read the four files of a dataset folder once each: check the headers, hash the bytes, count the
 * records and find whether every book id is an integer. Used for folders a user brings (the
 * writers of generate and import already know all this).
 */
export function inspectDatasetDir(
  dir: string,
  onProgress?: (doneBytes: number, totalBytes: number) => void,
): WrittenFiles {
  const files = {} as DatasetManifest['files'];
  const rows = {} as Record<DatasetFile, number>;
  let allInt = true;
  let doneBefore = 0;
  for (const f of DATASET_FILES) {
    if (!existsSync(join(dir, f))) {
      throw new DataBadFileError(f, `missing from ${dir}: a dataset needs ${DATASET_FILES.join(', ')}`);
    }
  }
  const total = DATASET_FILES.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  for (const f of DATASET_FILES) {
    const path = join(dir, f);
    const hash = createHash('sha256');
    let n = -1;
    const bookCol = f === 'books.csv' ? 0 : f === 'order_lines.csv' ? 1 : -1;
    const bytes = readCsvFile(
      path,
      (r: CsvRecord) => {
        if (n++ < 0) {
          checkHeader(f, fieldTexts(r));
          return;
        }
        if (
          allInt &&
          bookCol >= 0 &&
          fieldInt(r, bookCol) < 0 &&
          !CANONICAL_INT.test(fieldText(r, bookCol))
        ) {
          allInt = false;
        }
      },
      {
        onBytes: (chunk) => hash.update(chunk),
        onProgress: onProgress && ((done) => onProgress(doneBefore + done, total)),
      },
    );
    doneBefore += bytes;
    if (n < 0)
      throw new DataBadFileError(f, `is empty: expected the header "${DATASET_HEADERS[f]}"`, 'header');
    files[f] = { sha256: hash.digest('hex'), bytes };
    rows[f] = n;
  }
  return {
    dir,
    files,
    counts: {
      books: rows['books.csv'],
      customers: rows['customers.csv'],
      orders: rows['orders.csv'],
      orderLines: rows['order_lines.csv'],
    },
    itemIdKind: allInt ? 'int' : 'string',
  };
}
