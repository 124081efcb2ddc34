import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { BookmlError } from '../core/index.js';
import { type ModelBundle, ModelErrorCodes, readBundle } from '../model/index.js';

/** Bytes hashed between two yields to the event loop (about a quarter millisecond of sha256). */
const HASH_SLICE = 256 * 1024;

/**
 * Load a bundle for serving without stalling the requests the old model is answering. The
 * bundle's structure is read and checked by `readBundle` (format, shapes), which is fast. Then every
 * file listed in the manifest is read asynchronously and its sha256 is checked in slices, with
 * yields between the slices. `readBundle`'s own verification would hash everything in one
 * synchronous pass, a pause of tens of milliseconds on a 10,000-book model. Bundles are written
 * once, by an atomic rename, so the bytes hashed are the bytes loaded.
 *
 * @example
 * const bundle = await loadVerifiedBundle('/srv/models/recommender-7');
 */
export async function loadVerifiedBundle(dir: string): Promise<ModelBundle> {
  const bundle = readBundle(dir, { verify: false });
  for (const [name, meta] of Object.entries(bundle.manifest.files)) {
    await yieldToLoop();
    const bytes = await readFile(join(dir, name));
    const h = createHash('sha256');
    for (let at = 0; at < bytes.byteLength; at += HASH_SLICE) {
      if (at > 0) await yieldToLoop();
      h.update(bytes.subarray(at, at + HASH_SLICE));
    }
    if (bytes.byteLength !== meta.bytes || h.digest('hex') !== meta.sha256) {
      throw new BookmlError(
        ModelErrorCodes.MODEL_BUNDLE_CORRUPT,
        `${name} in ${dir} does not match its checksum: the bundle is damaged`,
        { field: name, status: 500 },
      );
    }
  }
  return bundle;
}
