import type { Manifest, ManifestEntry } from './wire-types.js';

/**
 * The canonical bytes of a directory manifest, as the artifact store writes them (`store/dir-manifest.ts`;
 * a test holds the two byte-identical): entries sorted by path, fixed key order, no whitespace. The client
 * needs them to name a directory before uploading its manifest and to check one it downloads; it keeps
 * its own copy because the store's door loads the database stack.
 */
export function encodeManifest(entries: readonly ManifestEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const manifest: Manifest = {
    format: 'bookml.dir/v1',
    entries: sorted.map((e) => ({ path: e.path, sha256: e.sha256, size: e.size, executable: e.executable })),
  };
  return Buffer.from(JSON.stringify(manifest));
}

/** True for `a/b.txt`; false for ``, `/a`, `a/../b`, `./a`, `a//b`, `a\b`: nothing can land outside its folder. */
export function isSafeManifestPath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}
