import { describe, expect, it } from 'vitest';
import { exposureMetrics, exposureReport, gini, groupExposure, longTailMask } from './exposure.js';

describe('gini', () => {
  it('is 0 for equal exposure and (n−1)/n when one item holds everything', () => {
    expect(gini([3, 3, 3, 3])).toBe(0);
    expect(gini([0, 0, 0, 4])).toBeCloseTo(0.75, 12);
    expect(gini([])).toBe(0);
    expect(gini([0, 0])).toBe(0);
  });

  it('matches a hand computation', () => {
    // Sorted 1, 2, 3, 4: Σ(2i−n−1)x = −3·1 − 1·2 + 1·3 + 3·4 = 10; n·Σx = 4·10 → 0.25.
    expect(gini([4, 1, 3, 2])).toBeCloseTo(0.25, 12);
    // Sorted 0, 0, 1, 3: −3·0 − 1·0 + 1·1 + 3·3 = 10; 4·4 = 16 → 0.625.
    expect(gini([3, 0, 1, 0])).toBeCloseTo(0.625, 12);
  });
});

describe('long tail', () => {
  it('the head is the most bought 20 % of books, ties to the smaller index', () => {
    // 10 books: the head is 2 books, the two most bought (index 3: 9 buyers; 1 and 7 tie at 5 → 1).
    const pop = Int32Array.from([0, 5, 1, 9, 2, 0, 3, 5, 1, 0]);
    const tail = longTailMask(pop);
    expect(Array.from(tail)).toEqual([1, 0, 1, 0, 1, 1, 1, 1, 1, 1]);
  });
});

describe('exposure report', () => {
  const pop = Int32Array.from([10, 8, 6, 4, 2]); // head: ceil(0.2·5) = 1 book, index 0
  it('long-tail share and Gini by book, author and genre on a hand-computed case', () => {
    // 4 lists of 2 slots: book 0 three times, book 1 twice, books 2, 3, 4 once each.
    const exposure = Int32Array.from([3, 2, 1, 1, 1]);
    const r = exposureReport(exposure, pop, {
      author: ['a', 'a', 'b', 'b', 'c'], // a: 5, b: 2, c: 1
      genre: ['x', 'y', 'x', 'y', 'x'], // x: 5, y: 3
    });
    expect(r.slots).toBe(8);
    expect(r.longTailShare).toBeCloseTo(5 / 8, 12);
    // Sorted 1,1,1,2,3: (−4−2+0)·1 + 2·2 + 4·3 = 10; 5·8 = 40 → 0.25.
    expect(r.giniBook).toBeCloseTo(0.25, 12);
    // Authors sorted 1,2,5: −2·1 + 0 + 2·5 = 8; 3·8 = 24 → 1/3.
    expect(r.byAuthor).toEqual({ gini: expect.closeTo(1 / 3, 12), groups: 3 });
    // Genres sorted 3,5: −3 + 5 = 2; 2·8 = 16 → 0.125.
    expect(r.byGenre).toEqual({ gini: expect.closeTo(0.125, 12), groups: 2 });
    expect(r.head).toEqual({ share: 0.2, books: 1 });
    expect(exposureMetrics(r)).toEqual({
      long_tail_exposure: 5 / 8,
      exposure_gini_book: r.giniBook,
      exposure_gini_author: (r.byAuthor as { gini: number }).gini,
      exposure_gini_genre: (r.byGenre as { gini: number }).gini,
    });
  });

  it('most-popular only: no tail exposure, maximal concentration', () => {
    const r = exposureReport(Int32Array.from([7, 0, 0, 0, 0]), pop, { author: ['a', 'b', 'c', 'd', 'e'] });
    expect(r.longTailShare).toBe(0);
    expect(r.giniBook).toBeCloseTo(0.8, 12);
    expect(r.byAuthor).toEqual({ gini: expect.closeTo(0.8, 12), groups: 5 });
  });

  it('a catalogue without authors or genres: not applicable, with the reason, and no metric', () => {
    const r = exposureReport(Int32Array.from([1, 1, 1, 1, 1]), pop, {
      author: ['', '', '', '', ''],
      genre: ['x', 'y', '', 'x', 'y'],
    });
    expect(r.byAuthor).toEqual({ notApplicable: 'no book in the catalogue has an author' });
    expect(r.byGenre).toEqual({ notApplicable: 'only 4 of 5 books have a genre (needs 95 %)' });
    expect(exposureReport(Int32Array.from([1, 0, 0, 0, 0]), pop).byGenre).toEqual({
      notApplicable: 'the dataset has no genre column for its books',
    });
    const m = exposureMetrics(r);
    expect(m).not.toHaveProperty('exposure_gini_author');
    expect(m).not.toHaveProperty('exposure_gini_genre');
  });

  it('groups leave out books without a label once the catalogue mostly has them', () => {
    const labels = Array.from({ length: 20 }, (_, i) => (i === 0 ? '' : i < 10 ? 'p' : 'q'));
    const totals = groupExposure(new Int32Array(20).fill(1), labels, 'author');
    expect(Array.from(totals as Float64Array)).toEqual([9, 10]);
  });
});
