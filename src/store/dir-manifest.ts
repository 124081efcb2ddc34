import { type DirManifest, type DirManifestEntry, isSha256 } from './artifact-store.js';
import { StoreError } from './errors.js';

/** The media type of a directory manifest blob. */
export const DIR_MANIFEST_MEDIA_TYPE = 'application/vnd.bookml.dir.v1+json';

/**
 * The canonical bytes of a manifest: entries sorted by path, fixed key order, no whitespace. The same
 * files give the same bytes on every machine, so the same directory always gets the same sha256.
 */
export function encodeDirManifest(entries: readonly DirManifestEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const manifest: DirManifest = {
    format: 'bookml.dir/v1',
    entries: sorted.map((e) => ({ path: e.path, sha256: e.sha256, size: e.size, executable: e.executable })),
  };
  return Buffer.from(JSON.stringify(manifest));
}

/**
 * Parses and checks a manifest. Paths must be relative and normalised (no `..`, no absolute paths),
 * so materialising a manifest can never write outside its target folder.
 */
export function decodeDirManifest(bytes: Buffer, sha256: string): DirManifest {
  const bad = (why: string) =>
    new StoreError(
      'STORE_ARTIFACT_INVALID_DIR',
      `artifact ${sha256} is not a directory artifact (${why}); use get() or read() for a file artifact`,
      { field: 'sha256' },
    );
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bad('not JSON');
  }
  const m = doc as Partial<DirManifest> | null;
  if (m === null || typeof m !== 'object' || m.format !== 'bookml.dir/v1' || !Array.isArray(m.entries)) {
    throw bad('no bookml.dir/v1 manifest');
  }
  const seen = new Set<string>();
  for (const e of m.entries as unknown[]) {
    const entry = e as Partial<DirManifestEntry>;
    if (
      typeof entry?.path !== 'string' ||
      !isSafeRelativePath(entry.path) ||
      !isSha256(entry.sha256) ||
      !Number.isInteger(entry.size) ||
      (entry.size as number) < 0 ||
      typeof entry.executable !== 'boolean' ||
      seen.has(entry.path)
    ) {
      throw bad(`bad entry ${JSON.stringify(entry?.path ?? null)}`);
    }
    seen.add(entry.path);
  }
  return m as DirManifest;
}

/** True for `a/b.txt`; false for ``, `/a`, `a/../b`, `./a`, `a//b`, `a\b`. */
export function isSafeRelativePath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}
