import { describe, expect, it } from 'vitest';
import { FeatureWindow } from './feature-window.js';
import type { FeatureValues } from './features.js';

const row = (v: number, top = v): FeatureValues => ({
  requested_rank: v,
  top_score: top,
  fallback: v % 2,
  recommended_rank: v * 10,
});

describe('FeatureWindow', () => {
  it('keeps the newest answers, oldest first, and samples skip missing values', () => {
    const w = new FeatureWindow(3);
    for (let i = 1; i <= 5; i++) w.push(i * 1000, row(i, i === 4 ? Number.NaN : i));
    expect(w.size).toBe(3);
    expect(w.full).toBe(true);
    expect(w.pushed).toBe(5);
    expect(Array.from(w.sample('requested_rank'))).toEqual([3, 4, 5]);
    expect(Array.from(w.sample('top_score'))).toEqual([3, 5]);
    expect([w.firstTime, w.lastTime]).toEqual([3000, 5000]);
  });

  it('evicts answers older than a time', () => {
    const w = new FeatureWindow(10);
    for (let i = 1; i <= 5; i++) w.push(i * 1000, row(i));
    expect(w.evictBefore(3000)).toBe(2);
    expect(Array.from(w.sample('requested_rank'))).toEqual([3, 4, 5]);
    w.clear();
    expect([w.size, w.firstTime]).toEqual([0, null]);
  });

  it('survives JSON (NaN as null), resized to the newest answers', () => {
    const w = new FeatureWindow(4);
    for (let i = 1; i <= 6; i++) w.push(i, row(i, i === 6 ? Number.NaN : i));
    const json = JSON.parse(JSON.stringify(w.toJSON()));
    expect(json.columns.top_score.at(-1)).toBeNull();
    const back = FeatureWindow.fromJSON(json, 4) as FeatureWindow;
    expect(back.toJSON()).toEqual(w.toJSON());
    const smaller = FeatureWindow.fromJSON(json, 2) as FeatureWindow;
    expect(Array.from(smaller.sample('requested_rank'))).toEqual([5, 6]);
    expect(FeatureWindow.fromJSON({ times: [1], columns: {} }, 4)).toBeNull();
    expect(FeatureWindow.fromJSON(null, 4)).toBeNull();
  });
});
