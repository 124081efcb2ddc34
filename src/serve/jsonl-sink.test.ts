import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { PredictionLogReader, type PredictionRecord } from '../store/predictions/index.js';
import { jsonlFileSink } from './jsonl-sink.js';
import type { PredictionBatch } from './prediction-log.js';

const T0 = Date.UTC(2026, 2, 1, 12);

function record(n: number): PredictionRecord {
  return {
    time: new Date(T0 + n).toISOString(),
    version: '7',
    role: 'primary',
    route: 'recommend',
    book_ids: [n],
    k: 2,
    returned: [1, 2],
    scores: [0.5, 0.25],
    fallback: false,
    book_ranks: [3],
    returned_ranks: [1, 2],
  };
}

/** A batch of records numbered from `from`. */
function batch(from: number, n: number): PredictionBatch {
  const records = Array.from({ length: n }, (_, i) => record(from + i));
  return {
    length: n,
    record: (i) => records[i],
    jsonLines: () => records.map((r) => `${JSON.stringify(r)}\n`).join(''),
  };
}
const LINE = Buffer.byteLength(batch(1000, 1).jsonLines());

function logDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'bookml-sink-')), 'predictions');
}

async function readBack(dir: string) {
  const got: number[] = [];
  const stats = await new PredictionLogReader(dir).read((r) => got.push(r.book_ids[0] as number));
  return { got, stats };
}

const sizes = (dir: string) => readdirSync(dir).map((f) => statSync(join(dir, f)).size);

describe('jsonlFileSink', () => {
  it('rotates by size within a day, then by day, and readers get every record in order', async () => {
    const dir = logDir();
    const clock = new ManualClock(T0);
    const sink = jsonlFileSink(dir, { clock, maxFileBytes: 3 * LINE, maxTotalBytes: 1000 * LINE });
    for (let b = 0; b < 4; b++) await sink.write(batch(1000 + b * 2, 2));
    clock.set(T0 + 86_400_000);
    await sink.write(batch(1008, 1));
    await sink.close();
    expect(readdirSync(dir).sort()).toEqual([
      'predictions-2026-03-01.1.jsonl',
      'predictions-2026-03-01.2.jsonl',
      'predictions-2026-03-01.3.jsonl',
      'predictions-2026-03-01.jsonl',
      'predictions-2026-03-02.jsonl',
    ]);
    expect(Math.max(...sizes(dir))).toBeLessThanOrEqual(3 * LINE);
    const { got, stats } = await readBack(dir);
    expect(got).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008]);
    expect(stats).toMatchObject({ malformed: 0, torn: 0 });
  });

  it('deletes the oldest files past the total cap, never the one being written', async () => {
    const dir = logDir();
    const sink = jsonlFileSink(dir, {
      clock: new ManualClock(T0),
      maxFileBytes: 10 * LINE,
      maxTotalBytes: 35 * LINE,
    });
    // Heavy batch traffic: 300 records, ten times the cap's worth of files.
    for (let b = 0; b < 60; b++) {
      await sink.write(batch(1000 + b * 5, 5));
      expect(sizes(dir).reduce((a, s) => a + s, 0)).toBeLessThanOrEqual(35 * LINE);
    }
    expect(sink.stats()).toMatchObject({ totalBytes: sizes(dir).reduce((a, s) => a + s, 0) });
    expect(sink.stats().filesDeleted).toBeGreaterThan(20);
    await sink.close();
    // What is left is the newest records, whole and in order.
    const { got } = await readBack(dir);
    expect(got.at(-1)).toBe(1299);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => 1300 - got.length + i));
    expect(got.length).toBeGreaterThanOrEqual(25);
  });

  it('after a crash left half a line, writes the next record on a line of its own', async () => {
    const dir = logDir();
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'predictions-2026-03-01.jsonl');
    const whole = batch(1, 1).jsonLines();
    writeFileSync(file, whole + whole.slice(0, 25));
    const sink = jsonlFileSink(dir, { clock: new ManualClock(T0) });
    await sink.write(batch(2, 2));
    await sink.close();
    // Same file, continued; the torn line stays alone.
    expect(readdirSync(dir)).toEqual(['predictions-2026-03-01.jsonl']);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[1]).toBe(whole.slice(0, 25));
    const { got, stats } = await readBack(dir);
    expect(got).toEqual([1, 2, 3]);
    expect(stats).toMatchObject({ malformed: 1, torn: 0 });
  });

  it('continues a whole file without an empty line, and starts a new one when it is full', async () => {
    const dir = logDir();
    const clock = new ManualClock(T0);
    const first = jsonlFileSink(dir, { clock, maxFileBytes: 4 * LINE, maxTotalBytes: 100 * LINE });
    await first.write(batch(1, 2));
    await first.close();
    const second = jsonlFileSink(dir, { clock, maxFileBytes: 4 * LINE, maxTotalBytes: 100 * LINE });
    await second.write(batch(3, 1));
    await second.write(batch(4, 2));
    await second.close();
    expect(readFileSync(join(dir, 'predictions-2026-03-01.jsonl'), 'utf8')).toBe(batch(1, 3).jsonLines());
    expect(readFileSync(join(dir, 'predictions-2026-03-01.1.jsonl'), 'utf8')).toBe(batch(4, 2).jsonLines());
  });

  it('refuses a cap smaller than one file, naming the option', () => {
    expect(() => jsonlFileSink(logDir(), { maxFileBytes: 100, maxTotalBytes: 50 })).toThrow(
      expect.objectContaining({ code: 'SERVE_INVALID_CONFIG', field: 'maxTotalBytes' }),
    );
    expect(() => jsonlFileSink(logDir(), { maxFileBytes: 0 })).toThrow(
      expect.objectContaining({ field: 'maxFileBytes' }),
    );
  });
});
