/**
 * Sharded training through the built `bookml` binary: `train --shards N` in one process, and
 * `train --shard I/N` in N processes + `model merge` (partials in any order), each giving the bundle
 * of an unsharded `train` byte for byte (same --created-at); and the errors a user meets.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltResult, hasBuiltBin, runBuilt } from './fixtures/cli.js';

const AT = '2026-01-01T00:00:00Z';

describe.skipIf(!hasBuiltBin)('bookml train --shards / --shard + model merge (built binary)', () => {
  let home: string;
  const bookml = (...args: string[]): BuiltResult => runBuilt(args, { home });
  const files = (dir: string) =>
    Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
  const errorOf = (r: BuiltResult) => ({ status: r.status, ...JSON.parse(r.stdout || r.stderr).error });

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'bookml-shards-cli-'));
    const gen = ['data', 'generate', '--books', '150', '--customers', '900', '--lines', '20000'];
    expect(bookml(...gen, '--out', join(home, 'ds')).status).toBe(0);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('gives the unsharded bundle byte for byte, in one process or as separate shards merged', () => {
    const train = (...args: string[]) =>
      bookml('train', '--dataset', join(home, 'ds'), '--similarity', 'jaccard', '--created-at', AT, ...args);
    expect(train('--out', join(home, 'whole')).status).toBe(0);
    const expected = files(join(home, 'whole'));
    expect(JSON.parse(train('--shards', '3', '--out', join(home, 'three'), '--json').stdout)).toMatchObject({
      shards: 3,
    });
    expect(files(join(home, 'three'))).toEqual(expected);
    const parts = [1, 2, 3, 4].map((i) => join(home, `part-${i}`));
    for (const [i, dir] of parts.entries()) {
      const r = train('--shard', `${i + 1}/4`, '--out', dir, '--json');
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).shard).toMatchObject({ index: i + 1, count: 4 });
    }
    const merged = bookml(
      'model',
      'merge',
      parts[2],
      parts[0],
      parts[3],
      parts[1],
      '--out',
      join(home, 'merged'),
      '--json',
    );
    expect(merged.status, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({ shards: 4, createdAt: '2026-01-01T00:00:00.000Z' });
    expect(files(join(home, 'merged'))).toEqual(expected);

    // A shard left out: refused, naming what is missing.
    expect(
      errorOf(bookml('model', 'merge', parts[0], parts[1], '--out', join(home, 'x'), '--json')),
    ).toMatchObject({
      status: 2,
      code: 'MODEL_SHARD_MISMATCH',
    });
  });

  it('refuses EASE in shards, --shard without --out, and a malformed --shard', () => {
    const ds = ['train', '--dataset', join(home, 'ds'), '--json'];
    expect(
      errorOf(bookml(...ds, '--family', 'ease', '--shards', '2', '--out', join(home, 'e'))),
    ).toMatchObject({
      code: 'MODEL_SHARD_UNSUPPORTED',
      field: 'shards',
    });
    expect(errorOf(bookml(...ds, '--shard', '1/2'))).toMatchObject({ code: 'CLI_USAGE', field: '--out' });
    expect(errorOf(bookml(...ds, '--shard', '3/2', '--out', join(home, 'y')))).toMatchObject({
      code: 'CLI_USAGE',
      field: '--shard',
    });
  });
});
