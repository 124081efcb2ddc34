import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type WriteBundleInput, writeFolderAtomically } from './bundle.js';
import { bundleCorrupt, ModelError } from './errors.js';
import { trainParamsSchema } from './params.js';
import { joinShards, type ShardPartial, shardMismatch } from './shard.js';

/**
 * A shard's partial on disk (`bookml train --shard I/N --out <dir>`), and the merge of all of them
 * into what `writeBundle` takes. A partial carries its range's slice of everything per item (lists,
 * popularity, ids, titles) plus what the bundle's manifest records (dataset, code, time), so the merge
 * needs the partials alone, not the dataset.
 */

/** The partial's description file. */
export const SHARD_MANIFEST = 'shard.json';
const SHARD_FORMAT_VERSION = 1;

/** What a partial holds besides the lists: the item slice and the bundle's provenance. */
export interface ShardFile {
  readonly partial: ShardPartial;
  /** Ids, titles and authors of items [lo, hi). */
  readonly itemIds: readonly string[];
  readonly itemIdsNumeric: boolean;
  readonly title: readonly string[];
  readonly author: readonly string[];
  readonly dataset: { hash: string; uri: string };
  readonly code: { version: string; gitSha: string | null };
  /** When the shard was trained; the merged bundle takes the latest of its shards'. */
  readonly createdAt: string;
}

interface ShardManifest {
  format: 'bookml-shard';
  formatVersion: number;
  shard: { index: number; count: number; lo: number; hi: number };
  params: unknown;
  dataset: ShardFile['dataset'];
  code: ShardFile['code'];
  createdAt: string;
  counts: { items: number; rows: number; pairs: number; pairUpdates: number };
  itemIdsNumeric: boolean;
  files: Record<string, { sha256: string; bytes: number }>;
}

const ARRAYS = {
  offsets: ['offsets.i32', Int32Array],
  neighbours: ['neighbours.i32', Int32Array],
  scores: ['scores.f64', Float64Array],
  coCounts: ['cocounts.i32', Int32Array],
  popularity: ['popularity.i32', Int32Array],
} as const;
const ITEMS = 'items.json';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytesOf = (a: Int32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/**
 * The partial of shard `index` of a training over `input`'s items: slices the item data to the
 * shard's range. `input` is what `writeBundle` would take for the whole model.
 */
export function shardFileOf(partial: ShardPartial, input: Omit<WriteBundleInput, 'model'>): ShardFile {
  const { lo, hi } = partial;
  return {
    partial,
    itemIds: input.itemIds.slice(lo, hi),
    itemIdsNumeric: input.itemIdsNumeric,
    title: input.title.slice(lo, hi),
    author: input.author.slice(lo, hi),
    dataset: input.dataset,
    code: input.code,
    createdAt: input.createdAt,
  };
}

/** Write a partial folder; written whole (a temp sibling renamed into place) or not at all. */
export function writeShardFile(dir: string, f: ShardFile): void {
  writeFolderAtomically(dir, (writeSynced) => {
    const files: ShardManifest['files'] = {};
    const put = (name: string, data: Uint8Array) => {
      writeSynced(name, data);
      files[name] = { sha256: sha256(data), bytes: data.byteLength };
    };
    const p = f.partial;
    for (const [key, [file]] of Object.entries(ARRAYS)) put(file, bytesOf(p[key as keyof typeof ARRAYS]));
    put(ITEMS, Buffer.from(JSON.stringify({ ids: f.itemIds, title: f.title, author: f.author })));
    const manifest: ShardManifest = {
      format: 'bookml-shard',
      formatVersion: SHARD_FORMAT_VERSION,
      shard: { index: p.index, count: p.count, lo: p.lo, hi: p.hi },
      params: p.params,
      dataset: f.dataset,
      code: f.code,
      createdAt: f.createdAt,
      counts: { items: p.nItems, rows: p.nRows, pairs: p.nPairs, pairUpdates: p.pairUpdates },
      itemIdsNumeric: f.itemIdsNumeric,
      files,
    };
    writeSynced(SHARD_MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  });
}

/** Read and verify a partial folder (every file against its sha256); `MODEL_BUNDLE_CORRUPT` otherwise. */
export function readShardFile(dir: string): ShardFile {
  const at = join(dir, SHARD_MANIFEST);
  if (!existsSync(at))
    throw new ModelError('MODEL_BUNDLE_NOT_FOUND', `no shard partial at ${dir} (${SHARD_MANIFEST} missing)`, {
      field: 'shards',
    });
  let m: ShardManifest;
  try {
    m = JSON.parse(readFileSync(at, 'utf8')) as ShardManifest;
  } catch {
    throw bundleCorrupt(`${at} is not valid JSON`, SHARD_MANIFEST);
  }
  if (m?.format !== 'bookml-shard' || m.formatVersion !== SHARD_FORMAT_VERSION)
    throw bundleCorrupt(`${dir} is not a bookml shard partial of format ${SHARD_FORMAT_VERSION}`, 'format');
  const read = (name: string): Buffer => {
    const meta = m.files?.[name];
    const path = join(dir, name);
    const buf = meta && existsSync(path) ? readFileSync(path) : undefined;
    if (buf === undefined || buf.byteLength !== meta?.bytes || sha256(buf) !== meta.sha256)
      throw bundleCorrupt(`${name} in ${dir} is missing or does not match its checksum`, name);
    return buf;
  };
  const arrays = {} as { -readonly [K in keyof typeof ARRAYS]: InstanceType<(typeof ARRAYS)[K][1]> };
  for (const [key, [file, Ctor]] of Object.entries(ARRAYS)) {
    const buf = read(file);
    // A copy: readFileSync's buffer may sit at an offset the typed array cannot start at.
    const copy = new Uint8Array(buf.byteLength);
    copy.set(buf);
    (arrays as Record<string, unknown>)[key] = new Ctor(
      copy.buffer,
      0,
      buf.byteLength / Ctor.BYTES_PER_ELEMENT,
    );
  }
  const items = JSON.parse(read(ITEMS).toString('utf8')) as {
    ids: string[];
    title: string[];
    author: string[];
  };
  const { index, count, lo, hi } = m.shard;
  return {
    partial: {
      params: trainParamsSchema.parse(m.params),
      index,
      count,
      lo,
      hi,
      nItems: m.counts.items,
      nRows: m.counts.rows,
      nPairs: m.counts.pairs,
      pairUpdates: m.counts.pairUpdates,
      ...arrays,
    },
    itemIds: items.ids,
    itemIdsNumeric: m.itemIdsNumeric,
    title: items.title,
    author: items.author,
    dataset: m.dataset,
    code: m.code,
    createdAt: m.createdAt,
  };
}

/**
 * What `writeBundle` takes, from every shard of one training: the joined model, the item data
 * concatenated, and the provenance the shards agree on. The bundle's time is the latest shard's (never
 * the merge's clock), so merging again gives the same bytes. `MODEL_SHARD_MISMATCH` when the shards are
 * not all of one training over one dataset with one code version.
 */
export function mergeShardFiles(files: readonly ShardFile[]): WriteBundleInput {
  const sorted = [...files].sort((a, b) => a.partial.index - b.partial.index);
  const model = joinShards(sorted.map((f) => f.partial));
  const first = sorted[0];
  for (const f of sorted) {
    const name = `shard ${f.partial.index + 1}/${f.partial.count}`;
    if (f.dataset.hash !== first.dataset.hash || f.dataset.uri !== first.dataset.uri)
      throw shardMismatch(
        `${name} was trained on dataset ${f.dataset.hash.slice(0, 12)}, shard 1 on ${first.dataset.hash.slice(0, 12)}`,
        'dataset',
      );
    if (f.code.version !== first.code.version || f.code.gitSha !== first.code.gitSha)
      throw shardMismatch(
        `${name} was trained by bookml ${f.code.version}, shard 1 by ${first.code.version}`,
        'code',
      );
    if (f.itemIdsNumeric !== first.itemIdsNumeric)
      throw shardMismatch(`${name} disagrees on the item ids`, 'dataset');
  }
  return {
    model,
    itemIds: sorted.flatMap((f) => f.itemIds),
    itemIdsNumeric: first.itemIdsNumeric,
    title: sorted.flatMap((f) => f.title),
    author: sorted.flatMap((f) => f.author),
    dataset: first.dataset,
    code: first.code,
    createdAt: sorted.map((f) => f.createdAt).reduce((a, b) => (b > a ? b : a)),
  };
}
