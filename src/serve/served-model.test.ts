import { describe, expect, it } from 'vitest';
import { servedModel } from '../../test/serve-fixture.js';
import { parseIntText } from './book-ids.js';
import { scoreJson } from './served-model.js';

const served = (names = false) => servedModel({ k: 6, books: 30, names }, 'v"1');

describe('served model', () => {
  it('answers every book and every k exactly as the recommender does, built lazily', async () => {
    for (const names of [false, true]) {
      const m = await served(names);
      for (let k = m.maxK; k >= 1; k--) {
        for (let i = -1; i < m.nItems; i++) {
          const echo = i >= 0 ? m.idJson(i) : names ? '"nope"' : '999';
          const body = JSON.parse(m.singleAnswerJson(i, echo, k));
          const a = m.recommender.forItem(i, k);
          expect(body.version).toBe('v"1');
          expect(body.k).toBe(k);
          expect(body.fallback).toBe(a.fallback);
          expect(body.recommendations.map((r: { book_id: number | string }) => r.book_id)).toEqual(
            Array.from(a.items, (j) => (names ? m.bundle.itemIds[j] : Number(m.bundle.itemIds[j]))),
          );
          expect(body.recommendations.map((r: { score: number }) => r.score)).toEqual(Array.from(a.scores));
        }
      }
    }
  });

  it('maps ids by the model id type', async () => {
    const m = await served();
    expect(m.indexOfText('1', 'book_id')).toBe(0);
    expect(m.indexOfText('0001', 'book_id')).toBe(0);
    expect(m.indexOfText('123456', 'book_id')).toBe(-1);
    expect(() => m.indexOfText('1e3', 'book_id')).toThrow(
      expect.objectContaining({ code: 'SERVE_INVALID_BOOK_ID' }),
    );
    expect(() => m.indexOfValue('1', 'book_ids', 2)).toThrow(
      expect.objectContaining({ code: 'SERVE_INVALID_BOOK_ID', field: 'book_ids[2]' }),
    );
    const n = await served(true);
    expect(n.indexOfText('item 2', 'book_id')).toBe(n.bundle.itemIds.indexOf('item 2'));
    expect(n.echoJson(-1, 'whole "milk"')).toBe('"whole \\"milk\\""');
  });

  it('parses only plain integers from query text', () => {
    expect(parseIntText('42')).toBe(42);
    expect(parseIntText('-7')).toBe(-7);
    for (const bad of ['', '-', '4.2', '0x10', ' 1', '1 ', '12345678901234567'])
      expect(parseIntText(bad)).toBeNaN();
  });
});

describe('score text', () => {
  it('prints a float32 score as the shortest decimal that reads back as the same float32', () => {
    const f32 = Float32Array.of(0.9, 0.123456789, 1 / 3, 0, Number.NaN);
    expect([0, 1, 2, 3, 4].map((t) => scoreJson(f32, t))).toEqual([
      '0.9',
      '0.12345679',
      '0.33333334',
      '0',
      'null',
    ]);
    for (let t = 0; t < 4; t++) expect(Math.fround(Number(scoreJson(f32, t)))).toBe(f32[t]);
    // float64 scores print as JavaScript prints them, unchanged.
    expect(scoreJson(Float64Array.of(0.1 + 0.2), 0)).toBe(String(0.1 + 0.2));
  });
});
