import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Command } from 'commander';
import type { Workspace } from '../../core/index.js';
import type { DataReport, DatasetSource, WrittenFiles } from '../../data/index.js';
import { workspaceOf } from '../context.js';
import { usageError } from '../errors.js';
import { emit, table } from '../output.js';
import { progressBar } from '../progress.js';

/**
 * `bookml data generate|import|validate|list|use`. Each command's options live in one typed
 * table that drives commander and `--help`; the actions load `data/` with `import()` so `--help`
 * stays instant.
 */

interface OptionSpec {
  flags: string;
  description: string;
  parse?: (value: string) => unknown;
  default?: unknown;
}

// A flag value that does not parse is a usage error: it is raised while commander parses, before
// the data door is loaded.
function badFlag(flag: string, reason: string) {
  return usageError(`${flag} ${reason}`, flag);
}

/** An option that parses but cannot be used here: it contradicts another, or targets stored datasets. */
function badOption(data: Data, flag: string, reason: string) {
  return new data.DataError('DATA_BAD_OPTION', `${flag} ${reason}`, { field: flag });
}

const int = (flag: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n)) throw badFlag(flag, `must be an integer, got "${v}"`);
  return n;
};
const num = (flag: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw badFlag(flag, `must be a number, got "${v}"`);
  return n;
};
const oneOf = (flag: string, values: readonly string[]) => (v: string) => {
  if (!values.includes(v)) throw badFlag(flag, `must be one of ${values.join(', ')}, got "${v}"`);
  return v;
};

const JSON_OPTION: OptionSpec = { flags: '--json', description: 'machine-readable output' };

const GENERATE_OPTIONS: OptionSpec[] = [
  { flags: '--books <n>', description: 'books in the catalogue', parse: int('--books'), default: 200 },
  { flags: '--customers <n>', description: 'customers', parse: int('--customers'), default: 800 },
  {
    flags: '--orders <n>',
    description: 'orders (ignored with --lines)',
    parse: int('--orders'),
    default: 5000,
  },
  {
    flags: '--lines <n>',
    description: 'stop after exactly N order lines instead of an order count',
    parse: int('--lines'),
  },
  {
    flags: '--seed <n>',
    description: 'random seed: the same options give byte-identical files',
    parse: int('--seed'),
    default: 42,
  },
  { flags: '--start <date>', description: 'first day of the period (ISO date, UTC)', default: '2025-01-01' },
  { flags: '--days <n>', description: 'length of the period in days', parse: num('--days'), default: 365 },
  {
    flags: '--shift <x>',
    description:
      'drift in the second half of the period, 0..1: book popularity moves to another ranking, the genre mix towards small genres',
    parse: num('--shift'),
    default: 0,
  },
  { flags: '--genres <n>', description: 'number of genres', parse: int('--genres'), default: 12 },
  { flags: '--out <dir>', description: 'write the four CSV files to this folder instead of the workspace' },
  JSON_OPTION,
];

const IMPORT_OPTIONS: OptionSpec[] = [
  {
    flags: '--map <mapping>',
    description:
      'column roles, e.g. customer=transaction_number,item=items,time=date (roles: customer, item, time, qty, basket, price)',
  },
  {
    flags: '--date-format <format>',
    description: 'iso | epoch-s | epoch-ms | a pattern such as DD-MM-YYYY, MM/DD/YYYY, YYYY-MM-DD HH:mm:ss',
    default: 'iso',
  },
  {
    flags: '--format <format>',
    description: 'csv | jsonl (default: from the file extension)',
    parse: oneOf('--format', ['csv', 'jsonl']),
  },
  { flags: '--delimiter <char>', description: 'CSV field delimiter', default: ',' },
  {
    flags: '--columns <names>',
    description:
      'the CSV has no header: name its columns in order, e.g. user,item,rating,ts (without --map, user/customer, item/book, ts/time/date, qty, order/basket, price are recognised)',
  },
  {
    flags: '--no-header',
    description:
      'the CSV has no header: columns are numbered from 1 (--map customer=1,item=2,time=4; default customer=1,item=2)',
  },
  {
    flags: '--encoding <name>',
    description:
      'text encoding of the file when it is not UTF-8: latin1, windows-1252, utf16le, … (UTF-8 files are checked: a bad byte is a bad row)',
  },
  { flags: '--books <file>', description: 'catalogue CSV with id,title,author[,genre,price] for titles' },
  {
    flags: '--on-bad-row <mode>',
    description: 'fail: stop at the first bad row; skip: leave bad rows out and count them',
    parse: oneOf('--on-bad-row', ['fail', 'skip']),
    default: 'fail',
  },
  {
    flags: '--postgres <url>',
    description: "read the Bookstore app's books and orders tables instead of a file",
  },
  { flags: '--pg-schema <name>', description: 'schema of the app tables (default: the search_path)' },
  {
    flags: '--session-gap <minutes>',
    description: 'with --postgres: orders closer than this share a basket',
    parse: num('--session-gap'),
    default: 30,
  },
  { flags: '--out <dir>', description: 'write the four CSV files to this folder instead of the workspace' },
  JSON_OPTION,
];

const VALIDATE_OPTIONS: OptionSpec[] = [
  {
    flags: '--against <dataset>',
    description: 'previous dataset (hash prefix or folder): report the popularity shift',
  },
  {
    flags: '--threshold <limits>',
    description: 'override gate limits, e.g. minLines=100,maxDuplicateShare=0.02',
  },
  JSON_OPTION,
];

function withOptions(cmd: Command, specs: OptionSpec[]): Command {
  for (const s of specs) {
    if (s.parse)
      cmd.option(s.flags, s.description, s.parse as (v: string, prev: unknown) => unknown, s.default);
    else if (s.default !== undefined) cmd.option(s.flags, s.description, String(s.default));
    else cmd.option(s.flags, s.description);
  }
  return cmd;
}

export function registerDataCommands(program: Command): void {
  const data = program
    .command('data')
    .description('datasets: generate a synthetic Bookstore, import exports, validate, list');

  withOptions(
    data
      .command('generate')
      .description('generate a deterministic synthetic Bookstore dataset and make it current'),
    GENERATE_OPTIONS,
  ).action((flags: GenerateFlags, cmd: Command) => generate(flags, workspaceOf(cmd)));

  withOptions(
    data
      .command('import')
      .argument('[file]', 'a purchase export (CSV or JSONL), or a folder holding the four dataset CSV files')
      .description(
        'import purchases (a file with --map, a dataset folder, or --postgres) and make them current',
      ),
    IMPORT_OPTIONS,
  ).action((file: string | undefined, flags: ImportFlags, cmd: Command) =>
    importData(file, flags, workspaceOf(cmd)),
  );

  withOptions(
    data
      .command('validate')
      .argument('[dataset]', 'hash prefix or folder (default: the current dataset)')
      .description('data-quality report and gate checks; exits 1 when a check fails'),
    VALIDATE_OPTIONS,
  ).action((ref: string | undefined, flags: ValidateFlags, cmd: Command) =>
    validate(ref, flags, workspaceOf(cmd)),
  );

  withOptions(data.command('list').description('datasets in the workspace, oldest first'), [
    JSON_OPTION,
  ]).action((flags: { json?: boolean }, cmd: Command) => list(flags, workspaceOf(cmd)));

  withOptions(
    data
      .command('use')
      .argument('<dataset>', 'hash prefix')
      .description('make a stored dataset the current one'),
    [JSON_OPTION],
  ).action((ref: string, flags: { json?: boolean }, cmd: Command) => use(ref, flags, workspaceOf(cmd)));
}

interface GenerateFlags {
  books: number;
  customers: number;
  orders: number;
  lines?: number;
  seed: number;
  start: string;
  days: number;
  shift: number;
  genres: number;
  out?: string;
  json?: boolean;
}

interface ImportFlags {
  map?: string;
  columns?: string;
  /** false with --no-header. */
  header: boolean;
  dateFormat: string;
  format?: 'csv' | 'jsonl';
  delimiter: string;
  encoding?: string;
  books?: string;
  onBadRow: 'fail' | 'skip';
  postgres?: string;
  pgSchema?: string;
  sessionGap: number;
  out?: string;
  json?: boolean;
}

interface ValidateFlags {
  against?: string;
  threshold?: string;
  json?: boolean;
}

type Data = typeof import('../../data/index.js');

/** What generate and import print: the dataset, where it is, and its counts. */
interface DatasetResult {
  hash: string;
  dir: string;
  current: boolean;
  counts: { books: number; customers: number; orders: number; orderLines: number };
  source: { kind: string; uri: string };
  skippedRows?: number;
  badRows?: Array<{ line: number; field: string; reason: string; column?: number }>;
}

function renderDataset(verb: string) {
  return (r: DatasetResult): string =>
    [
      `${verb} dataset ${r.hash.slice(0, 16)} → ${r.dir}${r.current ? ' (current)' : ''}`,
      table(
        ['books', 'customers', 'orders', 'order lines'],
        [[r.counts.books, r.counts.customers, r.counts.orders, r.counts.orderLines]],
      ),
      ...(r.skippedRows ? [`skipped ${r.skippedRows} bad rows, e.g.:`] : []),
      ...(r.badRows ?? [])
        .slice(0, 5)
        .map((b) => `  line ${b.line}${b.column ? `, column ${b.column}` : ''}: ${b.field} ${b.reason}`),
    ].join('\n');
}

/** Write with `produce` into `out`, or into the workspace (then make it current). */
async function store(
  data: Data,
  ws: Workspace,
  out: string | undefined,
  source: (w: WrittenFiles) => DatasetSource,
  produce: (dir: string) => Promise<WrittenFiles>,
): Promise<DatasetResult & { written: WrittenFiles }> {
  if (out) {
    const target = resolve(out);
    if (target === ws.datasetsDir || target.startsWith(`${ws.datasetsDir}${sep}`)) {
      throw badOption(
        data,
        '--out',
        `is inside the workspace's datasets (${ws.datasetsDir}), which are never rewritten`,
      );
    }
    const written = await produce(out);
    return {
      hash: data.datasetHash(written.files),
      dir: resolve(out),
      current: false,
      counts: written.counts,
      source: source(written),
      written,
    };
  }
  let written: WrittenFiles | undefined;
  const ds = await data.writeDataset(ws, source, async (dir) => (written = await produce(dir)));
  data.setCurrentDataset(ws, ds.hash);
  return {
    hash: ds.hash,
    dir: ds.dir,
    current: true,
    counts: ds.manifest.counts,
    source: ds.manifest.source,
    written: written!,
  };
}

async function generate(flags: GenerateFlags, ws: Workspace): Promise<void> {
  const data = await import('../../data/index.js');
  const bar = progressBar('generate', { json: flags.json, unit: flags.lines ? 'lines' : 'orders' });
  const options = {
    books: flags.books,
    customers: flags.customers,
    orders: flags.orders,
    lines: flags.lines,
    seed: flags.seed,
    start: flags.start,
    days: flags.days,
    shift: flags.shift,
    genres: flags.genres,
  };
  const uri = `synthetic:seed=${flags.seed},books=${flags.books},customers=${flags.customers},${
    flags.lines ? `lines=${flags.lines}` : `orders=${flags.orders}`
  },shift=${flags.shift}`;
  try {
    const { written: _w, ...result } = await store(
      data,
      ws,
      flags.out,
      () => ({ kind: 'synthetic', uri, options }),
      (dir) => data.generateSynthetic(dir, options, bar.update),
    );
    bar.stop();
    emit(result, flags.json, renderDataset('generated'));
  } finally {
    bar.stop();
  }
}

/** The columns of a headerless CSV: named by --columns, numbered by --no-header, else none (a header). */
function headerlessColumns(flags: ImportFlags): string[] | 'positional' | undefined {
  if (flags.columns !== undefined) return flags.columns.split(',').map((c) => c.trim());
  return flags.header === false ? 'positional' : undefined;
}

/** Roles recognised by column name when --columns comes without --map. */
const ROLE_NAMES: Record<string, readonly string[]> = {
  customer: ['customer', 'user', 'customer_id', 'user_id', 'userid', 'client'],
  item: ['item', 'book', 'item_id', 'book_id', 'itemid', 'product', 'product_id'],
  time: ['time', 'ts', 'timestamp', 'date', 'datetime', 'ordered_at', 'created_at'],
  qty: ['qty', 'quantity'],
  basket: ['basket', 'order', 'order_id', 'transaction', 'transaction_id'],
  price: ['price'],
};

/**
 * The mapping of a headerless file without --map: by --columns names (others, such as a rating, are
 * ignored), or the first two positions as customer and item. Missing roles fail in `parseMapping`.
 */
function defaultMapping(columns: string[] | 'positional'): string {
  if (columns === 'positional') return 'customer=1,item=2';
  return Object.entries(ROLE_NAMES)
    .flatMap(([role, names]) => {
      const col = columns.find((c) => names.includes(c.toLowerCase()));
      return col === undefined ? [] : [`${role}=${col}`];
    })
    .join(',');
}

async function importData(file: string | undefined, flags: ImportFlags, ws: Workspace): Promise<void> {
  const data = await import('../../data/index.js');
  const bar = progressBar('import', { json: flags.json, unit: flags.postgres ? 'orders' : 'bytes' });
  try {
    let result: DatasetResult;
    if (flags.postgres) {
      if (file)
        throw badOption(data, '--postgres', 'reads the database: give either a FILE or --postgres, not both');
      const uri = `${data.redactUrl(flags.postgres)}${flags.pgSchema ? `?schema=${flags.pgSchema}` : ''}`;
      let report: { skippedRows: number } = { skippedRows: 0 };
      const { written: _w, ...r } = await store(
        data,
        ws,
        flags.out,
        () => ({
          kind: 'postgres',
          uri,
          options: { sessionGapMinutes: flags.sessionGap, schema: flags.pgSchema },
        }),
        async (dir) => {
          const out = await data.importPostgres(dir, {
            url: flags.postgres!,
            schema: flags.pgSchema,
            sessionGapMinutes: flags.sessionGap,
            onBadRow: flags.onBadRow,
            onProgress: bar.update,
          });
          report = out.report;
          return out;
        },
      );
      result = { ...r, skippedRows: report.skippedRows };
    } else if (!file) {
      throw badOption(
        data,
        'file',
        'is missing: give a purchase export with --map, a dataset folder, or --postgres URL',
      );
    } else if (existsSync(file) && statSync(file).isDirectory()) {
      if (!data.hasDatasetFiles(file)) {
        throw badOption(data, 'file', `${file} is a folder without ${data.DATASET_FILES.join(', ')}`);
      }
      if (flags.out)
        throw badOption(data, '--out', 'is for file and --postgres imports; a folder is already plain files');
      const ds = data.addDatasetDir(
        ws,
        file,
        { kind: 'files', uri: resolve(file) },
        { onProgress: bar.update },
      );
      data.setCurrentDataset(ws, ds.hash);
      result = {
        hash: ds.hash,
        dir: ds.dir,
        current: true,
        counts: ds.manifest.counts,
        source: ds.manifest.source,
      };
    } else {
      const columns = headerlessColumns(flags);
      const map = flags.map ?? (columns === undefined ? undefined : defaultMapping(columns));
      if (!map) {
        throw new data.DataError(
          'DATA_BAD_MAPPING',
          '--map is required for a file import, e.g. --map customer=customer_id,item=book_id,time=created_at',
          { field: 'map' },
        );
      }
      const mapping = data.parseMapping(map);
      const format = flags.format ?? data.formatOf(file);
      let report: { skippedRows: number; badRows: DatasetResult['badRows'] } = {
        skippedRows: 0,
        badRows: [],
      };
      const { written: _w, ...r } = await store(
        data,
        ws,
        flags.out,
        () => ({
          kind: format,
          uri: resolve(file),
          options: {
            mapping,
            dateFormat: flags.dateFormat,
            books: flags.books && resolve(flags.books),
            ...(flags.encoding ? { encoding: flags.encoding } : {}),
            ...(columns === undefined ? {} : { columns }),
          },
        }),
        async (dir) => {
          const out = await data.importFile(dir, file, {
            mapping,
            format,
            dateFormat: flags.dateFormat,
            delimiter: flags.delimiter,
            encoding: flags.encoding,
            columns,
            books: flags.books,
            onBadRow: flags.onBadRow,
            onProgress: bar.update,
          });
          report = out.report;
          return out;
        },
      );
      result = { ...r, ...report };
    }
    bar.stop();
    emit(result, flags.json, renderDataset('imported'));
  } finally {
    bar.stop();
  }
}

function parseThresholds(spec: string | undefined, defaults: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (spec ?? '').split(',')) {
    if (part.trim() === '') continue;
    const [k, v] = part.split('=').map((x) => x.trim());
    if (!(k in defaults))
      throw badFlag('--threshold', `"${k}" is not a limit; use ${Object.keys(defaults).join(', ')}`);
    out[k] = num(`--threshold ${k}`)(v ?? '');
  }
  return out;
}

async function validate(ref: string | undefined, flags: ValidateFlags, ws: Workspace): Promise<void> {
  const data = await import('../../data/index.js');
  const thresholds = parseThresholds(flags.threshold, { ...data.DEFAULT_THRESHOLDS });
  // The folders only: validation hashes the files as it reads them.
  const dir = data.resolveDatasetDir(ws, ref);
  const againstDir = flags.against ? data.resolveDatasetDir(ws, flags.against) : undefined;
  const bar = progressBar('validate', { json: flags.json, unit: 'bytes' });
  let report: DataReport;
  try {
    report = await data.validateDataset(dir, {
      againstDir,
      thresholds,
      onProgress: bar.update,
      // The parse is kept: a `train` or `eval` after this reads it instead of the CSVs.
      cacheDir: ws.datasetCacheDir,
    });
  } finally {
    bar.stop();
  }
  emit(report, flags.json, renderReport);
  if (!report.pass) process.exitCode = 1;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

function renderReport(r: DataReport): string {
  const out = [`dataset ${r.dataset.hash.slice(0, 16)} (${r.dataset.uri})`, ''];
  out.push(
    table(
      ['', 'books', 'customers', 'orders', 'order lines'],
      [
        ['rows in files', r.counts.books, r.counts.customers, r.counts.orders, r.counts.orderLines],
        [
          'used by lines',
          r.distinct.books,
          r.distinct.customers,
          r.distinct.baskets,
          r.counts.orderLines - r.issues.unknownOrderLines,
        ],
      ],
    ),
    '',
  );
  const i = r.issues;
  out.push(
    table(
      ['issue', 'count'],
      [
        ['lines with unknown book', i.unknownBookLines],
        ['unknown books', i.unknownBooks],
        ['lines with unknown order', i.unknownOrderLines],
        ['duplicate lines', i.duplicateLines],
        ['orders without lines', i.ordersWithoutLines],
        ['bad quantities', i.badQtyLines],
        ['bad dates', i.badDateOrders],
        ['repeated order ids', i.duplicateOrders],
      ],
    ),
    '',
  );
  const b = r.basketSize;
  out.push(
    table(
      ['basket size', 'min', 'p50', 'p90', 'p99', 'max', 'mean'],
      [['lines', b.min, b.p50, b.p90, b.p99, b.max, b.mean]],
    ),
    '',
  );
  out.push(
    table(
      ['popularity', 'gini', 'top 1% share', 'top 10% share'],
      [['books', r.popularity.gini, pct(r.popularity.top1PctShare), pct(r.popularity.top10PctShare)]],
    ),
    '',
  );
  out.push(
    r.dateRange
      ? `dates: ${r.dateRange.first} … ${r.dateRange.last} (${r.dateRange.days} days)`
      : 'dates: none',
    '',
  );
  if (r.against) {
    const s = r.against.shift;
    out.push(
      `against ${r.against.dataset.hash.slice(0, 16)}: Jensen–Shannon ${s.jsd}, total variation ${s.tvd}; ` +
        `${s.newBooks.count} new books, ${s.vanishedBooks.count} vanished`,
      table(
        ['top movers', 'title', 'before', 'after', 'change'],
        s.topMovers.map((m) => [
          m.book,
          m.title,
          pct(m.before),
          pct(m.after),
          `${m.change > 0 ? '+' : ''}${pct(m.change)}`,
        ]),
      ),
      '',
    );
  }
  out.push(
    table(
      ['check', 'value', 'limit', 'result'],
      r.checks.map((c) => [c.name, c.value, `${c.op} ${c.threshold}`, c.pass ? 'pass' : 'FAIL']),
    ),
    '',
    r.pass ? 'data quality: PASS' : 'data quality: FAIL',
  );
  return out.join('\n');
}

async function list(flags: { json?: boolean }, ws: Workspace): Promise<void> {
  const data = await import('../../data/index.js');
  const all = data.listDatasets(ws).map((d) => ({
    hash: d.hash,
    current: d.current,
    source: d.manifest.source,
    counts: d.manifest.counts,
    createdAt: d.manifest.createdAt,
    dir: d.dir,
  }));
  emit(all, flags.json, (rows) =>
    rows.length === 0
      ? 'no datasets yet: run `bookml data generate` or `bookml data import`'
      : table(
          ['', 'dataset', 'source', 'books', 'customers', 'orders', 'lines', 'created'],
          rows.map((d) => [
            d.current ? '*' : '',
            d.hash.slice(0, 16),
            `${d.source.kind} ${d.source.uri}`,
            d.counts.books,
            d.counts.customers,
            d.counts.orders,
            d.counts.orderLines,
            d.createdAt,
          ]),
        ),
  );
}

async function use(ref: string, flags: { json?: boolean }, ws: Workspace): Promise<void> {
  const data = await import('../../data/index.js');
  const ds = data.setCurrentDataset(ws, ref);
  emit(
    { hash: ds.hash, dir: ds.dir, current: true },
    flags.json,
    (r) => `current dataset: ${r.hash.slice(0, 16)} (${r.dir})`,
  );
}
