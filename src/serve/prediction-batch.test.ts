import { describe, expect, it } from 'vitest';
import { ByteWriter } from './prediction-batch.js';

describe('ByteWriter', () => {
  it('writes each time whole, also after a time of another length', () => {
    const w = new ByteWriter();
    w.reset(256);
    const times = [Date.UTC(2026, 0, 1), Date.UTC(10000, 0, 1), Date.UTC(2026, 0, 2)];
    for (const t of times) {
      w.timeAt(t);
      w.putTime();
      w.put(Buffer.from('"}\n'));
    }
    const lines = w.bytes().toString('latin1').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { time: string }).time)).toEqual(
      times.map((t) => new Date(t).toISOString()),
    );
  });
});
