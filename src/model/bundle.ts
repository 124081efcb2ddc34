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
import { bundleCorrupt, ModelErrorCodes } from './errors.js';
import type { ItemKnn } from './item-knn.js';
import { type TrainParams, trainParamsSchema } from './params.js';

/** The bundle format this code writes, and the newest it reads. */
export const BUNDLE_FORMAT_VERSION = 1;

const ARRAY_FILES = {
  offsets: 'offsets.i32',
  neighbours: 'neighbours.i32',
  scores: 'scores.f64',
  popularity: 'popularity.i32',
  popularOrder: 'popular.i32',
} as const;

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
  /** Byte order of the binary arrays. */
  endianness: 'LE';
  files: Record<string, { sha256: string; bytes: number }>;
}

/** A model as it is stored: the arrays, the item ids they index, and friendly names. */
export interface ModelBundle {
  readonly manifest: BundleManifest;
  readonly model: ItemKnn;
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
}

function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

function bytesOf(a: Int32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** The model's content id: same params, ids, neighbours and scores ⇒ same id. */
export function modelIdOf(input: Pick<WriteBundleInput, 'model' | 'itemIds'>): string {
  const h = createHash('sha256');
  h.update(`bookml-model/${BUNDLE_FORMAT_VERSION};${JSON.stringify(input.model.params)};`);
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
  if (endianness() !== 'LE') throw new BookmlError('MODEL_UNSUPPORTED_HOST', 'bundles are little-endian');
  if (existsSync(dir)) {
    throw new BookmlError('MODEL_BUNDLE_EXISTS', `${dir} already exists; choose another --out`, {
      field: 'out',
    });
  }
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  mkdirSync(tmp);
  try {
    const files: BundleManifest['files'] = {};
    const writeSynced = (name: string, data: Uint8Array) => {
      const path = join(tmp, name);
      writeFileSync(path, data);
      const fd = openSync(path, 'r');
      fsyncSync(fd);
      closeSync(fd);
    };
    const put = (name: string, data: Uint8Array) => {
      writeSynced(name, data);
      files[name] = { sha256: sha256(data), bytes: data.byteLength };
    };
    const m = input.model;
    for (const [key, file] of Object.entries(ARRAY_FILES))
      put(file, bytesOf(m[key as keyof typeof ARRAY_FILES]));
    const items = {
      ids: input.itemIds,
      numeric: input.itemIdsNumeric,
      title: input.title,
      author: input.author,
    };
    put('items.json', Buffer.from(JSON.stringify(items)));
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
      endianness: 'LE',
      files,
    };
    writeSynced('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    renameSync(tmp, dir);
    return manifest;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Typed-array view over a file's bytes, copying only when the buffer is misaligned. */
function view<T extends Int32Array | Float64Array>(
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

/**
 * Load a bundle: arrays become typed-array views over the file bytes (no parsing). Refuses a
 * newer format, a missing or altered file, and arrays whose shapes disagree.
 */
export function readBundle(dir: string, opts: ReadBundleOptions = {}): ModelBundle {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new BookmlError(
      ModelErrorCodes.MODEL_BUNDLE_NOT_FOUND,
      `no model bundle at ${dir} (manifest.json missing)`,
      {
        field: 'model',
        status: 404,
      },
    );
  }
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BundleManifest;
  } catch {
    throw bundleCorrupt(`${manifestPath} is not valid JSON`, 'manifest.json');
  }
  if (manifest.format !== 'bookml-model')
    throw bundleCorrupt(`${dir} is not a bookml model bundle`, 'format');
  if (typeof manifest.formatVersion !== 'number' || manifest.formatVersion > BUNDLE_FORMAT_VERSION) {
    throw new BookmlError(
      ModelErrorCodes.MODEL_FORMAT_TOO_NEW,
      `model bundle format ${manifest.formatVersion} is newer than this bookml reads (${BUNDLE_FORMAT_VERSION}); upgrade bookml`,
      { field: 'formatVersion', status: 500 },
    );
  }
  const read = (name: string): Buffer => {
    const meta = manifest.files[name];
    if (!meta) throw bundleCorrupt(`manifest lists no ${name}`, name);
    let buf: Buffer;
    try {
      buf = readFileSync(join(dir, name));
    } catch {
      throw bundleCorrupt(`${name} is missing from ${dir}`, name);
    }
    if (buf.byteLength !== meta.bytes || (opts.verify !== false && sha256(buf) !== meta.sha256)) {
      throw bundleCorrupt(`${name} in ${dir} does not match its checksum: the bundle is damaged`, name);
    }
    return buf;
  };
  const params = trainParamsSchema.parse(manifest.params);
  const offsets = view(read(ARRAY_FILES.offsets), Int32Array);
  const neighbours = view(read(ARRAY_FILES.neighbours), Int32Array);
  const scores = view(read(ARRAY_FILES.scores), Float64Array);
  const popularity = view(read(ARRAY_FILES.popularity), Int32Array);
  const popularOrder = view(read(ARRAY_FILES.popularOrder), Int32Array);
  const items = JSON.parse(read('items.json').toString('utf8')) as {
    ids: string[];
    numeric: boolean;
    title: string[];
    author: string[];
  };
  const nItems = manifest.counts.items;
  if (
    offsets.length !== nItems + 1 ||
    popularity.length !== nItems ||
    items.ids.length !== nItems ||
    neighbours.length !== scores.length ||
    offsets[nItems] !== neighbours.length
  ) {
    throw bundleCorrupt(`array shapes in ${dir} disagree with its manifest`, 'counts');
  }
  return {
    manifest,
    model: {
      params,
      nItems,
      offsets,
      neighbours,
      scores,
      popularity,
      popularOrder,
      nRows: manifest.counts.rows,
      nPairs: manifest.counts.pairs,
      pairUpdates: manifest.counts.pairUpdates,
    },
    itemIds: items.ids,
    itemIdsNumeric: items.numeric,
    title: items.title,
    author: items.author,
  };
}
