import { describe, expect, it } from 'vitest';
import { bucketOf, fnv1a32, TrafficSplit } from './canary-split.js';

describe('canary split', () => {
  it('hashes keys with FNV-1a 32 (reference vectors), UTF-8 included', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    // Non-ASCII keys hash their UTF-8 bytes (c3 a9), as any other FNV-1a implementation would.
    expect(fnv1a32('é')).toBe(0x1e9de8c1);
    expect(bucketOf('customer-42')).toBe(fnv1a32('customer-42') % 100);
  });

  it('is sticky per key and gives keyless traffic its exact share', () => {
    const split = new TrafficSplit(10);
    for (const key of ['a', 'b', 'customer-7']) {
      const first = split.toCanary(key);
      for (let i = 0; i < 5; i++) expect(split.toCanary(key)).toBe(first);
    }
    let canary = 0;
    for (let i = 0; i < 1000; i++) if (split.toCanary(undefined)) canary++;
    expect(canary).toBe(100);
    expect(new TrafficSplit(0).toCanary('a')).toBe(false);
    expect(new TrafficSplit(100).toCanary('a')).toBe(true);
  });
});
