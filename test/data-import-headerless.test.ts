import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDataCommands } from '../src/cli/commands/data.js';
import { runInProcess } from './fixtures/cli.js';

/** `bookml data import` of CSV exports without a header: named columns, or numbered positions. */
describe('bookml data import, headerless', () => {
  let root: string;
  let file: string;
  const bookml = (argv: string[]) => runInProcess(registerDataCommands, argv);
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'bookml-headerless-'));
    file = join(root, 'ratings.csv');
    // user,item,rating,ts (epoch seconds): MovieLens-style, no header line.
    writeFileSync(file, '1,10,5,1700000000\n1,11,3,1700000100\n2,10,4,1700000200\n2,12,1,1700000300\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const linesOf = (dir: string) =>
    readFileSync(join(dir, 'order_lines.csv'), 'utf8').trim().split('\n').length - 1;

  it('fails with DATA_BAD_MAPPING when the first line is taken for a header', async () => {
    const { error } = await bookml([
      '--home',
      join(root, 'ws0'),
      'data',
      'import',
      file,
      '--map',
      'customer=user,item=item',
    ]);
    expect(error).toMatchObject({ code: 'DATA_BAD_MAPPING' });
  });

  it('--columns names the columns; roles are recognised by name; the first line is data', async () => {
    const { stdout, error } = await bookml([
      '--home',
      join(root, 'ws1'),
      'data',
      'import',
      file,
      '--columns',
      'user,item,rating,ts',
      '--date-format',
      'epoch-s',
      '--json',
    ]);
    expect(error).toBeUndefined();
    const ds = JSON.parse(stdout);
    expect(ds.counts).toMatchObject({ customers: 2, books: 3, orderLines: 4 });
    expect(ds.source.options).toMatchObject({
      mapping: { customer: 'user', item: 'item', time: 'ts' },
      columns: ['user', 'item', 'rating', 'ts'],
    });
    expect(linesOf(ds.dir)).toBe(4);
  });

  it('--no-header numbers the columns from 1 for --map (default customer=1,item=2)', async () => {
    const run = async (home: string, extra: string[]) => {
      const { stdout, error } = await bookml([
        '--home',
        join(root, home),
        'data',
        'import',
        file,
        '--no-header',
        ...extra,
        '--json',
      ]);
      expect(error).toBeUndefined();
      return JSON.parse(stdout);
    };
    const mapped = await run('ws2', ['--map', 'customer=1,item=2,time=4', '--date-format', 'epoch-s']);
    expect(mapped.counts).toMatchObject({ customers: 2, books: 3, orderLines: 4 });
    const plain = await run('ws3', []);
    expect(plain.counts).toMatchObject({ customers: 2, books: 3, orderLines: 4 });
    // Through csv-parse too (another delimiter).
    const semi = join(root, 'semi.csv');
    writeFileSync(semi, readFileSync(file, 'utf8').replaceAll(',', ';'));
    const { stdout, error } = await bookml([
      '--home',
      join(root, 'ws4'),
      'data',
      'import',
      semi,
      '--no-header',
      '--delimiter',
      ';',
      '--json',
    ]);
    expect(error).toBeUndefined();
    expect(JSON.parse(stdout).counts).toMatchObject({ orderLines: 4 });
  });
});
