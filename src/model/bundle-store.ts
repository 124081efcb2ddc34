import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BookmlError } from '../core/index.js';
import { type BundleManifest, type WriteBundleInput, writeBundle } from './bundle.js';
import { ModelErrorCodes } from './errors.js';

/**
 * Models kept in the workspace (`<workspace>/models/<time>-<modelId>/`) with a LATEST pointer,
 * until the registry takes over naming them.
 */
export function saveModelToWorkspace(
  modelsDir: string,
  input: WriteBundleInput,
): { dir: string; manifest: BundleManifest } {
  mkdirSync(modelsDir, { recursive: true });
  const stamp = input.createdAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const tmpDir = join(modelsDir, `${stamp}-pending-${process.pid}`);
  const manifest = writeBundle(tmpDir, input);
  const dir = join(modelsDir, `${stamp}-${manifest.modelId}`);
  if (existsSync(dir)) {
    // Same data, params and second: the same model; keep the first copy.
    rmSync(tmpDir, { recursive: true, force: true });
  } else {
    renameSync(tmpDir, dir);
  }
  const pointer = join(modelsDir, 'LATEST');
  writeFileSync(`${pointer}.tmp`, `${dir.slice(modelsDir.length + 1)}\n`);
  renameSync(`${pointer}.tmp`, pointer);
  return { dir, manifest };
}

/** The directory of the latest model in the workspace; a clear error when none was trained. */
export function latestModelDir(modelsDir: string): string {
  const pointer = join(modelsDir, 'LATEST');
  if (existsSync(pointer)) {
    const dir = join(modelsDir, readFileSync(pointer, 'utf8').trim());
    if (existsSync(join(dir, 'manifest.json'))) return dir;
  }
  const dirs = existsSync(modelsDir)
    ? readdirSync(modelsDir)
        .filter((d) => existsSync(join(modelsDir, d, 'manifest.json')))
        .sort()
    : [];
  if (dirs.length === 0) {
    throw new BookmlError(
      ModelErrorCodes.MODEL_NONE_TRAINED,
      'no model in this workspace: run `bookml train` first, or pass --model DIR',
      {
        field: 'model',
        status: 404,
      },
    );
  }
  return join(modelsDir, dirs[dirs.length - 1]);
}
