import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BUNDLE_MANIFEST,
  type BundleManifest,
  readBundle,
  type WriteBundleInput,
  writeBundle,
} from './bundle.js';
import { bundleCorrupt, ModelError } from './errors.js';

/**
 * The two artifact-store calls the latest model needs (`ArtifactStore` from `store/` fits). Taken
 * as an interface so that `model/` holds no store code and loads none: the caller opens the store.
 */
export interface BundleArtifacts {
  /** Stores a folder; its `sha256` names the folder's manifest, `uri` where it lives. */
  putDir(dir: string): Promise<{ sha256: string; uri: string }>;
  /** A local folder holding the stored folder, every file verified against its hash. */
  getDir(sha256: string): Promise<string>;
}

/** The store, or a function that opens it: it is opened only when a model has to be stored or fetched. */
export type BundleArtifactsSource = BundleArtifacts | (() => BundleArtifacts | Promise<BundleArtifacts>);

/** `<workspace>/models/latest.json`: which stored bundle is the latest trained model. */
export interface ModelPointer {
  /** The bundle folder's sha256 in the artifact store. */
  sha256: string;
  /** The bundle's model id (its manifest's `modelId`): the version `serve --model latest` reports. */
  modelId: string;
  /** When the model was trained (its manifest's `createdAt`), ISO. */
  createdAt: string;
  /** Where the artifact store keeps it (`file:///…`, `s3://…`). */
  uri: string;
}

/** The latest model, fetched: its pointer and the local folder holding the verified bundle. */
export interface LatestModel extends ModelPointer {
  /** A folder the artifact store materialised, every file verified: read-only. */
  readonly dir: string;
}

/** The workspace folders the latest model uses (a `Workspace` fits). */
export interface ModelPaths {
  /** Holds `latest.json`. */
  readonly modelsDir: string;
  /** Scratch space for a bundle on its way into the artifact store. */
  readonly tmpDir: string;
}

/** The pointer's file name inside the models folder. */
export const LATEST_MODEL_POINTER = 'latest.json';
/** What bookml before the artifact store wrote: the name of the latest `models/<stamp>-<id>/` folder. */
const LEGACY_POINTER = 'LATEST';
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Store a freshly trained model: the bundle is written to a scratch folder, put into the artifact
 * store (which keeps every bundle, content-addressed) and `models/latest.json` is moved to it. Only
 * the pointer lives in the workspace's models folder; the scratch folder is removed.
 *
 * @example
 * const { pointer } = await saveLatestModel(ws, await openArtifactStore({ workspace: ws }), input);
 */
export async function saveLatestModel(
  paths: ModelPaths,
  artifacts: BundleArtifactsSource,
  input: WriteBundleInput,
): Promise<{ manifest: BundleManifest; pointer: ModelPointer }> {
  await mkdir(paths.tmpDir, { recursive: true });
  const scratch = await mkdtemp(join(paths.tmpDir, 'model-'));
  try {
    const dir = join(scratch, 'bundle');
    const manifest = writeBundle(dir, input);
    const ref = await (await storeOf(artifacts)).putDir(dir);
    const pointer = pointerOf(ref, manifest);
    await writeModelPointer(paths.modelsDir, pointer);
    return { manifest, pointer };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The latest trained model: the pointer resolved to a verified local folder. A workspace written by
 * an older bookml (`models/LATEST` naming a bundle folder) is migrated on first use: that folder is
 * checked, put into the artifact store and the pointer written; the old folders are left as they
 * are (nothing reads them again), for the user to delete.
 *
 * @throws BookmlError `MODEL_NONE_TRAINED` (404) when nothing was trained in this workspace.
 * @example
 * const { modelId, dir } = await latestModel(ws.modelsDir, () => openArtifactStore({ workspace: ws }));
 */
export async function latestModel(modelsDir: string, artifacts: BundleArtifactsSource): Promise<LatestModel> {
  const pointer = (await readModelPointer(modelsDir)) ?? (await importLegacyModel(modelsDir, artifacts));
  if (pointer === null) throw noneTrained();
  return { ...pointer, dir: await (await storeOf(artifacts)).getDir(pointer.sha256) };
}

/**
 * The pointer as written, or null when there is none. Cheap (one small file), so the server can
 * read it at every poll and fetch the bundle only when it moved.
 *
 * @example
 * const p = await readModelPointer(ws.modelsDir); // { sha256, modelId, createdAt, uri } | null
 */
export async function readModelPointer(modelsDir: string): Promise<ModelPointer | null> {
  const path = join(modelsDir, LATEST_MODEL_POINTER);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let doc: Partial<ModelPointer> | null = null;
  try {
    doc = JSON.parse(text) as Partial<ModelPointer> | null;
  } catch {
    doc = null;
  }
  if (
    doc === null ||
    typeof doc !== 'object' ||
    typeof doc.sha256 !== 'string' ||
    !SHA256.test(doc.sha256) ||
    typeof doc.modelId !== 'string' ||
    doc.modelId === '' ||
    typeof doc.createdAt !== 'string' ||
    typeof doc.uri !== 'string'
  ) {
    throw bundleCorrupt(
      `${path} is damaged (not a model pointer); run \`bookml train\` to write it again`,
      LATEST_MODEL_POINTER,
    );
  }
  return { sha256: doc.sha256, modelId: doc.modelId, createdAt: doc.createdAt, uri: doc.uri };
}

/**
 * Move the pointer, atomically: a temp file, fsynced, renamed over the old one. A reader sees the
 * old pointer or the new one, never a torn file.
 *
 * @example
 * await writeModelPointer(ws.modelsDir, { sha256, modelId, createdAt, uri });
 */
export async function writeModelPointer(modelsDir: string, pointer: ModelPointer): Promise<void> {
  await mkdir(modelsDir, { recursive: true });
  const path = join(modelsDir, LATEST_MODEL_POINTER);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(`${JSON.stringify(pointer, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename survives a power cut only once the folder itself is synced.
  const dir = await open(modelsDir, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function pointerOf(ref: { sha256: string; uri: string }, manifest: BundleManifest): ModelPointer {
  return { sha256: ref.sha256, modelId: manifest.modelId, createdAt: manifest.createdAt, uri: ref.uri };
}

async function storeOf(artifacts: BundleArtifactsSource): Promise<BundleArtifacts> {
  return typeof artifacts === 'function' ? artifacts() : artifacts;
}

/**
 * An older workspace's latest bundle folder (named by `LATEST`, else the newest folder holding a
 * manifest, as that bookml read it) put into the artifact store, with the pointer written; null
 * when the workspace has none. It is read with every checksum checked first: the store's own
 * verification covers what it was given, so a damaged folder must not get in.
 */
async function importLegacyModel(
  modelsDir: string,
  artifacts: BundleArtifactsSource,
): Promise<ModelPointer | null> {
  const dir = legacyLatestDir(modelsDir);
  if (dir === null) return null;
  const { manifest } = readBundle(dir);
  const pointer = pointerOf(await (await storeOf(artifacts)).putDir(dir), manifest);
  await writeModelPointer(modelsDir, pointer);
  return pointer;
}

function legacyLatestDir(modelsDir: string): string | null {
  const hasBundle = (d: string) => existsSync(join(d, BUNDLE_MANIFEST));
  const named = join(modelsDir, LEGACY_POINTER);
  if (existsSync(named)) {
    const dir = join(modelsDir, readFileSync(named, 'utf8').trim());
    if (hasBundle(dir)) return dir;
  }
  const dirs = existsSync(modelsDir)
    ? readdirSync(modelsDir)
        .filter((d) => hasBundle(join(modelsDir, d)))
        .sort()
    : [];
  return dirs.length === 0 ? null : join(modelsDir, dirs[dirs.length - 1]);
}

function noneTrained(): ModelError {
  return new ModelError(
    'MODEL_NONE_TRAINED',
    'no model in this workspace: run `bookml train` first, or pass --model DIR',
    { field: 'model' },
  );
}
