import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * How the prediction log lays out its files, shared by the writer (serve's JSONL sink) and the readers
 * (the drift monitor, `bookml drift status`): `predictions-YYYY-MM-DD.jsonl` for a UTC day's first
 * file, then `predictions-YYYY-MM-DD.1.jsonl`, `.2.jsonl`, … as the writer rotates by size. Order is
 * (day, sequence): the order records were written in.
 */
const FILE = /^predictions-(\d{4}-\d{2}-\d{2})(?:\.([1-9]\d{0,8}))?\.jsonl$/;

/** One file of the prediction log. */
export interface PredictionFile {
  /** The file name, e.g. `predictions-2026-03-01.2.jsonl`. */
  readonly name: string;
  readonly path: string;
  /** The UTC day its records were written, `YYYY-MM-DD`. */
  readonly day: string;
  /** Its place within the day: 0 for the day's first file. */
  readonly seq: number;
  /** Bytes on disk when listed. */
  readonly size: number;
}

/**
 * The name of a day's `seq`-th prediction file.
 * @example predictionFileName('2026-03-01', 0) // 'predictions-2026-03-01.jsonl'
 * @example predictionFileName('2026-03-01', 2) // 'predictions-2026-03-01.2.jsonl'
 */
export function predictionFileName(day: string, seq: number): string {
  return seq === 0 ? `predictions-${day}.jsonl` : `predictions-${day}.${seq}.jsonl`;
}

/** Day and sequence of a prediction file name, or null for any other name. */
export function parsePredictionFileName(name: string): { day: string; seq: number } | null {
  const m = FILE.exec(name);
  return m ? { day: m[1], seq: m[2] === undefined ? 0 : Number(m[2]) } : null;
}

/**
 * The prediction files in `dir`, oldest first (by day, then sequence), with their sizes; other files
 * are ignored and a missing folder is an empty log. A file deleted while listing is left out.
 *
 * @example
 * const files = await listPredictionFiles(join(ws.root, 'predictions'));
 * const bytes = files.reduce((n, f) => n + f.size, 0);
 */
export async function listPredictionFiles(dir: string): Promise<PredictionFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: PredictionFile[] = [];
  for (const name of names) {
    const parsed = parsePredictionFileName(name);
    if (parsed === null) continue;
    const path = join(dir, name);
    try {
      const s = await stat(path);
      if (s.isFile()) out.push({ name, path, ...parsed, size: s.size });
    } catch (e) {
      // The writer's cap may delete the oldest file between readdir and stat.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return out.sort(comparePredictionFiles);
}

/** Oldest first: by day, then sequence. */
export function comparePredictionFiles(
  a: Pick<PredictionFile, 'day' | 'seq'>,
  b: Pick<PredictionFile, 'day' | 'seq'>,
): number {
  return a.day < b.day ? -1 : a.day > b.day ? 1 : a.seq - b.seq;
}
