import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerRecommendCommand } from '../src/cli/commands/recommend.js';
import { readBundle } from '../src/model/index.js';
import { runInProcess } from './fixtures/cli.js';
import { tempDir, writeModel } from './serve-fixture.js';

/** `bookml recommend --explain` and the padded marking, in process against a small bundle. */
let dir: string;

beforeAll(async () => {
  dir = join(tempDir(), 'm');
  await writeModel(dir, { books: 200, k: 10 });
});

const run = (...args: string[]) =>
  runInProcess(registerRecommendCommand, ['recommend', '--model', dir, ...args]);

describe('bookml recommend --explain', () => {
  it('gives each recommendation the asked books behind it, with similarity and co-buys', async () => {
    const { stdout, error } = await run('--basket', '1,2', '-k', '4', '--explain', '--json');
    expect(error).toBeUndefined();
    const out = JSON.parse(stdout);
    expect(out.co_buys_available).toBe(true);
    for (const r of out.recommendations) {
      const sum = r.because.reduce((s: number, c: { similarity: number }) => s + c.similarity, 0);
      expect(sum).toBeCloseTo(r.score, 12);
      for (const c of r.because) {
        expect([1, 2]).toContain(c.book_id);
        expect(c.co_buys).toBeGreaterThan(0);
      }
    }
  });

  it('marks padding and explains in the table too', async () => {
    const b = readBundle(dir);
    let rare = -1;
    for (let i = 0; i < b.model.nItems && rare < 0; i++) {
      const n = b.model.offsets[i + 1] - b.model.offsets[i];
      if (n > 0 && n < 10) rare = i;
    }
    const id = b.itemIds[rare];
    const json = JSON.parse((await run('--basket', id, '-k', '10', '--json')).stdout);
    const padded = json.recommendations.filter((r: { padded?: boolean }) => r.padded).length;
    expect(padded).toBe(10 - (b.model.offsets[rare + 1] - b.model.offsets[rare]));
    expect(json.co_buys_available).toBeUndefined();
    const table = (await run('--basket', id, '-k', '10', '--explain')).stdout;
    expect(table).toContain('popular, no asked book bought with it');
    expect(table).toMatch(
      new RegExp(`because of ${id} \\(similarity \\d\\.\\d{4}, bought together \\d+×\\)`),
    );
  });
});
