import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldText, readCsvFile } from './csv-reader.js';
import { streamCsvRecords } from './csv-stream.js';
import type { DataBadRowError } from './errors.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bookml-csv-stream-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const fields = (r: Parameters<Parameters<typeof readCsvFile>[1]>[0]) =>
  `${r.line}:${Array.from({ length: r.count }, (_, i) => fieldText(r, i)).join('|')}`;

describe('streamCsvRecords', () => {
  // Quotes, doubled quotes, line breaks inside quotes, CRLF, empty lines, a record longer than the
  // smallest chunk, and no final newline.
  const tricky = [
    '\ufeffa,b,c',
    '1,"x, y",3',
    '',
    '2,"say ""hi""",4\r',
    '3,"two',
    'lines",5',
    `4,${'z'.repeat(300)},6`,
    '5,,',
    '6,"",7',
  ].join('\n');

  it('yields the same records and line numbers as readCsvFile, whatever the chunk size', async () => {
    const path = join(root, 'tricky.csv');
    writeFileSync(path, tricky);
    const expected: string[] = [];
    readCsvFile(path, (r) => expected.push(fields(r)));
    expect(expected[0]).toBe('1:a|b|c');
    expect(expected[3]).toBe('5:3|two\nlines|5');
    for (const chunkBytes of [64, 65, 100, 1 << 20]) {
      const got: string[] = [];
      const progress: number[] = [];
      const size = await streamCsvRecords(path, (r) => got.push(fields(r)), {
        chunkBytes,
        onChunk: (done) => {
          progress.push(done);
        },
      });
      expect(got, `chunk ${chunkBytes}`).toEqual(expected);
      expect(size).toBe(Buffer.byteLength(tricky));
      expect(progress.at(-1)).toBe(size);
    }
  });

  it('reports broken quoting and goes on at the next line, or throws without a handler', async () => {
    const path = join(root, 'broken.csv');
    writeFileSync(path, 'a,b\n1,"x"y\n2,ok\n3,"never closed\n4,lost\n');
    await expect(streamCsvRecords(path, () => {})).rejects.toMatchObject({ code: 'DATA_BAD_ROW', line: 2 });
    const got: string[] = [];
    const errors: DataBadRowError[] = [];
    await streamCsvRecords(path, (r) => got.push(fields(r)), {
      chunkBytes: 64,
      onSyntaxError: (e) => errors.push(e),
    });
    expect(errors.map((e) => [e.line, e.field, e.reason])).toEqual([
      [2, 'field 2', 'has text after its closing quote'],
      [4, 'field 2', 'has an unterminated quote'],
    ]);
    expect(got).toEqual(['1:a|b', '3:2|ok', '5:4|lost']);
  });

  it('a missing file is DATA_BAD_FILE', async () => {
    await expect(streamCsvRecords(join(root, 'nope.csv'), () => {})).rejects.toMatchObject({
      code: 'DATA_BAD_FILE',
    });
  });
});
