import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { BookmlError } from '../core/index.js';
import { bundleCorrupt, ModelError } from './errors.js';
import type { ItemKnn } from './item-knn.js';
import { canonicalNumbers, type ItemTable, itemTable, StringTable } from './item-table.js';
import { type TrainParams, trainParamsSchema } from './params.js';

/**
 * The bundle format this code writes, and the newest it reads. 2: ids, titles and authors in
 * binary tables instead of `items.json`; scores may be float32 (`scores.f32`). 1 still loads.
 */
export const BUNDLE_FORMAT_VERSION = 2;
/** Model ids hash the content the same way since format 1: the same data keeps its id. */
const MODEL_ID_SCHEME = 1;

const ARRAY_FILES = {
  offsets: 'offsets.i32',
  neighbours: 'neighbours.i32',
  popularity: 'popularity.i32',
  popularOrder: 'popular.i32',
} as const;
const SCORES_F64 = 'scores.f64';
const SCORES_F32 = 'scores.f32';
/** Co-buy counts per neighbour entry: optional, so bundles written before them still load. */
const CO_COUNTS_FILE = 'cocounts.i32';
/** Format 1's ids, titles and authors, as one JSON document. */
const ITEMS_FILE = 'items.json';
/** Format 2: numeric ids as float64, or text ids as a string table; titles and authors as tables. */
const IDS_F64 = 'ids.f64';
const TABLES = { ids: 'ids', titles: 'titles', authors: 'authors' } as const;
const utf8File = (t: string) => `${t}.utf8`;
const offFile = (t: string) => `${t}.off.u32`;

/**
 * Catalogues from this many books store float32 scores unless told otherwise: half the bytes of
 * the largest file, and a 1,000,000-book model loads in under 2 s. Below it, float64 keeps the
 * scores bit-identical to training (the scikit-learn parity tests compare them to 1e-12).
 */
export const FLOAT32_SCORES_FROM_BOOKS = 100_000;

/** The manifest's file name inside a bundle folder. */
export const BUNDLE_MANIFEST = 'manifest.json';

/** `manifest.json`: what the model is, what made it, and how to check its files. */
export interface BundleManifest {
  format: 'bookml-model';
  formatVersion: number;
  /** Content hash of the model (params, ids, neighbours, scores): same data + params ⇒ same id. */
  modelId: string;
  algorithm: 'item-knn';
  params: TrainParams;
  dataset: { hash: string; uri: string };
  counts: { items: number; rows: number; pairs: number; neighbours: number; pairUpdates: number };
  code: { version: string; gitSha: string | null };
  createdAt: string;
  /** Format 2: the ids are integers (format 1 says so in `items.json`). */
  itemIdsNumeric?: boolean;
  /** Byte order of the binary arrays. */
  endianness: 'LE';
  files: Record<string, { sha256: string; bytes: number }>;
}

/**
 * A model as it is stored: the arrays, the item ids they index, and friendly names. `items` reads
 * them per book without building anything (what serving uses); `itemIds`, `title` and `author`
 * are whole arrays, built at first read (a million strings each on a large catalogue).
 */
export interface ModelBundle {
  readonly manifest: BundleManifest;
  readonly model: ItemKnn;
  readonly items: ItemTable;
  readonly itemIds: readonly string[];
  readonly itemIdsNumeric: boolean;
  readonly title: readonly string[];
  readonly author: readonly string[];
}

export interface WriteBundleInput {
  model: ItemKnn;
  itemIds: readonly string[];
  itemIdsNumeric: boolean;
  title: readonly string[];
  author: readonly string[];
  dataset: { hash: string; uri: string };
  code: { version: string; gitSha: string | null };
  /** ISO timestamp; passed in so the caller's clock decides. */
  createdAt: string;
  /**
   * How scores are stored: `float32` rounds each score (the order, decided in float64 by
   * training, is kept). @default 'float32' from {@link FLOAT32_SCORES_FROM_BOOKS} books, else 'float64'
   */
  scoreType?: 'float64' | 'float32';
}

function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

function bytesOf(a: Int32Array | Uint32Array | Float64Array | Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** The model's content id: same params, ids, neighbours and scores ⇒ same id. */
export function modelIdOf(input: Pick<WriteBundleInput, 'model' | 'itemIds'>): string {
  const h = createHash('sha256');
  h.update(`bookml-model/${MODEL_ID_SCHEME};${JSON.stringify(input.model.params)};`);
  h.update(input.itemIds.join('\n'));
  h.update(bytesOf(input.model.offsets));
  h.update(bytesOf(input.model.neighbours));
  h.update(bytesOf(input.model.scores));
  return h.digest('hex').slice(0, 16);
}

/**
 * Write a bundle directory atomically: everything goes to a temp sibling, is fsynced, and the
 * directory is renamed into place, so a crash leaves the whole bundle or none.
 */
export function writeBundle(dir: string, input: WriteBundleInput): BundleManifest {
  if (endianness() !== 'LE') throw new ModelError('MODEL_UNSUPPORTED_HOST', 'bundles are little-endian');
  return writeFolderAtomically(dir, (writeSynced) => {
    const files: BundleManifest['files'] = {};
    const put = (name: string, data: Uint8Array) => {
      writeSynced(name, data);
      files[name] = { sha256: sha256(data), bytes: data.byteLength };
    };
    const m = input.model;
    for (const [key, file] of Object.entries(ARRAY_FILES))
      put(file, bytesOf(m[key as keyof typeof ARRAY_FILES]));
    const f32 =
      (input.scoreType ?? (m.nItems >= FLOAT32_SCORES_FROM_BOOKS ? 'float32' : 'float64')) === 'float32';
    if (f32)
      put(SCORES_F32, bytesOf(m.scores instanceof Float32Array ? m.scores : Float32Array.from(m.scores)));
    else put(SCORES_F64, bytesOf(m.scores instanceof Float64Array ? m.scores : Float64Array.from(m.scores)));
    if (m.coCounts) put(CO_COUNTS_FILE, bytesOf(m.coCounts));
    const numbers = input.itemIdsNumeric ? canonicalNumbers(input.itemIds) : null;
    if (numbers !== null) put(IDS_F64, bytesOf(numbers));
    const putTable = (table: string, strings: readonly string[]) => {
      const { bytes, offsets } = StringTable.encode(strings);
      put(utf8File(table), bytes);
      put(offFile(table), bytesOf(offsets));
    };
    if (numbers === null) putTable(TABLES.ids, input.itemIds);
    putTable(TABLES.titles, input.title);
    putTable(TABLES.authors, input.author);
    const manifest: BundleManifest = {
      format: 'bookml-model',
      formatVersion: BUNDLE_FORMAT_VERSION,
      modelId: modelIdOf(input),
      algorithm: 'item-knn',
      params: m.params,
      dataset: input.dataset,
      counts: {
        items: m.nItems,
        rows: m.nRows,
        pairs: m.nPairs,
        neighbours: m.neighbours.length,
        pairUpdates: m.pairUpdates,
      },
      code: input.code,
      createdAt: input.createdAt,
      itemIdsNumeric: input.itemIdsNumeric,
      endianness: 'LE',
      files,
    };
    writeSynced(BUNDLE_MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    return manifest;
  });
}

/**
 * Write a folder whole or not at all: `fill` writes (fsynced) into a temp sibling, which is renamed to
 * `dir` when it returns and removed if it throws. `MODEL_BUNDLE_EXISTS` when `dir` exists.
 */
export function writeFolderAtomically<T>(
  dir: string,
  fill: (writeSynced: (name: string, data: Uint8Array) => void) => T,
): T {
  if (existsSync(dir)) {
    throw new ModelError('MODEL_BUNDLE_EXISTS', `${dir} already exists; choose another --out`, {
      field: 'out',
    });
  }
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  mkdirSync(tmp);
  try {
    const result = fill((name, data) => {
      const path = join(tmp, name);
      writeFileSync(path, data);
      const fd = openSync(path, 'r');
      fsyncSync(fd);
      closeSync(fd);
    });
    renameSync(tmp, dir);
    return result;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Typed-array view over a file's bytes, copying only when the buffer is misaligned. */
function view<T extends Int32Array | Uint32Array | Float64Array | Float32Array>(
  buf: Buffer,
  Ctor: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number },
): T {
  const size = Ctor.BYTES_PER_ELEMENT;
  if (buf.byteLength % size !== 0)
    throw bundleCorrupt(`array file has ${buf.byteLength} bytes, not a multiple of ${size}`);
  if (buf.byteOffset % size === 0) return new Ctor(buf.buffer, buf.byteOffset, buf.byteLength / size);
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Ctor(copy.buffer, 0, buf.byteLength / size);
}

export interface ReadBundleOptions {
  /** Verify every file's sha256 against the manifest. @default true */
  verify?: boolean;
}

/** Options of {@link parseBundle}. */
export interface ParseBundleOptions {
  /** Check every file's sha256 against the manifest (sizes are always checked). @default true */
  verify?: boolean;
  /** Where the bundle came from, for error messages (a folder). @default 'the bundle' */
  where?: string;
}

/**
 * Parse and check a bundle's `manifest.json`: it must be a bookml model bundle in a format this
 * code reads. `where` names the bundle in the error messages.
 *
 * @example
 * const manifest = parseBundleManifest(await readFile(join(dir, 'manifest.json')), dir);
 */
export function parseBundleManifest(bytes: Uint8Array | string, where: string): BundleManifest {
  let manifest: BundleManifest;
  try {
    const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
    manifest = JSON.parse(text) as BundleManifest;
  } catch {
    throw bundleCorrupt(`${join(where, BUNDLE_MANIFEST)} is not valid JSON`, BUNDLE_MANIFEST);
  }
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== 'bookml-model')
    throw bundleCorrupt(`${where} is not a bookml model bundle`, 'format');
  if (typeof manifest.formatVersion !== 'number' || manifest.formatVersion > BUNDLE_FORMAT_VERSION) {
    throw new ModelError(
      'MODEL_FORMAT_TOO_NEW',
      `model bundle format ${manifest.formatVersion} is newer than this bookml reads (${BUNDLE_FORMAT_VERSION}); upgrade bookml`,
      { field: 'formatVersion' },
    );
  }
  if (manifest.files === null || typeof manifest.files !== 'object')
    throw bundleCorrupt(`${join(where, BUNDLE_MANIFEST)} lists no files`, 'files');
  return manifest;
}

/**
 * Build a bundle from its manifest and the bytes of its files, already in memory (`files` maps a
 * file name, as the manifest lists it, to its bytes). Arrays become typed-array views over those
 * bytes (no copy unless misaligned, no parsing). Refuses a missing file, a size or (with `verify`)
 * a checksum that differs from the manifest, and arrays whose shapes disagree. `readBundle` and the
 * serving loader both end here, so a bundle is checked the same way however it was read.
 *
 * @example
 * const bundle = parseBundle(manifest, { 'offsets.i32': buf, … }, { verify: false, where: dir });
 */
export function parseBundle(
  manifest: BundleManifest,
  files: Readonly<Record<string, Uint8Array | undefined>>,
  opts: ParseBundleOptions = {},
): ModelBundle {
  const where = opts.where ?? 'the bundle';
  const checked: Record<string, Buffer> = {};
  for (const [name, meta] of Object.entries(manifest.files)) {
    const bytes = files[name];
    if (bytes === undefined) throw bundleCorrupt(`${name} is missing from ${where}`, name);
    const buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.byteLength !== meta?.bytes || (opts.verify !== false && sha256(buf) !== meta.sha256)) {
      throw bundleCorrupt(`${name} in ${where} does not match its checksum: the bundle is damaged`, name);
    }
    checked[name] = buf;
  }
  const file = (name: string): Buffer => {
    const buf = checked[name];
    if (buf === undefined) throw bundleCorrupt(`manifest lists no ${name}`, name);
    return buf;
  };
  const params = trainParamsSchema.parse(manifest.params);
  const offsets = view(file(ARRAY_FILES.offsets), Int32Array);
  const neighbours = view(file(ARRAY_FILES.neighbours), Int32Array);
  const scores = checked[SCORES_F32]
    ? view(checked[SCORES_F32], Float32Array)
    : view(file(SCORES_F64), Float64Array);
  const popularity = view(file(ARRAY_FILES.popularity), Int32Array);
  const popularOrder = view(file(ARRAY_FILES.popularOrder), Int32Array);
  const coCounts = checked[CO_COUNTS_FILE] ? view(checked[CO_COUNTS_FILE], Int32Array) : undefined;
  const items = manifest.formatVersion >= 2 ? tablesOf(manifest, checked, file) : itemsJsonOf(file, where);
  const nItems = manifest.counts?.items;
  if (
    offsets.length !== nItems + 1 ||
    popularity.length !== nItems ||
    items.count !== nItems ||
    neighbours.length !== scores.length ||
    (coCounts !== undefined && coCounts.length !== neighbours.length) ||
    offsets[nItems] !== neighbours.length
  ) {
    throw bundleCorrupt(`array shapes in ${where} disagree with its manifest`, 'counts');
  }
  const model: ItemKnn = {
    params,
    nItems,
    offsets,
    neighbours,
    scores,
    ...(coCounts ? { coCounts } : {}),
    popularity,
    popularOrder,
    nRows: manifest.counts.rows,
    nPairs: manifest.counts.pairs,
    pairUpdates: manifest.counts.pairUpdates,
  };
  return new StoredBundle(manifest, model, items);
}

/** Format 2's tables: views over the files' bytes, nothing decoded. */
function tablesOf(
  manifest: BundleManifest,
  checked: Record<string, Buffer>,
  file: (name: string) => Buffer,
): ItemTable {
  const table = (t: string) =>
    StringTable.over(file(utf8File(t)), view(file(offFile(t)), Uint32Array), utf8File(t));
  const numbers = checked[IDS_F64] ? view(checked[IDS_F64], Float64Array) : null;
  return itemTable(
    numbers ?? table(TABLES.ids),
    manifest.itemIdsNumeric === true,
    table(TABLES.titles),
    table(TABLES.authors),
  );
}

/** Format 1's `items.json`. */
function itemsJsonOf(file: (name: string) => Buffer, where: string): ItemTable {
  let items: { ids: string[]; numeric: boolean; title: string[]; author: string[] };
  try {
    items = JSON.parse(file(ITEMS_FILE).toString('utf8'));
  } catch (err) {
    if (err instanceof BookmlError) throw err;
    throw bundleCorrupt(`${ITEMS_FILE} in ${where} is not valid JSON`, ITEMS_FILE);
  }
  if (!Array.isArray(items?.ids)) throw bundleCorrupt(`${ITEMS_FILE} in ${where} lists no ids`, ITEMS_FILE);
  return itemTable(items.ids, items.numeric === true, items.title ?? [], items.author ?? []);
}

/** A parsed bundle; the whole-array views of the item table are built at first read. */
class StoredBundle implements ModelBundle {
  readonly manifest: BundleManifest;
  readonly model: ItemKnn;
  readonly items: ItemTable;
  #ids: readonly string[] | null = null;
  #title: readonly string[] | null = null;
  #author: readonly string[] | null = null;

  constructor(manifest: BundleManifest, model: ItemKnn, items: ItemTable) {
    this.manifest = manifest;
    this.model = model;
    this.items = items;
  }

  get itemIdsNumeric(): boolean {
    return this.items.numeric;
  }

  get itemIds(): readonly string[] {
    this.#ids ??= columnOf(this.items, (i) => this.items.id(i));
    return this.#ids;
  }

  get title(): readonly string[] {
    this.#title ??= columnOf(this.items, (i) => this.items.title(i));
    return this.#title;
  }

  get author(): readonly string[] {
    this.#author ??= columnOf(this.items, (i) => this.items.author(i));
    return this.#author;
  }
}

function columnOf(items: ItemTable, at: (i: number) => string): string[] {
  return Array.from({ length: items.count }, (_, i) => at(i));
}

/**
 * Load a bundle folder synchronously: `manifest.json`, then every file it lists, each read once,
 * checked and turned into typed-array views by {@link parseBundle}. For the CLI and tests; the
 * server loads asynchronously (`serve/`'s bundle loader), through the same checks.
 *
 * @example
 * const bundle = readBundle('./model'); // checksums verified
 */
export function readBundle(dir: string, opts: ReadBundleOptions = {}): ModelBundle {
  const manifestPath = join(dir, BUNDLE_MANIFEST);
  if (!existsSync(manifestPath)) throw bundleNotFound(dir);
  const manifest = parseBundleManifest(readFileSync(manifestPath), dir);
  const files: Record<string, Buffer> = {};
  for (const name of Object.keys(manifest.files)) {
    try {
      files[name] = readFileSync(join(dir, name));
    } catch {
      throw bundleCorrupt(`${name} is missing from ${dir}`, name);
    }
  }
  return parseBundle(manifest, files, { verify: opts.verify, where: dir });
}

/** `MODEL_BUNDLE_NOT_FOUND` for a folder without a manifest. */
export function bundleNotFound(dir: string): ModelError {
  return new ModelError('MODEL_BUNDLE_NOT_FOUND', `no model bundle at ${dir} (${BUNDLE_MANIFEST} missing)`, {
    field: 'model',
  });
}
