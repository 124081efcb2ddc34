import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import type { MetadataDb } from './db.js';
import type { PredictionRecord } from './prediction-records.js';
import { PREDICTION_TABLE_CURSOR, PredictionTable, TablePredictionReader } from './prediction-table.js';
import { createTestDatabase, probePostgres, type TestDatabase } from './test-databases.js';

const pgDown = await probePostgres();

/** A record line as the file sink writes it; `n` is carried in `k` so order can be checked. */
const line = (n: number, version = '1') =>
  JSON.stringify({
    time: new Date(Date.UTC(2026, 2, 1, 12, 0, 0, n)).toISOString(),
    version,
    role: 'primary',
    route: 'recommend',
    book_ids: [n % 7],
    k: n,
    returned: [1, 2],
    scores: [0.5, null],
    fallback: false,
  });

const readAll = async (reader: TablePredictionReader) => {
  const got: PredictionRecord[] = [];
  const stats = await reader.read((r) => got.push(r));
  return { got, stats };
};

for (const dialect of ['sqlite', 'postgres'] as const) {
  const down = dialect === 'postgres' ? pgDown : undefined;
  describe.skipIf(down !== undefined)(
    `PredictionTable on ${dialect}${down ? ` — skipped: ${down}` : ''}`,
    () => {
      let t: TestDatabase | null = null;
      afterAll(async () => {
        await t?.dispose();
      });
      const open = async (clock = new ManualClock(Date.UTC(2026, 2, 1))): Promise<MetadataDb> => {
        t ??= await createTestDatabase(dialect);
        return t.open({ clock });
      };

      it('hands over the records after the cursor, in insert order, across bounded multi-row inserts', async () => {
        const table = new PredictionTable(await open());
        // 1200 rows: three INSERT statements in one transaction.
        await table.insert(Array.from({ length: 1200 }, (_, i) => line(i)));
        const reader = new TablePredictionReader(table);
        const first = await readAll(reader);
        expect(first.got.map((r) => r.k)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
        expect(first.got[0].scores[1]).toBeNaN(); // null scores read as NaN, as the file reader does
        expect(first.stats).toMatchObject({ records: 1200, malformed: 0, more: false });
        // Nothing new: nothing read. A new reader given the cursor continues where this one stopped.
        expect((await readAll(reader)).stats.records).toBe(0);
        await table.insert([line(1200), 'not json', line(1201)]);
        const again = new TablePredictionReader(table, { cursor: reader.cursor });
        const next = await readAll(again);
        expect(next.got.map((r) => r.k)).toEqual([1200, 1201]);
        expect(next.stats.malformed).toBe(1);
        expect(again.cursor[PREDICTION_TABLE_CURSOR]).toBe(await table.lastId());
        // A cursor of the folder reader (file names) means nothing here: read from the start.
        const fromFiles = new TablePredictionReader(table, {
          cursor: { 'predictions-2026-03-01.jsonl': 10 },
        });
        expect((await readAll(fromFiles)).stats.records).toBe(1202);
      });

      it('keeps to the byte budget and says there is more; `from: end` skips the backlog', async () => {
        const table = new PredictionTable(await open());
        const before = await table.lastId();
        await table.insert(Array.from({ length: 50 }, (_, i) => line(5000 + i)));
        const one = Buffer.byteLength(line(5000)) + 1;
        const reader = new TablePredictionReader(table, {
          cursor: { [PREDICTION_TABLE_CURSOR]: before },
          maxBytesPerRead: one * 20,
        });
        const seen: number[] = [];
        for (;;) {
          const { got, stats } = await readAll(reader);
          seen.push(...got.map((r) => r.k));
          expect(stats.bytes).toBeLessThanOrEqual(one * 20 + one);
          if (!stats.more) break;
        }
        expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => 5000 + i));

        const tail = new TablePredictionReader(table, { from: 'end' });
        expect((await readAll(tail)).stats.records).toBe(0);
        await table.insert([line(9000)]);
        expect((await readAll(tail)).got.map((r) => r.k)).toEqual([9000]);
      });

      it('prunes rows inserted before a time; a reader past them goes on, ids never reused', async () => {
        const clock = new ManualClock(Date.UTC(2026, 5, 1));
        const table = new PredictionTable(await open(clock));
        const start = await table.lastId();
        await table.insert([line(1), line(2)]);
        clock.advance(3_600_000);
        await table.insert([line(3)]);
        const reader = new TablePredictionReader(table, { cursor: { [PREDICTION_TABLE_CURSOR]: start } });
        // Everything older than 30 minutes goes: the rows of the first insert and every earlier test's.
        expect(await table.prune(clock.now() - 1_800_000)).toBeGreaterThanOrEqual(2);
        expect((await readAll(reader)).got.map((r) => r.k)).toEqual([3]);
        const last = await table.lastId();
        await table.prune(clock.now() + 1);
        await table.insert([line(4)]);
        expect(await table.lastId()).toBeGreaterThan(last);
        expect((await readAll(reader)).got.map((r) => r.k)).toEqual([4]);
      });

      it('concurrent writers commit ids in order: a reader polling meanwhile misses nothing', async () => {
        const a = new PredictionTable(await open());
        // Two connections on PostgreSQL. better-sqlite3 is synchronous: a second connection in this thread
        // would block it while the first holds the write lock, so SQLite shares one (separate processes
        // wait on the file lock instead; the serving/monitor e2e test runs them).
        const b = dialect === 'sqlite' ? a : new PredictionTable(await open());
        const reader = new TablePredictionReader(a, { from: 'end' });
        await readAll(reader);
        const seen: number[] = [];
        let done = false;
        const poll = (async () => {
          while (!done) seen.push(...(await readAll(reader)).got.map((r) => r.k));
        })();
        poll.catch(() => {});
        const writer = async (table: PredictionTable, base: number) => {
          for (let i = 0; i < 10; i++)
            await table.insert(Array.from({ length: 50 }, (_, j) => line(base + i * 50 + j)));
        };
        await Promise.all([writer(a, 100_000), writer(b, 200_000)]);
        done = true;
        await poll;
        seen.push(...(await readAll(reader)).got.map((r) => r.k));
        expect(seen.length).toBe(1000);
        expect(new Set(seen).size).toBe(1000);
      });
    },
  );
}
