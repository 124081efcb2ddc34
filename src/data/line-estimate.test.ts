import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { estimateLines } from './line-estimate.js';

const root = mkdtempSync(join(tmpdir(), 'bookml-line-estimate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
}

describe('estimateLines', () => {
  it('counts a small file exactly, with or without a final line end', () => {
    expect(estimateLines(file('a.csv', 'id\n1\n2\n'))).toBe(3);
    expect(estimateLines(file('b.csv', 'id\n1\n2'))).toBe(3);
    expect(estimateLines(file('c.csv', ''))).toBe(0);
  });

  it('lands within a few percent above the count of a large file whose lines grow longer', () => {
    // Order ids from 1 to 400,000: lines from 12 to 17 bytes, as in an export.
    const lines = ['order_id,book_id,qty,price'];
    for (let o = 1; o <= 400_000; o++) lines.push(`${o},${(o * 7919) % 10_000},1,9.99`);
    const n = lines.length;
    const estimate = estimateLines(file('lines.csv', `${lines.join('\n')}\n`)) ?? 0;
    expect(estimate).toBeGreaterThanOrEqual(n * 0.97);
    expect(estimate).toBeLessThanOrEqual(n * 1.05);
  });

  it('is undefined for a file it cannot read', () => {
    expect(estimateLines(join(root, 'missing.csv'))).toBeUndefined();
  });
});
