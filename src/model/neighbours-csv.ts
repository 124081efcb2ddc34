import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { ModelBundle } from './bundle.js';

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * Write `book_id,rank,neighbour_id,score` rows, the seed stack's `neighbours.csv` layout,
 * so its predictor can serve bookml's neighbours and parity can be checked row by row.
 * Scores are written in the shortest form that reads back to the same double.
 */
export async function writeNeighboursCsv(
  bundle: Pick<ModelBundle, 'model' | 'itemIds'>,
  path: string,
): Promise<void> {
  const out = createWriteStream(path);
  const { offsets, neighbours, scores, nItems } = bundle.model;
  const ids = bundle.itemIds.map(csvField);
  let chunk = 'book_id,rank,neighbour_id,score\n';
  for (let i = 0; i < nItems; i++) {
    for (let p = offsets[i], r = 1; p < offsets[i + 1]; p++, r++) {
      chunk += `${ids[i]},${r},${ids[neighbours[p]]},${scores[p]}\n`;
    }
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
