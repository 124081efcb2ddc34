import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { databaseSink, type PredictionTablePort } from './database-sink.js';
import type { PredictionBatch } from './prediction-log.js';

/** A batch of `n` records, as the prediction log hands them over (JSON lines, each ending in \n). */
const batch = (from: number, n: number): PredictionBatch => ({
  length: n,
  record: () => {
    throw new Error('the sink writes the JSON lines');
  },
  jsonLines: () => Array.from({ length: n }, (_, i) => `{"k":${from + i}}\n`).join(''),
});

/** The table port in memory: what was inserted, and every prune's cut-off. */
function memoryTable() {
  const rows: string[] = [];
  const prunes: number[] = [];
  let failPrune = false;
  const port: PredictionTablePort = {
    insert: async (lines) => {
      rows.push(...lines);
    },
    prune: async (before) => {
      prunes.push(before);
      if (failPrune) throw new Error('prune failed');
      return 0;
    },
  };
  return { port, rows, prunes, failing: () => (failPrune = true) };
}

describe('databaseSink', () => {
  it('inserts one row per record, in order, and prunes past the retention at most every pruneEveryMs', async () => {
    const clock = new ManualClock(1_000_000);
    const t = memoryTable();
    const sink = databaseSink(t.port, { clock, retentionMs: 60_000, pruneEveryMs: 10_000 });
    await sink.write(batch(0, 3));
    await sink.write(batch(3, 2));
    expect(t.rows).toEqual(['{"k":0}', '{"k":1}', '{"k":2}', '{"k":3}', '{"k":4}']);
    expect(t.prunes).toEqual([1_000_000 - 60_000]);
    clock.advance(10_000);
    await sink.write(batch(5, 1));
    expect(t.prunes).toEqual([940_000, 950_000]);
    await sink.write(batch(6, 0));
    expect(t.rows).toHaveLength(6);
  });

  it('a failed prune does not fail the write (the batch is in); bad options are refused', async () => {
    const t = memoryTable();
    t.failing();
    const sink = databaseSink(t.port, { clock: new ManualClock(0) });
    await expect(sink.write(batch(0, 1))).resolves.toBeUndefined();
    expect(t.rows).toHaveLength(1);
    expect(() => databaseSink(t.port, { retentionMs: 0 })).toThrow(/retentionMs/);
  });
});
