import { basename } from 'node:path';
import { fieldText, headerColumns, readCsvFile } from './csv-reader.js';
import type { IdIndex } from './id-index.js';
import type { CatalogueColumns } from './line-columns.js';
import type { Book } from './schema.js';

/**
 * Read a book catalogue CSV with the columns `id,title,author` and optionally `genre` and `price`
 * (other columns are ignored). A repeated id keeps its first row; a missing price reads as NaN.
 * @example const books = readCatalogue('books.csv');
 */
export function readCatalogue(path: string): Book[] {
  const file = basename(path);
  const out: Book[] = [];
  const seen = new Set<string>();
  let cols: number[] = [];
  let genreCol = -1;
  let priceCol = -1;
  readCsvFile(path, (r) => {
    if (cols.length === 0) {
      cols = headerColumns(r, ['id', 'title', 'author'], file);
      for (let i = 0; i < r.count; i++) {
        const name = fieldText(r, i).trim();
        if (name === 'genre') genreCol = i;
        if (name === 'price') priceCol = i;
      }
      return;
    }
    // Ids byte for byte, as the purchase lines have them (see importFile).
    const id = fieldText(r, cols[0]);
    if (id.trim() === '' || seen.has(id)) return;
    seen.add(id);
    const price = priceCol >= 0 ? fieldText(r, priceCol).trim() : '';
    out.push({
      id,
      title: fieldText(r, cols[1]),
      author: fieldText(r, cols[2]),
      genre: genreCol >= 0 ? fieldText(r, genreCol) : '',
      price: price === '' ? Number.NaN : Number(price),
    });
  });
  return out;
}

/** {@link readCatalogue}, interning each id into `items`; names come back by item index. */
export function readCatalogueFile(path: string, items: IdIndex): CatalogueColumns {
  const names: CatalogueColumns = { title: [], author: [], genre: [] };
  for (const b of readCatalogue(path)) {
    if (items.internString(b.id) < names.title.length) continue;
    names.title.push(b.title);
    names.author.push(b.author);
    names.genre.push(b.genre);
  }
  return names;
}
