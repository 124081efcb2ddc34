import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataBadRowError } from './errors.js';
import { type ImportFileOptions, importFile } from './import-file.js';
import type { Interactions } from './interactions.js';
import { loadDataset } from './load-interactions.js';
import { readInteractionsFile } from './read-interactions-file.js';

const groceries = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/datasets/groceries.csv');

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bookml-import-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let seq = 0;
/** Write `text` as an input file and import it into a fresh folder. */
async function run(name: string, text: string | Buffer, opts: Partial<ImportFileOptions> = {}) {
  const n = ++seq;
  mkdirSync(join(root, `${n}`));
  const input = join(root, `${n}`, name);
  writeFileSync(input, text);
  const dir = join(root, `${n}`, 'out');
  const out = await importFile(dir, input, { mapping: { customer: 'customer', item: 'item' }, ...opts });
  return { ...out, dir, file: (f: string) => readFileSync(join(dir, f), 'utf8') };
}

/** The error an import fails with. */
async function failure(
  name: string,
  text: string | Buffer,
  opts: Partial<ImportFileOptions> = {},
): Promise<DataBadRowError> {
  try {
    await run(name, text, opts);
  } catch (e) {
    return e as DataBadRowError;
  }
  throw new Error('the import did not fail');
}

describe('importFile', () => {
  it.skipIf(!existsSync(groceries))(
    'takes groceries.csv as it is, with a mapping and a date format only',
    async () => {
      const dir = join(root, 'groceries');
      const out = await importFile(dir, groceries, {
        mapping: { customer: 'transaction_number', item: 'items', time: 'date' },
        dateFormat: 'DD-MM-YYYY',
      });
      // The numbers ../shared/datasets/README.md gives for the file.
      expect(out.counts).toEqual({ books: 167, customers: 3898, orders: 14963, orderLines: 38765 });
      expect(out.report).toEqual({ rows: 38765, lines: 38765, skippedRows: 0, badRows: [] });
      expect(out.itemIdKind).toBe('string');
      const books = readFileSync(join(dir, 'books.csv'), 'utf8');
      expect(books).toContain('\nwhole milk,whole milk,,,\n');
      // First row: 1808,21-07-2015,tropical fruit → order 1 of customer 1808 on that day.
      const orders = readFileSync(join(dir, 'orders.csv'), 'utf8').split('\n');
      expect(orders[1]).toBe('1,1808,2015-07-21T00:00:00Z');
      expect(readFileSync(join(dir, 'order_lines.csv'), 'utf8').split('\n')[1]).toBe('1,tropical fruit,1,');

      const { interactions, catalogue } = await loadDataset(dir);
      expect(interactions.length).toBe(38765);
      expect(interactions.nBaskets).toBe(14963);
      expect(interactions.customerIds).toHaveLength(3898);
      expect(interactions.itemIdsNumeric).toBe(false);
      const milk = interactions.itemIds.indexOf('whole milk');
      expect(catalogue.title[milk]).toBe('whole milk');
      // String ids sort by code unit, so "UHT-milk" comes before "abrasive cleaner".
      expect([...interactions.itemIds]).toEqual([...interactions.itemIds].sort());
    },
  );

  it.skipIf(!existsSync(groceries))(
    'sees the same purchases as `train --input` reading the file directly',
    async () => {
      const mapping = { customer: 'transaction_number', item: 'items', time: 'date' };
      const dir = join(root, 'groceries-again');
      await importFile(dir, groceries, { mapping, dateFormat: 'DD-MM-YYYY' });
      const viaDataset = (await loadDataset(dir)).interactions;
      const direct = (await readInteractionsFile(groceries, mapping, { dateFormat: 'DD-MM-YYYY' }))
        .interactions;
      // Ids byte for byte on both paths: groceries.csv has "roll products " with a trailing space.
      expect(viaDataset.itemIds).toEqual(direct.itemIds);
      expect(viaDataset.itemIds).toContain('roll products ');
      const baskets = (x: Interactions): string[] => {
        const by = new Map<number, string[]>();
        for (let l = 0; l < x.length; l++) {
          const b = by.get(x.basket[l]) ?? [];
          b.push(`${x.customerIds[x.customer[l]]}|${x.itemIds[x.item[l]]}|${x.time[l]}|${x.qty[l]}`);
          by.set(x.basket[l], b);
        }
        return [...by.values()].map((b) => b.sort().join(';')).sort();
      };
      expect(baskets(viaDataset)).toEqual(baskets(direct));
    },
  );

  it('keeps integer ids numeric and sorts them as numbers', async () => {
    const out = await run('ints.csv', 'customer,item\n7,10\n7,2\n8,2\n');
    expect(out.itemIdKind).toBe('int');
    expect(out.file('books.csv')).toBe('id,title,author,genre,price\n2,Book 2,,,\n10,Book 10,,,\n');
    expect(out.file('customers.csv')).toBe('id\n7\n8\n');
    // No time column: a basket is the customer.
    expect(out.file('orders.csv')).toBe('id,customer_id,created_at\n1,7,\n2,8,\n');
    expect(out.file('order_lines.csv')).toBe('order_id,book_id,qty,price\n1,10,1,\n1,2,1,\n2,2,1,\n');
  });

  it('keeps string ids as they are, quoting what CSV needs quoted', async () => {
    const out = await run('strings.csv', 'customer,item\nann,007\nann,"Tea, green"\nbob,7\n');
    expect(out.itemIdKind).toBe('string');
    // "007" is not the number 7: both stay, in code-unit order.
    expect(out.file('books.csv')).toBe(
      'id,title,author,genre,price\n007,007,,,\n7,7,,,\n"Tea, green","Tea, green",,,\n',
    );
    expect(out.file('order_lines.csv')).toBe(
      'order_id,book_id,qty,price\n1,007,1,\n1,"Tea, green",1,\n2,7,1,\n',
    );
    const { interactions } = await loadDataset(out.dir);
    expect(interactions.itemIds).toEqual(['007', '7', 'Tea, green']);
  });

  it('keeps spaces in ids; an id of spaces only is empty', async () => {
    const out = await run(
      'spaces.csv',
      'customer,item,t\n1,milk ,2025-01-01 \n1, milk,2025-01-01\n2,  ,2025-01-01\n',
      {
        mapping: { customer: 'customer', item: 'item', time: 't' },
        onBadRow: 'skip',
      },
    );
    expect(out.file('books.csv')).toBe('id,title,author,genre,price\n milk, milk,,,\nmilk ,milk ,,,\n');
    expect(out.report.badRows).toEqual([{ line: 4, column: 3, field: 'item', reason: 'is empty' }]);
  });

  it('reads JSON Lines with numbers, strings, quantities and prices', async () => {
    const out = await run(
      'orders.jsonl',
      [
        '{"customer": 1, "item": 5, "at": 1700000000, "n": 2, "p": 9.5}',
        '',
        '{"customer": "1", "item": "5", "at": "1700000000", "n": "1"}',
        '{"customer": 2, "item": "x-1", "at": 1700003600, "extra": [1, 2]}',
      ].join('\n'),
      {
        mapping: { customer: 'customer', item: 'item', time: 'at', qty: 'n', price: 'p' },
        dateFormat: 'epoch-s',
      },
    );
    expect(out.report).toEqual({ rows: 3, lines: 3, skippedRows: 0, badRows: [] });
    expect(out.file('orders.csv')).toBe(
      'id,customer_id,created_at\n1,1,2023-11-14T22:13:20Z\n2,2,2023-11-14T23:13:20Z\n',
    );
    expect(out.file('order_lines.csv')).toBe('order_id,book_id,qty,price\n1,5,2,9.5\n1,5,1,\n2,x-1,1,\n');
    expect(out.file('books.csv')).toBe('id,title,author,genre,price\n5,5,,,9.5\nx-1,x-1,,,\n');
  });

  it('takes a basket column, and refuses a basket shared by two customers', async () => {
    const mapping = { customer: 'customer', item: 'item', basket: 'order' };
    const out = await run('baskets.csv', 'order,customer,item\nA,1,10\nB,1,11\nA,1,12\n', { mapping });
    expect(out.file('orders.csv')).toBe('id,customer_id,created_at\nA,1,\nB,1,\n');
    expect(out.file('order_lines.csv')).toBe('order_id,book_id,qty,price\nA,10,1,\nB,11,1,\nA,12,1,\n');
    const e = await failure('baskets-bad.csv', 'order,customer,item\nA,1,10\nA,2,11\n', { mapping });
    expect(e).toMatchObject({ code: 'DATA_BAD_ROW', line: 3, field: 'order' });
    expect(e.reason).toContain('belongs to customer "1"');
  });

  describe('date formats', () => {
    const cases: Array<[string, string, string]> = [
      ['iso', '2025-03-04T05:06:07Z', '2025-03-04T05:06:07Z'],
      ['iso', '2025-03-04T05:06:07+02:00', '2025-03-04T03:06:07Z'],
      ['iso', '2025-03-04 05:06', '2025-03-04T05:06:00Z'],
      ['iso', '2025-03-04', '2025-03-04T00:00:00Z'],
      ['epoch-s', '1741064767', '2025-03-04T05:06:07Z'],
      ['epoch-ms', '1741064767123', '2025-03-04T05:06:07.123Z'],
      ['DD-MM-YYYY', '04-03-2025', '2025-03-04T00:00:00Z'],
      ['MM/DD/YYYY', '3/4/2025', '2025-03-04T00:00:00Z'],
      ['YYYY-MM-DD HH:mm:ss', '2025-03-04 05:06:07', '2025-03-04T05:06:07Z'],
      ['DD.MM.YYYY HH:mm', '04.03.2025 23:59', '2025-03-04T23:59:00Z'],
    ];
    it.each(cases)('%s reads %s', async (dateFormat, value, iso) => {
      const out = await run('dates.csv', `customer,item,t\n1,2,${value}\n`, {
        mapping: { customer: 'customer', item: 'item', time: 't' },
        dateFormat,
      });
      expect(out.file('orders.csv').split('\n')[1]).toBe(`1,1,${iso}`);
    });

    it('one basket per customer and day, whatever the row order', async () => {
      const out = await run(
        'days.csv',
        'customer,item,t\n1,10,01-02-2025\n2,10,01-02-2025\n1,11,02-02-2025\n1,12,01-02-2025\n',
        {
          mapping: { customer: 'customer', item: 'item', time: 't' },
          dateFormat: 'DD-MM-YYYY',
        },
      );
      expect(out.counts.orders).toBe(3);
      expect(out.file('order_lines.csv')).toBe(
        'order_id,book_id,qty,price\n1,10,1,\n2,10,1,\n3,11,1,\n1,12,1,\n',
      );
    });

    it('rejects an unknown format naming the option', async () => {
      await expect(
        run('x.csv', 'customer,item,t\n1,2,3\n', {
          mapping: { customer: 'customer', item: 'item', time: 't' },
          dateFormat: 'yesterday',
        }),
      ).rejects.toMatchObject({ code: 'DATA_BAD_OPTION', field: '--date-format' });
    });
  });

  describe('bad rows', () => {
    const mapping = { customer: 'customer', item: 'item', time: 't', qty: 'qty' };
    const text = [
      'customer,item,t,qty',
      '1,10,2025-01-01,1',
      '2,11,2025-01-32,1', // line 3: no such day
      '3,,2025-01-02,1', // line 4: no item
      '4,12,2025-01-02,0', // line 5: qty 0
      '5,13,2025-01-02,', // empty qty is 1
      '',
      '6,"a ""quoted""\nname",2025-01-03,2', // lines 8-9: one record over two lines
      '7,14,yesterday,1', // line 10
    ].join('\n');

    it('fail with the line number, the field and the reason', async () => {
      const e = await failure('bad.csv', text, { mapping });
      expect(e).toBeInstanceOf(DataBadRowError);
      expect(e).toMatchObject({ code: 'DATA_BAD_ROW', file: 'bad.csv', line: 3, column: 6, field: 't' });
      expect(e.reason).toBe('"2025-01-32" is not a date in format iso');
      expect(e.message).toContain('bad.csv line 3, column 6: t "2025-01-32" is not a date in format iso');
      expect(e.message).toContain('--on-bad-row skip');
    });

    it('--on-bad-row skip leaves them out and counts them', async () => {
      const out = await run('bad.csv', text, { mapping, onBadRow: 'skip' });
      expect(out.report).toEqual({
        rows: 7,
        lines: 3,
        skippedRows: 4,
        badRows: [
          { line: 3, column: 6, field: 't', reason: '"2025-01-32" is not a date in format iso' },
          { line: 4, column: 3, field: 'item', reason: 'is empty' },
          { line: 5, column: 17, field: 'qty', reason: '"0" is not a positive integer' },
          { line: 10, column: 6, field: 't', reason: '"yesterday" is not a date in format iso' },
        ],
      });
      expect(out.file('order_lines.csv')).toBe(
        'order_id,book_id,qty,price\n1,10,1,\n2,13,1,\n3,"a ""quoted""\nname",2,\n',
      );
      expect(out.file('customers.csv')).toBe('id\n1\n5\n6\n');
    });

    it('broken CSV quoting fails with its line, or is skipped up to the next line', async () => {
      const broken = 'customer,item\n1,10\n2,"11"x\n3,12\n';
      const e = await failure('broken.csv', broken);
      expect(e).toMatchObject({ code: 'DATA_BAD_ROW', line: 3, field: 'field 2' });
      const out = await run('broken.csv', broken, { onBadRow: 'skip' });
      expect(out.report.skippedRows).toBe(1);
      expect(out.report.badRows[0]).toMatchObject({ line: 3, field: 'field 2' });
      expect(out.file('order_lines.csv')).toBe('order_id,book_id,qty,price\n1,10,1,\n2,12,1,\n');
    });

    it('JSON Lines: a line that is not a JSON object is a bad row', async () => {
      const jsonl = '{"customer":1,"item":2}\n[1,2]\n{"customer":1,\n{"customer":3}\n';
      const e = await failure('bad.jsonl', jsonl);
      expect(e).toMatchObject({ code: 'DATA_BAD_ROW', line: 2, field: 'line' });
      const out = await run('bad.jsonl', jsonl, { onBadRow: 'skip' });
      expect(out.report.badRows).toEqual([
        { line: 2, column: 1, field: 'line', reason: 'is not a JSON object' },
        {
          line: 3,
          column: 15,
          field: 'line',
          reason: 'is not valid JSON (Expected double-quoted property name)',
        },
        { line: 4, field: 'item', reason: 'is missing: the object has no "item" key (too few fields)' },
      ]);
      expect(out.report.lines).toBe(1);
    });

    it('keeps the first 20 bad rows and counts them all', async () => {
      const rows = Array.from({ length: 50 }, (_, i) => `${i},`);
      const out = await run('many.csv', `customer,item\n${rows.join('\n')}\n1,2\n`, { onBadRow: 'skip' });
      expect(out.report.skippedRows).toBe(50);
      expect(out.report.badRows).toHaveLength(20);
      expect(out.report.badRows[19].line).toBe(21);
      expect(out.counts.orderLines).toBe(1);
    });
  });

  it('other delimiters go through csv-parse with the same rules', async () => {
    const out = await run('semi.csv', 'customer;item;t\n1;10;2025-01-01\n2;"x;y";2025-01-02\n', {
      mapping: { customer: 'customer', item: 'item', time: 't' },
      delimiter: ';',
    });
    expect(out.file('order_lines.csv')).toBe('order_id,book_id,qty,price\n1,10,1,\n2,x;y,1,\n');
    const e = await failure('semi-bad.csv', 'customer;item;t\n1;10;2025-01-01\n2;11;nope\n', {
      mapping: { customer: 'customer', item: 'item', time: 't' },
      delimiter: ';',
    });
    expect(e).toMatchObject({ code: 'DATA_BAD_ROW', line: 3, field: 't' });
  });

  it('reads a BOM and CRLF line ends', async () => {
    const out = await run('crlf.csv', '\ufeffcustomer,item\r\n1,10\r\n2,11\r\n');
    expect(out.file('order_lines.csv')).toBe('order_id,book_id,qty,price\n1,10,1,\n2,11,1,\n');
  });

  it('takes a catalogue as books.csv: unsold books in, lines of other books flagged as unknown', async () => {
    const books = join(root, 'catalogue.csv');
    writeFileSync(
      books,
      'id,title,author,genre,price\n10,"Dune, Part 1",Frank Herbert,sf,9.99\n99,Unsold,Nobody,,5\n',
    );
    const out = await run('with-books.csv', 'customer,item\n1,10\n1,11\n', { books });
    expect(out.file('books.csv')).toBe(
      'id,title,author,genre,price\n10,"Dune, Part 1",Frank Herbert,sf,9.99\n99,Unsold,Nobody,,5\n',
    );
    expect(out.file('order_lines.csv')).toBe('order_id,book_id,qty,price\n1,10,1,\n1,11,1,\n');
    const { interactions, catalogue, issues } = await loadDataset(out.dir);
    expect(issues).toMatchObject({ unknownBookLines: 1, unknownBooks: 1, catalogueBooks: 2 });
    expect(interactions.itemIds).toEqual(['10', '11', '99']);
    expect(catalogue.title).toEqual(['Dune, Part 1', 'Book 11', 'Unsold']);
  });

  it('refuses an empty file', async () => {
    await expect(run('empty.csv', '\n\n')).rejects.toMatchObject({ code: 'DATA_BAD_FILE', field: 'header' });
  });

  it('names a mapped column the file lacks, and a missing file', async () => {
    await expect(run('nocol.csv', 'customer,book\n1,2\n')).rejects.toMatchObject({
      code: 'DATA_BAD_MAPPING',
      field: 'map.item',
    });
    await expect(
      importFile(join(root, 'none'), join(root, 'does-not-exist.csv'), {
        mapping: { customer: 'c', item: 'i' },
      }),
    ).rejects.toMatchObject({ code: 'DATA_BAD_FILE' });
  });

  it('gives the same bytes for the same input (content-addressed datasets rely on it)', async () => {
    const text = 'customer,item,t\nb,2,2025-01-02\na,1,2025-01-01\nb,1,2025-01-02\n';
    const opts = { mapping: { customer: 'customer', item: 'item', time: 't' } };
    const a = await run('same.csv', text, opts);
    const b = await run('same.csv', text, opts);
    expect(b.files).toEqual(a.files);
    expect(a.file('customers.csv')).toBe('id\na\nb\n');
  });

  describe('hostile and broken input (issue 11)', () => {
    const latin1 = Buffer.concat([
      Buffer.from('customer,item\n1,caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n2,caf'),
      Buffer.from([0xe8]),
      Buffer.from('\n3,tea\n'),
    ]);

    it('invalid UTF-8 is a bad row naming line and column, never a U+FFFD merge; --encoding reads it', async () => {
      const e = await failure('latin1.csv', latin1);
      expect(e).toMatchObject({ code: 'DATA_BAD_ROW', line: 2, column: 6, field: 'item' });
      expect(e.message).toContain('latin1.csv line 2, column 6: item is not valid UTF-8 (bytes 0xe9 0x0a)');
      expect(e.message).toContain('--encoding');
      const skipped = await run('latin1.csv', latin1, { onBadRow: 'skip' });
      expect(skipped.report).toMatchObject({ rows: 3, lines: 1, skippedRows: 2 });
      expect(skipped.report.badRows.map((b) => `${b.line}:${b.column}:${b.field}`)).toEqual([
        '2:6:item',
        '3:6:item',
      ]);
      const decoded = await run('latin1.csv', latin1, { encoding: 'latin1' });
      expect(decoded.file('books.csv')).toBe(
        'id,title,author,genre,price\ncafè,cafè,,,\ncafé,café,,,\ntea,tea,,,\n',
      );
      const utf16 = Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from('customer,item\n1,café\n', 'utf16le'),
      ]);
      expect((await run('utf16.csv', utf16, { encoding: 'utf16le' })).file('order_lines.csv')).toBe(
        'order_id,book_id,qty,price\n1,café,1,\n',
      );
      await expect(run('x.csv', 'customer,item\n1,2\n', { encoding: 'klingon' })).rejects.toMatchObject({
        code: 'DATA_BAD_OPTION',
        field: '--encoding',
      });
    });

    it('a NUL byte is a bad row, and control bytes are escaped in every message', async () => {
      const nul = await failure('nul.csv', 'customer,item\n1,a\u0000b\n');
      expect(nul).toMatchObject({ line: 2, column: 4, field: 'item' });
      expect(nul.message).toContain('holds a NUL byte');
      const oddHeader = await failure('odd-header.csv', `\u000e,${'h'.repeat(500)}\n1,2\n`);
      expect(oddHeader).toMatchObject({ code: 'DATA_BAD_MAPPING' });
      expect(oddHeader.message).toContain('(columns: \\x0e, hhh');
      expect(oddHeader.message.length).toBeLessThan(300);
      const inHeader = await failure('nul-header.csv', 'cust\u0000omer,item\n1,2\n', { onBadRow: 'skip' });
      expect(inHeader).toMatchObject({ line: 1, column: 5, field: 'header' });
      const esc = await failure('esc.csv', 'customer,item,t\n1,2,\u001b[31mred\u0007\n', {
        mapping: { customer: 'customer', item: 'item', time: 't' },
      });
      expect(esc.message).toContain('"\\x1b[31mred\\x07" is not a date');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting they are gone
      expect(esc.message).not.toMatch(/[\u0000-\u001f]/);
      const jsonl = await failure('nul.jsonl', '{"customer":"1","item":"a\\u0000b"}\n');
      expect(jsonl).toMatchObject({ line: 1, field: 'item' });
    });

    it('a header naming a column twice is refused (no silent first-wins)', async () => {
      await expect(run('dup.csv', 'customer,item,item\n1,2,3\n')).rejects.toMatchObject({
        code: 'DATA_BAD_FILE',
        field: 'header',
        message: expect.stringContaining('header names column "item" twice (columns 2 and 3)'),
      });
      await expect(
        run('dup-semi.csv', 'customer;item;item\n1;2;3\n', { delimiter: ';' }),
      ).rejects.toMatchObject({ code: 'DATA_BAD_FILE', field: 'header' });
    });

    it('a header-only file (or one whose rows were all skipped) is refused, and nothing is written', async () => {
      const n = ++seq;
      const input = join(root, `header-only-${n}.csv`);
      writeFileSync(input, 'customer,item\n');
      const dir = join(root, `header-only-${n}`);
      await expect(
        importFile(dir, input, { mapping: { customer: 'customer', item: 'item' } }),
      ).rejects.toMatchObject({
        code: 'DATA_BAD_FILE',
        field: 'rows',
        message: expect.stringContaining('has no rows after its header'),
      });
      expect(existsSync(dir)).toBe(false);
      await expect(run('all-bad.csv', 'customer,item\n1,\n2,\n', { onBadRow: 'skip' })).rejects.toMatchObject(
        {
          code: 'DATA_BAD_FILE',
          message: expect.stringContaining('all 2 were bad and skipped'),
        },
      );
    });

    it('a failed import leaves an existing folder as it was', async () => {
      const first = await run('ok.csv', 'customer,item\n1,2\n');
      const before = first.file('order_lines.csv');
      writeFileSync(join(root, 'late-failure.csv'), 'customer,item\n1,3\n2,\n');
      await expect(
        importFile(first.dir, join(root, 'late-failure.csv'), {
          mapping: { customer: 'customer', item: 'item' },
        }),
      ).rejects.toMatchObject({ code: 'DATA_BAD_ROW', line: 3 });
      expect(first.file('order_lines.csv')).toBe(before);
    });

    it('extra fields and short rows are bad rows that say so', async () => {
      const extra = await failure('extra.csv', 'customer,item\n1,2,3\n');
      expect(extra).toMatchObject({ line: 2, field: 'row' });
      expect(extra.reason).toBe('has 3 fields, the header has 2: too many fields');
      const short = await failure('short.csv', 'customer,item,t\n1,2\n');
      expect(short.reason).toBe('has 2 fields, the header has 3: too few fields');
      const semi = await failure('short-semi.csv', 'customer;item;t\n1;2\n', { delimiter: ';' });
      expect(semi.reason).toContain('too few fields');
    });

    it('ids over 256 bytes are refused, and a 1 MB id does not make a 1 MB message', async () => {
      const huge = `customer,item\n1,${'x'.repeat(1 << 20)}\n`;
      const e = await failure('huge.csv', huge);
      expect(e).toMatchObject({ code: 'DATA_BAD_ROW', line: 2, field: 'item' });
      expect(e.reason).toBe('is 1048576 bytes long; an id is at most 256 bytes');
      expect(e.message.length).toBeLessThan(300);
      expect((await run('edge.csv', `customer,item\n1,${'y'.repeat(256)}\n`)).report.lines).toBe(1);
    });

    it('--on-bad-row skip counts every kind and keeps the good rows', async () => {
      const mixed = Buffer.concat([
        Buffer.from('customer,item\n1,ok\n2,extra,x\n3\n4,a'),
        Buffer.from([0xff]),
        Buffer.from(`\n5,b\u0000\n6,${'z'.repeat(300)}\n7,fine\n`),
      ]);
      const out = await run('mixed.csv', mixed, { onBadRow: 'skip' });
      expect(out.report).toMatchObject({ rows: 7, lines: 2, skippedRows: 5 });
      expect(out.report.badRows.map((b) => `${b.line} ${b.field}`)).toEqual([
        '3 row',
        '4 row',
        '5 item',
        '6 item',
        '7 item',
      ]);
      expect(out.file('order_lines.csv')).toBe('order_id,book_id,qty,price\n1,ok,1,\n2,fine,1,\n');
    });

    it('every CSV row error names its line and column: the field at fault, or where the row ends', async () => {
      const e = await failure('where.csv', 'customer,item,t\n1,"x",2025-01-01\n"two\nlines",,2025-01-01\n', {
        mapping: { customer: 'customer', item: 'item', time: 't' },
      });
      // The record starts on line 3; its empty item sits on line 4, after `lines",`.
      expect(e).toMatchObject({ line: 4, column: 8, field: 'item', reason: 'is empty' });
      const short = await failure('short-col.csv', 'customer,item,t\n1,"ab"\n');
      expect(short).toMatchObject({ line: 2, column: 7, field: 'row' });
      expect(short.message).toContain('short-col.csv line 2, column 7: row has 2 fields');
      const extra = await failure('extra-col.csv', 'customer,item\n1,2,"3"\n');
      expect(extra).toMatchObject({ line: 2, column: 5, reason: expect.stringContaining('too many') });
      const long = await failure('long-col.csv', `customer,item\nabc,${'q'.repeat(300)}\n`);
      expect(long).toMatchObject({ line: 2, column: 5, field: 'item' });
    });

    describe('JSON Lines', () => {
      it('a key named twice is refused, not last-wins; a nested same-named key is not a duplicate', async () => {
        const e = await failure('dup.jsonl', '{"customer":"1","item":"a", "item" :"b"}\n');
        expect(e).toMatchObject({ code: 'DATA_BAD_ROW', line: 1, column: 29, field: 'line' });
        expect(e.reason).toBe('names key "item" twice; keep one');
        const nested = await run('nested.jsonl', '{"customer":"1","item":"a","meta":{"item":"b"}}\n');
        expect(nested.file('order_lines.csv')).toBe('order_id,book_id,qty,price\n1,a,1,\n');
        // Unmapped keys may repeat: they are not read.
        expect((await run('other.jsonl', '{"customer":1,"item":2,"x":1,"x":2}\n')).report.lines).toBe(1);
      });

      it('objects, arrays, booleans and inexact integers are bad rows naming key and column', async () => {
        const text = [
          '{"customer":{"a":1},"item":"x"}',
          '{"customer":"1","item":[1,2]}',
          '{"customer":true,"item":"x"}',
          '{"customer":12345678901234567890,"item":"x"}',
          '{"customer":"2","item":9007199254740991,"qty":null}',
          '',
        ].join('\n');
        const first = await failure('types.jsonl', text);
        expect(first).toMatchObject({ line: 1, column: 2, field: 'customer' });
        expect(first.reason).toBe('is an object; expected a string or a number');
        const out = await run('types.jsonl', text, { onBadRow: 'skip' });
        expect(out.report.badRows).toEqual([
          { line: 1, column: 2, field: 'customer', reason: 'is an object; expected a string or a number' },
          { line: 2, column: 17, field: 'item', reason: 'is an array; expected a string or a number' },
          { line: 3, column: 2, field: 'customer', reason: 'is a boolean; expected a string or a number' },
          {
            line: 4,
            column: 2,
            field: 'customer',
            reason:
              'is the number 12345678901234567000, too large to read exactly (over 2^53): write it as a string',
          },
        ]);
        expect(out.file('order_lines.csv')).toBe('order_id,book_id,qty,price\n1,9007199254740991,1,\n');
      });

      it('a missing key says "too few fields"; an empty value names its column; syntax errors their column', async () => {
        // A column named like an Object.prototype member is read from the object only.
        const proto = await failure('proto.jsonl', '{"customer":"1"}\n', {
          mapping: { customer: 'customer', item: 'constructor' },
        });
        expect(proto).toMatchObject({
          field: 'constructor',
          reason: expect.stringContaining('too few fields'),
        });
        const own = await run('own.jsonl', '{"customer":"1","toString":"b"}\n', {
          mapping: { customer: 'customer', item: 'toString' },
        });
        expect(own.file('order_lines.csv')).toBe('order_id,book_id,qty,price\n1,b,1,\n');
        const missing = await failure('missing.jsonl', '{"customer":"1"}\n');
        expect(missing).toMatchObject({ line: 1, field: 'item' });
        expect(missing.reason).toContain('too few fields');
        const empty = await failure('empty.jsonl', '{"item":"a",  "customer":"  "}\n');
        expect(empty).toMatchObject({ line: 1, column: 15, field: 'customer', reason: 'is empty' });
        const syntax = await failure(
          'syntax.jsonl',
          '{"customer":"1","item":"a"}\n{"customer":"2" "item":"b"}\n',
        );
        expect(syntax).toMatchObject({ line: 2, column: 17, field: 'line' });
        expect(syntax.reason).toMatch(/^is not valid JSON \(/);
      });

      it('a header-only file has no JSONL twin, but an empty or blank one is refused and nothing is written', async () => {
        for (const text of ['', '\n\n', '  \n']) {
          await expect(run('blank.jsonl', text)).rejects.toMatchObject({
            code: 'DATA_BAD_FILE',
            field: 'rows',
          });
        }
        const huge = await failure('huge.jsonl', `{"customer":"1","item":"${'x'.repeat(1 << 20)}"}\n`);
        expect(huge).toMatchObject({ line: 1, column: 17, field: 'item' });
        expect(huge.message.length).toBeLessThan(300);
        const nul = await failure('nul.jsonl', Buffer.from('{"customer":"1","item":"a\u0000"}\n'));
        expect(nul).toMatchObject({ line: 1, column: 26, reason: 'holds a NUL byte (0x00)' });
      });
    });

    it('train --input reads with the same rules', async () => {
      const file = (name: string, text: string | Buffer) => {
        const p = join(root, `direct-${++seq}-${name}`);
        writeFileSync(p, text);
        return p;
      };
      const m = { customer: 'customer', item: 'item' };
      await expect(readInteractionsFile(file('l.csv', latin1), m)).rejects.toMatchObject({
        code: 'DATA_BAD_ROW',
        line: 2,
        column: 6,
      });
      const decoded = await readInteractionsFile(file('l.csv', latin1), m, { encoding: 'latin1' });
      expect([...decoded.interactions.itemIds].sort()).toEqual(['cafè', 'café', 'tea']);
      await expect(
        readInteractionsFile(file('d.csv', 'customer,item,item\n1,2,3\n'), m),
      ).rejects.toMatchObject({
        code: 'DATA_BAD_FILE',
        field: 'header',
      });
      await expect(readInteractionsFile(file('h.csv', 'customer,item\n'), m)).rejects.toMatchObject({
        code: 'DATA_BAD_FILE',
        field: 'rows',
      });
      // Integer rows take the byte fast path; a short or long one is still counted.
      await expect(
        readInteractionsFile(file('s.csv', 'customer,item,x\n1,2,3\n1,2\n'), m),
      ).rejects.toMatchObject({
        line: 3,
        reason: 'has 2 fields, the header has 3: too few fields',
      });
      await expect(
        readInteractionsFile(file('e.csv', 'customer,item\n1,2\n1,2,3\n'), m),
      ).rejects.toMatchObject({
        line: 3,
        reason: 'has 3 fields, the header has 2: too many fields',
      });
      await expect(
        readInteractionsFile(file('i.csv', `customer,item\n1,${'q'.repeat(300)}\n`), m),
      ).rejects.toMatchObject({ field: 'item', reason: expect.stringContaining('at most 256 bytes') });
      const skipped = await readInteractionsFile(
        file('k.csv', Buffer.concat([latin1, Buffer.from('4\n')])),
        m,
        {
          onBadRow: 'skip',
        },
      );
      expect(skipped.skippedRows).toBe(3);
      expect(skipped.interactions.length).toBe(1);
    });
  });
});
