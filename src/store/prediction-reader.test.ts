import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPredictionFiles, parsePredictionFileName, predictionFileName } from './prediction-files.js';
import { PredictionLogReader } from './prediction-reader.js';
import { type PredictionRecord, parsePredictionLine, popularityRanks } from './prediction-records.js';

function record(n: number, over: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    time: new Date(Date.UTC(2026, 2, 1, 12, 0, n)).toISOString(),
    version: '7',
    role: 'primary',
    route: 'recommend',
    book_ids: [n],
    k: 3,
    returned: [1, 2, 3],
    scores: [0.5, 0.25, 0.125],
    fallback: false,
    book_ranks: [n + 1],
    returned_ranks: [1, 2, 3],
    ...over,
  };
}
const line = (n: number) => `${JSON.stringify(record(n))}\n`;

function logDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'bookml-plog-')), 'predictions');
  mkdirSync(dir);
  return dir;
}

async function readAll(reader: PredictionLogReader) {
  const got: number[] = [];
  const stats = await reader.read((r) => got.push(r.book_ids[0] as number));
  return { got, stats };
}

describe('prediction files', () => {
  it('name a day and its rotations, and list oldest first (sequence numerically)', async () => {
    const dir = logDir();
    const names = [
      predictionFileName('2026-03-02', 0),
      predictionFileName('2026-03-01', 10),
      predictionFileName('2026-03-01', 2),
      predictionFileName('2026-03-01', 0),
    ];
    for (const n of names) writeFileSync(join(dir, n), 'x');
    writeFileSync(join(dir, 'notes.txt'), 'not a log file');
    expect(parsePredictionFileName('predictions-2026-03-01.2.jsonl')).toEqual({ day: '2026-03-01', seq: 2 });
    expect(parsePredictionFileName('predictions-2026-03-01.0.jsonl')).toBeNull();
    expect((await listPredictionFiles(dir)).map((f) => f.name)).toEqual([
      'predictions-2026-03-01.jsonl',
      'predictions-2026-03-01.2.jsonl',
      'predictions-2026-03-01.10.jsonl',
      'predictions-2026-03-02.jsonl',
    ]);
    expect(await listPredictionFiles(join(dir, 'missing'))).toEqual([]);
  });
});

describe('prediction records', () => {
  it('parse a record line and refuse anything else without throwing', () => {
    expect(parsePredictionLine(JSON.stringify(record(1)))).toEqual(record(1));
    const withNull = parsePredictionLine(JSON.stringify({ ...record(1), scores: [null, 0.5] }));
    expect(withNull?.scores[0]).toBeNaN();
    for (const bad of [
      '',
      '{"time":"2026',
      '[1,2]',
      'null',
      JSON.stringify({ ...record(1), role: 'shadow' }),
    ])
      expect(parsePredictionLine(bad)).toBeNull();
  });

  it('rank books by popularity from 1, never-bought books share the last rank', () => {
    expect(Array.from(popularityRanks(Int32Array.from([2, 0]), 4))).toEqual([2, 3, 1, 3]);
  });
});

describe('PredictionLogReader', () => {
  it('reads across files in write order, then only what is new', async () => {
    const dir = logDir();
    writeFileSync(join(dir, predictionFileName('2026-03-01', 0)), line(1) + line(2));
    writeFileSync(join(dir, predictionFileName('2026-03-01', 1)), line(3));
    const reader = new PredictionLogReader(dir);
    expect((await readAll(reader)).got).toEqual([1, 2, 3]);
    expect((await readAll(reader)).got).toEqual([]);
    appendFileSync(join(dir, predictionFileName('2026-03-01', 1)), line(4));
    writeFileSync(join(dir, predictionFileName('2026-03-02', 0)), line(5));
    const { got, stats } = await readAll(reader);
    expect(got).toEqual([4, 5]);
    expect(stats).toMatchObject({ records: 2, malformed: 0, torn: 0, more: false });
  });

  it('leaves a half-written last line for the next read', async () => {
    const dir = logDir();
    const file = join(dir, predictionFileName('2026-03-01', 0));
    const full = line(2);
    writeFileSync(file, line(1) + full.slice(0, 20));
    const reader = new PredictionLogReader(dir);
    expect((await readAll(reader)).got).toEqual([1]);
    appendFileSync(file, full.slice(20));
    expect((await readAll(reader)).got).toEqual([2]);
  });

  it('skips a torn tail once a newer file exists, and a torn line closed by a newline', async () => {
    const dir = logDir();
    const torn = line(2).slice(0, 30);
    writeFileSync(join(dir, predictionFileName('2026-03-01', 0)), line(1) + torn);
    // The writer restarted on a continued file: a newline first, then whole records.
    writeFileSync(join(dir, predictionFileName('2026-03-01', 1)), `${torn}\n${line(3)}`);
    writeFileSync(join(dir, predictionFileName('2026-03-01', 2)), line(4));
    const { got, stats } = await readAll(new PredictionLogReader(dir));
    expect(got).toEqual([1, 3, 4]);
    expect(stats).toMatchObject({ torn: 1, malformed: 1 });
  });

  it('continues from a saved cursor, and forgets files the cap deleted', async () => {
    const dir = logDir();
    const a = join(dir, predictionFileName('2026-03-01', 0));
    writeFileSync(a, line(1));
    const first = new PredictionLogReader(dir);
    await readAll(first);
    appendFileSync(a, line(2));
    writeFileSync(join(dir, predictionFileName('2026-03-01', 1)), line(3));
    const second = new PredictionLogReader(dir, { cursor: JSON.parse(JSON.stringify(first.cursor)) });
    expect((await readAll(second)).got).toEqual([2, 3]);
    rmSync(a);
    await readAll(second);
    expect(Object.keys(second.cursor)).toEqual(['predictions-2026-03-01.1.jsonl']);
  });

  it('starts at the end when asked, and stops at its byte budget', async () => {
    const dir = logDir();
    const file = join(dir, predictionFileName('2026-03-01', 0));
    writeFileSync(file, line(1) + line(2));
    const tail = new PredictionLogReader(dir, { from: 'end' });
    expect((await readAll(tail)).got).toEqual([]);
    appendFileSync(file, line(3));
    expect((await readAll(tail)).got).toEqual([3]);

    const small = new PredictionLogReader(dir, { maxBytesPerRead: line(1).length + 5 });
    const one = await readAll(small);
    expect(one.got).toEqual([1]);
    expect(one.stats.more).toBe(true);
    expect((await readAll(small)).got).toEqual([2]);
    const last = await readAll(small);
    expect(last.got).toEqual([3]);
    expect(last.stats.more).toBe(false);
  });

  it('reads lines longer than its read chunk', async () => {
    const dir = logDir();
    const big = record(1, { book_ids: Array.from({ length: 200_000 }, (_, i) => i + 1) });
    writeFileSync(join(dir, predictionFileName('2026-03-01', 0)), `${JSON.stringify(big)}\n${line(2)}`);
    const got: number[] = [];
    await new PredictionLogReader(dir).read((r) => got.push(r.book_ids.length));
    expect(got).toEqual([200_000, 1]);
  });
});
