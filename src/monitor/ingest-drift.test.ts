import { describe, expect, it } from 'vitest';
import { interactionsFrom, randomInteractions } from '../../test/fixtures/interactions.js';
import type { Interactions } from '../data/index.js';
import { ingestDrift } from './ingest-drift.js';

/** The same purchases with book i renamed to book (items - 1 - i): best-sellers become the tail. */
function reversed(x: Interactions): Interactions {
  const n = x.itemIds.length;
  return { ...x, item: Int32Array.from(x.item, (i) => n - 1 - i) };
}

describe('ingestDrift', () => {
  it('finds no drift between two draws of the same popularity mix', () => {
    const r = ingestDrift(randomInteractions(2, 300, 200, 8000), randomInteractions(1, 300, 200, 8000));
    expect(r.isDrift, r.reason).toBe(false);
    expect(r.statistic).toBeLessThan(0.1);
    expect(r.summary).toMatch(/^no data drift: purchase rank D /);
    expect(r.reference).toMatchObject({ lines: 8000, sampled: 8000 });
  });

  it('finds drift when tastes turn over, even though the count distribution is the same', () => {
    const before = randomInteractions(1, 300, 200, 8000);
    const r = ingestDrift(reversed(randomInteractions(2, 300, 200, 8000)), before);
    expect(r.isDrift, r.reason).toBe(true);
    expect(r.statistic).toBeGreaterThan(0.5);
    expect(r.pValue).toBeLessThan(1e-6);
    expect(r.summary).toMatch(/^data drift: /);
  });

  it('ranks books production never sold last and reports their share', () => {
    const reference = interactionsFrom([
      [0, 0],
      [1, 0],
      [2, 1],
    ]);
    const current = {
      ...interactionsFrom([
        [0, 0],
        [1, 2],
        [2, 2],
        [3, 1],
      ]),
      itemIds: ['0', '1', '9'],
    };
    const r = ingestDrift(current, reference, { minEffect: 0 });
    expect(r.newBookShare).toBe(0.5);
    expect(r.current).toMatchObject({ lines: 4, books: 3 });
    expect(r.location).toBeGreaterThanOrEqual(1);
  });

  it('draws at most maxLines per side, the same for the same seed', () => {
    const a = randomInteractions(1, 300, 200, 8000);
    const b = randomInteractions(2, 300, 200, 8000);
    const r = ingestDrift(a, b, { maxLines: 1000, seed: 3 });
    expect(r.current.sampled).toBe(1000);
    expect(ingestDrift(a, b, { maxLines: 1000, seed: 3 })).toEqual(r);
  });

  it('refuses an empty dataset, naming the side', () => {
    const empty = interactionsFrom([]);
    expect(() => ingestDrift(empty, randomInteractions(1, 10, 10, 100))).toThrow(
      expect.objectContaining({ code: 'MONITOR_EMPTY_SAMPLE', field: 'current' }),
    );
  });
});
