import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Samples read to estimate a file's line count, and the bytes of each. */
const SAMPLES = 4;
const SAMPLE_BYTES = 1 << 16;
const LF = 10;
/** Room over the estimate: a little spare is cheaper than one more growth (a copy of every column). */
const MARGIN = 1.02;

/**
 * About how many lines a file holds, from the mean length of the whole lines in a few samples
 * spread over it (an export's lines grow as its ids gain digits, so its head alone would
 * overestimate). A capacity for columns filled line by line: sized from this they rarely grow,
 * and each growth copies them all and holds old and new at once. Exact for a file no larger than
 * one sample; undefined when the file cannot be read (the caller's own read reports why).
 * @example new LineColumns(estimateLines(join(dir, 'order_lines.csv')) ?? 1 << 16)
 */
export function estimateLines(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(Math.min(SAMPLE_BYTES, Math.max(1, size)));
    if (size <= SAMPLE_BYTES) {
      const n = readSync(fd, buf, 0, buf.length, 0);
      const lfs = countLf(buf, 0, n);
      return n > 0 && buf[n - 1] !== LF ? lfs + 1 : lfs;
    }
    let bytes = 0;
    let lines = 0;
    for (let s = 0; s < SAMPLES; s++) {
      // The middle of each of SAMPLES equal parts: the mean over a file whose lines lengthen.
      const at = Math.floor(((size - SAMPLE_BYTES) * (2 * s + 1)) / (2 * SAMPLES));
      const n = readSync(fd, buf, 0, SAMPLE_BYTES, at);
      // Whole lines only: after the line the sample starts inside, up to its last line end.
      const from = buf.indexOf(LF) + 1;
      const last = buf.lastIndexOf(LF, n - 1);
      if (from === 0 || last < from) continue;
      bytes += last + 1 - from;
      lines += countLf(buf, from, last + 1);
    }
    return lines === 0 ? 1 : Math.ceil((size * lines * MARGIN) / bytes);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function countLf(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let p = b.indexOf(LF, from); p >= 0 && p < to; p = b.indexOf(LF, p + 1)) n++;
  return n;
}
