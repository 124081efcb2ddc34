import { describe, expect, it } from 'vitest';
import { servedModel } from '../../test/serve-fixture.js';
import { parseIntText } from './book-ids.js';

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
